"""Proves tests/fakeslack.py behaves like Slack for the real slack_sdk / slack_bolt clients,
so other tests can trust it instead of the network."""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from slack_bolt import App, BoltRequest
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import builtin_handlers
from slack_sdk.http_retry.builtin_handlers import (
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import (
    FixedValueRetryIntervalCalculator,
)
from slack_sdk.signature import SignatureVerifier
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from tests.fakeslack import (
    FakeSlack,
    event_body,
    interactive_body,
    signed_headers,
    slash_command_body,
)
from tests.fakesocket import FakeSocketModeServer


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """slack_sdk honours *_PROXY env vars but not NO_PROXY; keep loopback traffic local."""
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as server:
        yield server


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(base_url=fake.base_url, token="xoxb-test", timeout=5)


def test_urls_point_at_loopback(fake: FakeSlack) -> None:
    assert fake.url.startswith("http://127.0.0.1:")
    assert fake.base_url == fake.url + "/api/"
    assert fake.response_url("x") == fake.url + "/respond/x"


def test_auth_test_exposes_scopes_header(fake: FakeSlack, client: WebClient) -> None:
    fake.scopes = "commands,chat:write"
    resp = client.auth_test()
    assert resp["ok"] is True
    assert resp["user_id"] == "U0BOT"
    assert resp["team_id"] == "T0TEAM"
    assert resp["bot_id"] == "B0BOT"
    scopes = {k.lower(): v for k, v in resp.headers.items()}["x-oauth-scopes"]
    # urllib headers may be a str or a list depending on slack_sdk version.
    scopes = scopes[0] if isinstance(scopes, list) else scopes
    assert scopes == "commands,chat:write"
    (call,) = fake.calls("auth.test")
    assert call.headers["Authorization"] == "Bearer xoxb-test"
    assert call.headers["authorization"] == "Bearer xoxb-test"


def test_missing_token_is_not_authed(fake: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as exc:
        WebClient(base_url=fake.base_url, timeout=5).auth_test()
    assert exc.value.response["error"] == "not_authed"


def test_users_info_default_and_registered(fake: FakeSlack, client: WebClient) -> None:
    user = client.users_info(user="U0NEW")["user"]
    assert user["id"] == "U0NEW"
    assert user["name"] == "u0new"
    assert user["real_name"] == "User U0NEW"
    assert user["tz"] == "America/New_York"
    assert user["tz_offset"] == -18000

    fake.add_user("U0VA2", tz="Asia/Manila", real_name="Maria")
    user = client.users_info(user="U0VA2")["user"]
    assert user["real_name"] == "Maria"
    assert user["tz"] == "Asia/Manila"
    assert user["tz_offset"] == 8 * 3600
    assert [c.params["user"] for c in fake.calls("users.info")] == ["U0NEW", "U0VA2"]


def test_views_open_echoes_view_with_id(fake: FakeSlack, client: WebClient) -> None:
    view = {
        "type": "modal",
        "callback_id": "new_task",
        "title": {"type": "plain_text", "text": "New task"},
        "blocks": [],
    }
    resp = client.views_open(trigger_id="T123.456", view=view)
    assert resp["view"]["id"].startswith("V")
    assert resp["view"]["callback_id"] == "new_task"
    (call,) = fake.wait_for("views.open")
    assert call.params["trigger_id"] == "T123.456"
    assert call.json("view")["callback_id"] == "new_task"


def test_form_encoded_json_params_decode(fake: FakeSlack, client: WebClient) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}]
    client.api_call(
        "views.publish",
        data={"user_id": "U0VA1", "view": json.dumps({"type": "home", "blocks": blocks})},
    )
    (call,) = fake.calls("views.publish")
    assert isinstance(call.params["view"], str)
    assert call.json("view")["blocks"] == blocks
    assert call.response is not None
    assert call.response["view"]["id"].startswith("VHOME")


def test_chat_post_message_ts_and_permalink(fake: FakeSlack, client: WebClient) -> None:
    first = client.chat_postMessage(channel="C0GEN", text="hello")
    second = client.chat_postMessage(channel="C0GEN", text="again")
    assert first["channel"] == "C0GEN"
    assert first["message"]["text"] == "hello"
    assert float(second["ts"]) > float(first["ts"])
    link = client.chat_getPermalink(channel="C0GEN", message_ts=first["ts"])["permalink"]
    assert link == f"https://fake.slack.com/archives/C0GEN/p{first['ts'].replace('.', '')}"
    texts = [c.params["text"] for c in fake.wait_for("chat.postMessage", count=2)]
    assert texts == ["hello", "again"]
    assert client.conversations_open(users="U0VA1")["channel"]["id"] == "DU0VA1"


def test_fail_next_with_api_error(fake: FakeSlack, client: WebClient) -> None:
    fake.fail_next("chat.postMessage", error="channel_not_found")
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C0NOPE", text="x")
    assert exc.value.response["error"] == "channel_not_found"
    assert client.chat_postMessage(channel="C0GEN", text="x")["ok"] is True
    assert [c.status for c in fake.calls("chat.postMessage")] == [200, 200]


def test_rate_limit_retry_is_survived(fake: FakeSlack, monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    # Record the back-off instead of sleeping, keeping the test fast.
    monkeypatch.setattr(builtin_handlers, "time", SimpleNamespace(sleep=slept.append))
    fake.fail_next("chat.postMessage", status=429, retry_after=1)
    client = WebClient(
        base_url=fake.base_url,
        token="xoxb-test",
        timeout=5,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )
    assert client.chat_postMessage(channel="C0GEN", text="retry me")["ok"] is True
    calls = fake.calls("chat.postMessage")
    assert [c.status for c in calls] == [429, 200]
    assert len(slept) == 1 and slept[0] >= 1  # Retry-After was read


def test_server_error_retry_is_survived(fake: FakeSlack) -> None:
    fake.fail_next("views.open", status=500)
    handler = ServerErrorRetryHandler(
        max_retry_count=1, interval_calculator=FixedValueRetryIntervalCalculator(0.01)
    )
    client = WebClient(
        base_url=fake.base_url, token="xoxb-test", timeout=5, retry_handlers=[handler]
    )
    assert client.views_open(trigger_id="t", view={"type": "modal"})["ok"] is True
    assert [c.status for c in fake.calls("views.open")] == [500, 200]
    assert fake.calls("views.open")[0].response == {"ok": False, "error": "fatal_error"}


def test_response_url_is_recorded(fake: FakeSlack) -> None:
    body = json.dumps({"text": "done", "response_type": "ephemeral"}).encode()
    req = urllib.request.Request(
        fake.response_url("cmd1"),
        data=body,
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=5) as resp:
        assert resp.status == 200
        assert resp.read() == b"ok"
    (call,) = fake.wait_for("response_url")
    assert call.path == "/respond/cmd1"
    assert call.params == {"text": "done", "response_type": "ephemeral"}


def test_wait_for_times_out_with_details(fake: FakeSlack, client: WebClient) -> None:
    client.auth_test()
    with pytest.raises(AssertionError, match=r"views\.open.*auth\.test"):
        fake.wait_for("views.open", timeout=0.1)
    fake.clear()
    assert fake.calls() == []


def test_request_builders_verify_and_drive_bolt(fake: FakeSlack) -> None:
    secret = "shh"
    body = slash_command_body("/va", "start", response_url=fake.response_url("c"))
    headers = signed_headers(secret, body)
    verifier = SignatureVerifier(secret)
    assert verifier.is_valid(
        body, headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]
    )

    app = App(
        signing_secret=secret,
        client=WebClient(base_url=fake.base_url, token="xoxb-test", timeout=5),
    )

    @app.command("/va")
    def on_va(ack, respond, command) -> None:  # type: ignore[no-untyped-def]
        ack()
        respond(f"got {command['text']}")

    seen: list[str] = []

    @app.action("btn")
    def on_btn(ack, body) -> None:  # type: ignore[no-untyped-def]
        seen.append(body["actions"][0]["value"])  # before ack: Bolt returns once acked
        ack()

    mentioned = threading.Event()

    @app.event("app_mention")
    def on_mention(event) -> None:  # type: ignore[no-untyped-def]
        seen.append(event["text"])
        mentioned.set()

    resp = app.dispatch(BoltRequest(body=body, headers=headers))
    assert resp.status == 200
    assert fake.wait_for("response_url")[0].params["text"] == "got start"

    payload = {
        "type": "block_actions",
        "user": {"id": "U0VA1"},
        "team": {"id": "T0TEAM"},
        "api_app_id": "A0APP",
        "actions": [{"action_id": "btn", "value": "v1", "type": "button"}],
    }
    ibody = interactive_body(payload)
    assert (
        app.dispatch(BoltRequest(body=ibody, headers=signed_headers(secret, ibody))).status == 200
    )

    ebody = event_body({"type": "app_mention", "user": "U0VA1", "text": "hi", "channel": "C0GEN"})
    assert signed_headers(secret, ebody)["Content-Type"] == "application/json"
    assert (
        app.dispatch(BoltRequest(body=ebody, headers=signed_headers(secret, ebody))).status == 200
    )
    assert mentioned.wait(5)
    assert "v1" in seen and "hi" in seen


def test_socket_mode_round_trip() -> None:
    with FakeSocketModeServer() as sock_server, FakeSlack(socket_server=sock_server) as fake:
        client = SocketModeClient(
            app_token="xapp-test",
            web_client=WebClient(base_url=fake.base_url, token="xoxb", timeout=5),
        )
        got: list[SocketModeRequest] = []
        got_event = threading.Event()

        def listener(sm_client: SocketModeClient, req: SocketModeRequest) -> None:
            got.append(req)
            got_event.set()
            sm_client.send_socket_mode_response(
                SocketModeResponse(envelope_id=req.envelope_id, payload={"text": "ack'd"})
            )

        client.socket_mode_request_listeners.append(listener)
        try:
            client.connect()
            sock_server.wait_connected(timeout=5)
            (open_call,) = fake.calls("apps.connections.open")
            assert open_call.headers["Authorization"] == "Bearer xapp-test"

            envelope_id = sock_server.send_slash_command(
                {"command": "/va", "text": "status", "user_id": "U0VA1"}
            )
            ack = sock_server.wait_ack(envelope_id, timeout=5)
            assert ack == {"envelope_id": envelope_id, "payload": {"text": "ack'd"}}
            assert got_event.wait(5)
            assert got[0].type == "slash_commands"
            assert got[0].payload["text"] == "status"
        finally:
            sock_server.close_client(client)
        assert not client.is_connected()


def test_bolt_socket_mode_handler_end_to_end() -> None:
    with FakeSocketModeServer() as sock_server, FakeSlack(socket_server=sock_server) as fake:
        app = App(client=WebClient(base_url=fake.base_url, token="xoxb-test", timeout=5))

        @app.command("/va")
        def on_va(ack, client, command) -> None:  # type: ignore[no-untyped-def]
            ack(f"working on {command['text']}")
            client.chat_postMessage(channel=command["user_id"], text="done")

        handler = SocketModeHandler(app, app_token="xapp-test")
        handler.connect()
        try:
            envelope_id = sock_server.send_slash_command(
                {"command": "/va", "text": "report", "user_id": "U0VA1", "team_id": "T0TEAM"}
            )
            ack = sock_server.wait_ack(envelope_id, timeout=5)
            assert ack["payload"]["text"] == "working on report"
            (post,) = fake.wait_for("chat.postMessage")
            assert (post.params["channel"], post.params["text"]) == ("U0VA1", "done")
            assert post.response is not None and post.response["channel"] == "DU0VA1"
        finally:
            sock_server.close_client(handler.client)


def test_socket_mode_wait_ack_times_out() -> None:
    with FakeSocketModeServer() as sock_server:
        assert sock_server.url.startswith("ws://127.0.0.1:")
        assert sock_server.url.endswith("/link")
        with pytest.raises(AssertionError, match="no ack"):
            sock_server.wait_ack("nope", timeout=0.05)
        with pytest.raises(AssertionError, match="no Socket Mode client"):
            sock_server.wait_connected(timeout=0.05)
