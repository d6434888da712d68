"""A local fake of the Slack Web API (and response URLs), for tests.

slack_sdk talks HTTP through urllib, so mocking libraries such as ``responses`` cannot
intercept it. Instead this module runs a real server on 127.0.0.1 (a random free port),
records every request, and answers with canned but realistic payloads. Nothing here ever
contacts the internet.

Typical use::

    with FakeSlack() as fake:
        client = WebClient(base_url=fake.base_url, token="xoxb-test")
        client.chat_postMessage(channel="C1", text="hi")
        (call,) = fake.wait_for("chat.postMessage")
        assert call.params["text"] == "hi"

Socket Mode's websocket side is `tests.fakesocket.FakeSocketModeServer`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import parse_qs, urlencode, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_sdk.signature import SignatureVerifier

if TYPE_CHECKING:
    from tests.fakesocket import FakeSocketModeServer

__all__ = [
    "DEFAULT_SCOPES",
    "Call",
    "FakeSlack",
    "event_body",
    "event_envelope",
    "interactive_body",
    "signed_headers",
    "slash_command_body",
]

DEFAULT_SCOPES = (
    "commands,chat:write,users:read,files:write,im:history,channels:history,groups:history,"
    "channels:read,groups:read"
)
TEAM_ID = "T0TEAM"
BOT_USER_ID = "U0BOT"
BOT_ID = "B0BOT"
APP_ID = "A0APP"
# Discard port on loopback: a safe default response_url that can never reach the internet.
_NOWHERE_RESPONSE_URL = "http://127.0.0.1:9/respond/none"

Responder = Mapping[str, Any] | Callable[["Call"], Mapping[str, Any]]


class Headers(dict[str, str]):
    """A plain dict of request headers with lower-cased keys and case-insensitive lookup.

    HTTP header names are case-insensitive; this lets tests write either
    ``headers["Authorization"]`` or ``headers["authorization"]``.
    """

    def __init__(self, items: Mapping[str, str] | None = None) -> None:
        super().__init__()
        for key, value in (items or {}).items():
            self[key] = value

    def __setitem__(self, key: str, value: str) -> None:
        super().__setitem__(key.lower(), value)

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.lower())

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and super().__contains__(key.lower())

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        return super().get(key.lower(), default)


@dataclass
class Call:
    """One request received by FakeSlack (successful or failed-by-injection)."""

    method: str
    """API method ("chat.postMessage"), or "response_url" for POSTs to /respond/..."""
    path: str
    headers: Headers
    params: dict[str, Any]
    """Merged query-string and body params (JSON body, or form fields as strings)."""
    status: int = 200
    """HTTP status the fake answered with."""
    http_method: str = "POST"
    body: bytes = b""
    response: dict[str, Any] | None = None
    """The JSON the fake answered with (None for plain-text answers)."""
    received_at: float = field(default_factory=time.time)

    def json(self, name: str) -> Any:
        """Return param ``name`` JSON-decoded if it is a string (form-encoded
        ``view``/``blocks`` arrive as JSON text), else as-is; None if absent."""
        value = self.params.get(name)
        if isinstance(value, str | bytes):
            return json.loads(value)
        return value


@dataclass
class _Failure:
    status: int
    retry_after: int | None
    body: Any
    remaining: int


class _Handler(BaseHTTPRequestHandler):
    """Routes requests to the owning FakeSlack (set as ``server.fake``)."""

    server: _FakeHTTPServer
    protocol_version = "HTTP/1.1"  # keep-alive, as Slack serves it
    disable_nagle_algorithm = True  # headers and body go out as separate writes

    def do_GET(self) -> None:
        self.server.fake._handle(self)

    def do_POST(self) -> None:
        self.server.fake._handle(self)

    def log_message(self, format: str, *args: Any) -> None:
        """Silence per-request logging so pytest output stays readable."""


class _FakeHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    fake: FakeSlack


def _parse_params(query: str, body: bytes, content_type: str) -> dict[str, Any]:
    """Merge query string and body params the way Slack does (body wins)."""
    params: dict[str, Any] = _parse_form(query)
    if not body:
        return params
    text = body.decode("utf-8", errors="replace")
    if "json" in content_type or (not content_type and text.lstrip().startswith("{")):
        try:
            decoded = json.loads(text)
        except ValueError:
            decoded = None
        if isinstance(decoded, dict):
            params.update(decoded)
        return params
    if "x-www-form-urlencoded" in content_type or not content_type:
        params.update(_parse_form(text))
    return params


def _parse_form(text: str) -> dict[str, Any]:
    parsed = parse_qs(text, keep_blank_values=True)
    return {k: v[0] if len(v) == 1 else v for k, v in parsed.items()}


def _maybe_json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _tz_offset(tz: str) -> int:
    try:
        offset = dt.datetime.now(ZoneInfo(tz)).utcoffset()
    except (ZoneInfoNotFoundError, ValueError):
        return 0
    return int(offset.total_seconds()) if offset is not None else 0


class FakeSlack:
    """Fake Slack Web API on http://127.0.0.1:<port>/api/ that records every call.

    Pass ``base_url`` to ``WebClient(base_url=...)`` or the ``SLACK_API_URL`` env var.
    Attributes ``scopes`` (auth.test's x-oauth-scopes header), ``users`` (users.info
    data), ``socket_url`` (apps.connections.open answer) and ``require_auth`` may be
    changed at any time.
    """

    def __init__(
        self,
        *,
        socket_server: FakeSocketModeServer | None = None,
        socket_url: str | None = None,
        scopes: str = DEFAULT_SCOPES,
        require_auth: bool = True,
    ) -> None:
        self.scopes = scopes
        self.require_auth = require_auth
        self.socket_url: str | None = socket_url
        """apps.connections.open answer; None means ``socket_server.url`` (read lazily,
        so the socket server may be started after this fake)."""
        self.socket_server = socket_server
        self.users: dict[str, dict[str, Any]] = {}
        self.left: set[str] = set()  # channels the app is not a member of
        self.unknown_channels: set[str] = set()  # conversations.info: channel_not_found
        self.shared_channels: set[str] = set()  # conversations.info: is_ext_shared (Connect)
        self._calls: list[Call] = []
        self._cond = threading.Condition()
        self._failures: dict[str, list[_Failure]] = {}
        self._overrides: dict[str, Responder] = {}
        self._delays: dict[str, tuple[float, threading.Event]] = {}
        self._counter = itertools.count(1)
        self._ts_counter = itertools.count(100)
        self._server: _FakeHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.url = ""
        self.base_url = ""

    # -- lifecycle -------------------------------------------------------------------

    def start(self) -> Self:
        """Bind a free port on 127.0.0.1 and serve in a daemon thread."""
        if self._server is not None:
            return self
        server = _FakeHTTPServer(("127.0.0.1", 0), _Handler)
        server.fake = self
        port = server.server_address[1]
        self._server = server
        self.url = f"http://127.0.0.1:{port}"
        self.base_url = f"{self.url}/api/"
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"FakeSlack:{port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port; safe to call twice."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- recording -------------------------------------------------------------------

    def calls(self, method: str | None = None) -> list[Call]:
        """Snapshot of recorded calls, optionally only those of ``method``."""
        with self._cond:
            return [c for c in self._calls if method is None or c.method == method]

    def clear(self) -> None:
        """Forget recorded calls (not users, failures or overrides)."""
        with self._cond:
            self._calls.clear()

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Block until ``count`` calls of ``method`` arrived; return them.

        Needed because Bolt acks first and calls the Web API from worker threads.
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [c for c in self._calls if c.method == method]
                if len(found) >= count:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = [c.method for c in self._calls]
                    raise AssertionError(
                        f"expected {count} call(s) of {method!r} within {timeout}s, "
                        f"got {len(found)}; all calls received: {seen}"
                    )
                self._cond.wait(remaining)

    # -- configuration ---------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        tz: str = "America/New_York",
        real_name: str | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        """Register a users.info answer; tz_offset is derived from ``tz`` (DST-aware)."""
        user = self._default_user(user_id)
        user.update(tz=tz, tz_offset=_tz_offset(tz))
        if real_name is not None:
            user["real_name"] = real_name
            user["profile"]["real_name"] = real_name
        user.update(fields)
        self.users[user_id] = user
        return user

    def fail_next(
        self,
        method: str,
        status: int = 429,
        retry_after: int = 1,
        times: int = 1,
        body: Any = None,
        error: str | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail.

        With ``error`` the answer is HTTP 200 {"ok": false, "error": error} (what Slack
        does for API-level errors); otherwise HTTP ``status`` (429 adds Retry-After).
        ``body`` overrides the answer (dict -> JSON, str -> text).
        """
        if error is not None:
            failure = _Failure(200, None, body or {"ok": False, "error": error}, times)
        else:
            if body is None:
                body = {"ok": False, "error": "ratelimited" if status == 429 else "fatal_error"}
            failure = _Failure(status, retry_after if status == 429 else None, body, times)
        with self._cond:
            self._failures.setdefault(method, []).append(failure)

    def set_response(self, method: str, response: Responder | None) -> None:
        """Replace the default answer for ``method`` with a dict or ``fn(call) -> dict``
        (None restores the default). Injected failures still take precedence."""
        with self._cond:
            if response is None:
                self._overrides.pop(method, None)
            else:
                self._overrides[method] = response

    def delay(self, method: str, seconds: float) -> threading.Event:
        """Hold every answer of ``method`` for ``seconds``, or until the returned event is
        set. The call is recorded on arrival, so ``wait_for`` sees a request whose answer
        is still held."""
        release = threading.Event()
        with self._cond:
            self._delays[method] = (seconds, release)
        return release

    def response_url(self, name: str = "r1") -> str:
        """A response_url that points at this fake (recorded as method "response_url")."""
        return f"{self.url}/respond/{name}"

    # -- request handling ------------------------------------------------------------

    def _handle(self, req: _Handler) -> None:
        split = urlsplit(req.path)
        length = int(req.headers.get("Content-Length") or 0)
        body = req.rfile.read(length) if length > 0 else b""
        headers = Headers(dict(req.headers.items()))
        content_type = headers.get("content-type", "").lower()
        params = _parse_params(split.query, body, content_type)

        if split.path.startswith("/respond/"):
            method = "response_url"
        elif split.path.startswith("/upload/"):
            method = "file_upload"  # the upload URL files.getUploadURLExternal hands out
        elif split.path.startswith("/api/"):
            method = split.path[len("/api/") :].strip("/")
        else:
            self._reply(req, 404, {"ok": False, "error": "unknown_path"})
            return

        call = Call(
            method=method,
            path=req.path,
            headers=headers,
            params=params,
            http_method=req.command,
            body=body,
        )
        status, payload, extra_headers = self._answer(call)
        call.status = status
        call.response = payload if isinstance(payload, dict) else None
        # Record before replying so a client that returns can immediately see the call.
        with self._cond:
            self._calls.append(call)
            self._cond.notify_all()
            held = self._delays.get(method)
        if held is not None:
            seconds, release = held
            release.wait(seconds)
        self._reply(req, status, payload, extra_headers)

    def _answer(self, call: Call) -> tuple[int, Any, dict[str, str]]:
        with self._cond:
            queue = self._failures.get(call.method)
            failure = queue[0] if queue else None
            if failure is not None:
                failure.remaining -= 1
                if failure.remaining <= 0:
                    queue.pop(0)  # type: ignore[union-attr]
            override = self._overrides.get(call.method)
        if failure is not None:
            extra = {} if failure.retry_after is None else {"Retry-After": str(failure.retry_after)}
            return failure.status, failure.body, extra
        if call.method == "response_url":
            return 200, "ok", {}
        if call.method == "file_upload":
            return 200, f"OK - {len(call.body)}", {}
        if self.require_auth and not self._authed(call):
            return 200, {"ok": False, "error": "not_authed"}, {}
        if override is not None:
            payload = override(call) if callable(override) else override
            return 200, dict(payload), {}
        return self._default_answer(call)

    @staticmethod
    def _authed(call: Call) -> bool:
        auth = call.headers.get("authorization", "")
        has_bearer = auth.startswith("Bearer ") and len(auth) > len("Bearer ")
        return has_bearer or bool(call.params.get("token"))

    def _next_ts(self) -> str:
        n = next(self._ts_counter)
        return f"{1_700_000_000 + n // 1_000_000}.{n % 1_000_000:06d}"

    def _next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._counter):06d}"

    @staticmethod
    def _default_user(user_id: str) -> dict[str, Any]:
        real_name = f"User {user_id}"
        return {
            "id": user_id,
            "team_id": TEAM_ID,
            "name": user_id.lower(),
            "real_name": real_name,
            "tz": "America/New_York",
            "tz_label": "Eastern Time",
            "tz_offset": -18000,
            "is_bot": False,
            "deleted": False,
            "profile": {"real_name": real_name, "display_name": user_id.lower()},
        }

    def _default_answer(self, call: Call) -> tuple[int, dict[str, Any], dict[str, str]]:
        p = call.params
        m = call.method
        if m == "auth.test":
            return (
                200,
                {
                    "ok": True,
                    "url": "https://fake.slack.com/",
                    "team": "Fake Team",
                    "user": "vadesk",
                    "team_id": TEAM_ID,
                    "user_id": BOT_USER_ID,
                    "bot_id": BOT_ID,
                },
                {"x-oauth-scopes": self.scopes},
            )
        if m == "users.info":
            uid = str(p.get("user", ""))
            user = self.users.get(uid) or self._default_user(uid)
            return 200, {"ok": True, "user": user}, {}
        if m in ("views.open", "views.push", "views.update"):
            view = _maybe_json(p.get("view")) or {}
            view_id = p.get("view_id") if m == "views.update" else None
            answer = {
                "type": "modal",
                **(view if isinstance(view, dict) else {}),
                "id": view_id or self._next_id("V"),
                "team_id": TEAM_ID,
                "app_id": APP_ID,
                "bot_id": BOT_ID,
                "hash": f"{time.time():.6f}",
                "state": {"values": {}},
            }
            return 200, {"ok": True, "view": answer}, {}
        if m == "views.publish":
            view = _maybe_json(p.get("view")) or {}
            answer = {
                "type": "home",
                **(view if isinstance(view, dict) else {}),
                "id": self._next_id("VHOME"),
                "team_id": TEAM_ID,
                "user_id": p.get("user_id"),
                "hash": f"{time.time():.6f}",
            }
            return 200, {"ok": True, "view": answer}, {}
        if m in ("chat.postMessage", "chat.postEphemeral", "chat.update"):
            channel = str(p.get("channel", ""))
            if channel[:1] in ("U", "W"):  # posting to a user id lands in their DM
                channel = "D" + channel
            ts = str(p["ts"]) if m == "chat.update" and p.get("ts") else self._next_ts()
            message: dict[str, Any] = {
                "type": "message",
                "user": BOT_USER_ID,
                "bot_id": BOT_ID,
                "text": p.get("text", ""),
                "ts": ts,
            }
            if "blocks" in p:
                message["blocks"] = _maybe_json(p["blocks"])
            answer = {"ok": True, "channel": channel, "ts": ts, "message": message}
            if m == "chat.postEphemeral":
                answer["message_ts"] = ts
            return 200, answer, {}
        if m == "chat.getPermalink":
            channel = str(p.get("channel", ""))
            ts = str(p.get("message_ts", ""))
            link = f"https://fake.slack.com/archives/{channel}/p{ts.replace('.', '')}"
            return 200, {"ok": True, "channel": channel, "permalink": link}, {}
        if m == "conversations.open":
            users = str(p.get("users", "")).split(",")[0].strip()
            return 200, {"ok": True, "channel": {"id": "D" + users}}, {}
        if m == "conversations.info":
            channel = str(p.get("channel", ""))
            if channel in self.unknown_channels:
                return 200, {"ok": False, "error": "channel_not_found"}, {}
            info = {
                "id": channel,
                "name": channel.lower(),
                "is_member": channel not in self.left,
                "is_ext_shared": channel in self.shared_channels,
            }
            return 200, {"ok": True, "channel": info}, {}
        if m == "files.getUploadURLExternal":
            file_id = self._next_id("F")
            return (
                200,
                {"ok": True, "upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id},
                {},
            )
        if m == "files.completeUploadExternal":
            files = _maybe_json(p.get("files")) or []
            return 200, {"ok": True, "files": files}, {}
        if m == "apps.connections.open":
            url = self.socket_url or (self.socket_server.url if self.socket_server else "")
            return 200, {"ok": True, "url": url or "ws://127.0.0.1:9/link"}, {}
        return 200, {"ok": True}, {}

    @staticmethod
    def _reply(
        req: _Handler, status: int, payload: Any, headers: Mapping[str, str] | None = None
    ) -> None:
        if isinstance(payload, str | bytes):
            data = payload.encode() if isinstance(payload, str) else payload
            content_type = "text/plain; charset=utf-8"
        else:
            data = json.dumps(payload).encode()
            content_type = "application/json; charset=utf-8"
        req.send_response(status)
        req.send_header("Content-Type", content_type)
        req.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            req.send_header(key, value)
        req.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            req.wfile.write(data)


def signed_headers(
    signing_secret: str,
    body: str,
    timestamp: int | None = None,
    content_type: str | None = None,
) -> dict[str, str]:
    """Headers that make Bolt's request verification accept ``body``.

    Content-Type defaults to JSON for bodies starting with "{", else form-urlencoded.
    """
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(signing_secret).generate_signature(timestamp=ts, body=body)
    if content_type is None:
        is_json = body.lstrip().startswith("{")
        content_type = "application/json" if is_json else "application/x-www-form-urlencoded"
    return {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": signature,
        "Content-Type": content_type,
    }


def slash_command_body(
    command: str,
    text: str = "",
    user_id: str = "U0VA1",
    team_id: str = TEAM_ID,
    channel_id: str = "C0GEN",
    response_url: str = _NOWHERE_RESPONSE_URL,
    trigger_id: str = "T123.456",
    **extra: str,
) -> str:
    """Urlencoded form body of a slash command, as Slack POSTs it.

    Pass ``response_url=fake.response_url()`` to capture replies; the default points at
    a closed loopback port so nothing can leak to the internet.
    """
    fields = {
        "token": "verification-token",
        "team_id": team_id,
        "team_domain": "fake",
        "channel_id": channel_id,
        "channel_name": "general",
        "user_id": user_id,
        "user_name": user_id.lower(),
        "command": command,
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
        **extra,
    }
    return urlencode(fields)


def interactive_body(payload: Mapping[str, Any]) -> str:
    """Form body of an interactivity request: "payload=<urlencoded JSON>"."""
    return urlencode({"payload": json.dumps(payload)})


def event_envelope(
    event: Mapping[str, Any], event_id: str = "Ev1", team_id: str = TEAM_ID
) -> dict[str, Any]:
    """The event_callback envelope Slack wraps around an event (as a dict)."""
    now = int(time.time())
    return {
        "token": "verification-token",
        "team_id": team_id,
        "api_app_id": APP_ID,
        "event": dict(event),
        "type": "event_callback",
        "event_id": event_id,
        "event_time": now,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
    }


def event_body(event: Mapping[str, Any], event_id: str = "Ev1", team_id: str = TEAM_ID) -> str:
    """JSON body of an Events API request carrying ``event``."""
    return json.dumps(event_envelope(event, event_id=event_id, team_id=team_id))
