"""Proves tests/fakeslack.py behaves like Slack for the real slack_sdk / slack_bolt clients,
so other tests can trust it instead of the network."""

from __future__ import annotations

import importlib.util
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
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

from tests import blockkit_limits
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


# -- Block Kit limits and the Web API's method list, as Slack enforces them ---------------


def _text(n: int, kind: str = "plain_text") -> dict:
    return {"type": kind, "text": "x" * n}


def _section(n: int) -> dict:
    return {"type": "section", "text": _text(n, "mrkdwn")}


def _button(n: int = 1, action_id: str = "go") -> dict:
    return {"type": "button", "text": _text(n), "action_id": action_id}


def _modal(blocks: list | None = None, **fields: object) -> dict:
    return {"type": "modal", "title": _text(5), "blocks": blocks or [], **fields}


def _select(options: list) -> dict:
    element = {"type": "static_select", "action_id": "pick", "options": options}
    return {"type": "input", "label": _text(5), "element": element}


def _option(n: int = 1, value: str = "v") -> dict:
    return {"text": _text(n), "value": value}


def _text_input(**fields: object) -> dict:
    element = {"type": "plain_text_input", "action_id": "note", **fields}
    return {"type": "input", "label": _text(5), "element": element}


# (limit, bound, build(n) -> ("message" | "view", payload), JSON pointer of the problem)
LIMITS = [
    ("section text", 3000, lambda n: ("message", [_section(n)]), "/blocks/0/text/text"),
    (
        "header text",
        150,
        lambda n: ("message", [{"type": "header", "text": _text(n)}]),
        "/blocks/0/text/text",
    ),
    (
        "section fields",
        10,
        lambda n: ("message", [{"type": "section", "fields": [_text(1)] * n}]),
        "/blocks/0/fields",
    ),
    (
        "section field text",
        2000,
        lambda n: ("message", [{"type": "section", "fields": [_text(n, "mrkdwn")]}]),
        "/blocks/0/fields/0/text",
    ),
    (
        "context elements",
        10,
        lambda n: ("message", [{"type": "context", "elements": [_text(1, "mrkdwn")] * n}]),
        "/blocks/0/elements",
    ),
    ("blocks in a message", 50, lambda n: ("message", [{"type": "divider"}] * n), "/blocks"),
    (
        "blocks in a modal",
        100,
        lambda n: ("view", _modal([{"type": "divider"}] * n)),
        "/view/blocks",
    ),
    (
        "blocks in a Home tab",
        100,
        lambda n: ("view", {"type": "home", "blocks": [{"type": "divider"}] * n}),
        "/view/blocks",
    ),
    (
        "actions elements",
        25,
        lambda n: (
            "message",
            [{"type": "actions", "elements": [_button(action_id=f"a{i}") for i in range(n)]}],
        ),
        "/blocks/0/elements",
    ),
    ("modal title", 24, lambda n: ("view", {**_modal(), "title": _text(n)}), "/view/title/text"),
    ("modal submit", 24, lambda n: ("view", _modal(submit=_text(n))), "/view/submit/text"),
    ("modal close", 24, lambda n: ("view", _modal(close=_text(n))), "/view/close/text"),
    (
        "block_id",
        255,
        lambda n: ("message", [{"type": "divider", "block_id": "b" * n}]),
        "/blocks/0/block_id",
    ),
    (
        "action_id",
        255,
        lambda n: ("message", [{"type": "actions", "elements": [_button(action_id="a" * n)]}]),
        "/blocks/0/elements/0/action_id",
    ),
    (
        "button text",
        75,
        lambda n: ("message", [{"type": "actions", "elements": [_button(n)]}]),
        "/blocks/0/elements/0/text/text",
    ),
    (
        "initial_value within max_length",
        10,
        lambda n: ("view", _modal([_text_input(max_length=10, initial_value="x" * n)])),
        "/view/blocks/0/element/initial_value",
    ),
    (
        "placeholder",
        150,
        lambda n: ("view", _modal([_text_input(placeholder=_text(n))])),
        "/view/blocks/0/element/placeholder/text",
    ),
    (
        "option text",
        75,
        lambda n: ("view", _modal([_select([_option(n)])])),
        "/view/blocks/0/element/options/0/text/text",
    ),
    (
        "options in a static select",
        100,
        lambda n: ("view", _modal([_select([_option(value=f"v{i}") for i in range(n)])])),
        "/view/blocks/0/element/options",
    ),
    (
        "private_metadata",
        3000,
        lambda n: ("view", _modal(private_metadata="m" * n)),
        "/view/private_metadata",
    ),
]


def _problems(kind: str, payload: object) -> list:
    if kind == "message":
        return blockkit_limits.message_problems(payload)
    return blockkit_limits.view_problems(payload)


@pytest.mark.parametrize(("limit", "bound", "build", "pointer"), LIMITS, ids=[c[0] for c in LIMITS])
def test_block_kit_limit_holds_at_its_bound_and_refuses_one_more(
    limit: str, bound: int, build, pointer: str
) -> None:
    assert _problems(*build(bound)) == []
    (problem,) = _problems(*build(bound + 1))
    assert problem.pointer == pointer, limit
    assert str(problem).endswith(f"[json-pointer:{pointer}]")


def test_empty_text_objects_are_refused_one_character_is_not() -> None:
    assert blockkit_limits.message_problems([_section(1)]) == []
    (problem,) = blockkit_limits.message_problems([_section(0)])
    assert (problem.check, problem.pointer) == ("empty_text", "/blocks/0/text/text")
    nested = [{"type": "actions", "elements": [_button(0)]}]
    assert [p.check for p in blockkit_limits.message_problems(nested)] == ["empty_text"]
    (title,) = blockkit_limits.view_problems({**_modal(), "title": _text(0)})
    assert (title.check, title.pointer) == ("empty_text", "/view/title/text")


def test_static_select_needs_at_least_one_option() -> None:
    assert blockkit_limits.view_problems(_modal([_select([_option()])])) == []
    (problem,) = blockkit_limits.view_problems(_modal([_select([])]))
    assert (problem.check, problem.pointer) == ("count", "/view/blocks/0/element/options")


def test_an_initial_option_must_be_one_of_the_options() -> None:
    offered = _select([_option(value="a"), _option(value="b")])
    offered["element"]["initial_option"] = _option(value="b")
    assert blockkit_limits.view_problems(_modal([offered])) == []
    offered["element"]["initial_option"] = _option(value="c")
    (problem,) = blockkit_limits.view_problems(_modal([offered]))
    assert (problem.check, problem.pointer) == (
        "initial_option",
        "/view/blocks/0/element/initial_option",
    )
    boxes = {"type": "checkboxes", "action_id": "tick", "options": [_option(value="a")]}
    boxes["initial_options"] = [_option(value="a"), _option(2, value="a")]
    block = {"type": "input", "label": _text(5), "element": boxes}
    (problem,) = blockkit_limits.view_problems(_modal([block]))
    assert problem.pointer == "/view/blocks/0/element/initial_options/1"


def test_a_message_needs_text_or_blocks(fake: FakeSlack, client: WebClient) -> None:
    missing_text = "top-level `text` argument is missing"  # slack_sdk warns, Slack refuses
    with pytest.raises(SlackApiError) as exc, pytest.warns(UserWarning, match=missing_text):
        client.chat_postMessage(channel="C0GEN", text="")
    assert exc.value.response["error"] == "no_text"
    with pytest.warns(UserWarning, match=missing_text):
        assert client.chat_postMessage(channel="C0GEN", blocks=[_section(5)])["ok"]
    (rejection,) = fake.take_rejections()
    assert rejection.error == "no_text"


def test_block_ids_unique_in_a_message_action_ids_unique_in_a_block() -> None:
    twice = [{"type": "divider", "block_id": "b"}, {"type": "divider", "block_id": "b"}]
    (problem,) = blockkit_limits.message_problems(twice)
    assert (problem.check, problem.pointer) == ("unique_id", "/blocks/1/block_id")
    assert blockkit_limits.message_problems([twice[0], {"type": "divider", "block_id": "c"}]) == []

    same_block = [{"type": "actions", "elements": [_button(), _button()]}]
    (problem,) = blockkit_limits.message_problems(same_block)
    assert (problem.check, problem.pointer) == ("unique_id", "/blocks/0/elements/1/action_id")
    two_blocks = [{"type": "actions", "elements": [_button()]}] * 2
    assert blockkit_limits.message_problems(two_blocks) == []


def test_message_text_is_cut_past_40000_characters() -> None:
    assert not blockkit_limits.text_too_long("x" * 40_000)
    assert blockkit_limits.text_too_long("x" * 40_001)


def test_fake_refuses_invalid_blocks_as_slack_does(fake: FakeSlack, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C0GEN", text="hi", blocks=[_section(3001)])
    pointer = "[json-pointer:/blocks/0/text/text]"
    assert exc.value.response.data == {
        "ok": False,
        "error": "invalid_blocks",
        "errors": [f"must be less than 3001 characters {pointer}"],
        "response_metadata": {"messages": [f"[ERROR] must be less than 3001 characters {pointer}"]},
    }
    assert client.chat_update(channel="C0GEN", ts="1.2", text="hi", blocks=[_section(3000)])["ok"]
    (rejection,) = fake.take_rejections()
    assert (rejection.call.method, rejection.error) == ("chat.postMessage", "invalid_blocks")


def test_fake_refuses_invalid_views_as_slack_does(fake: FakeSlack, client: WebClient) -> None:
    view = {**_modal(), "title": _text(25)}
    for call in (
        lambda: client.views_open(trigger_id="t", view=view),
        lambda: client.views_push(trigger_id="t", view=view),
        lambda: client.views_update(view_id="V1", view=view),
        lambda: client.views_publish(
            user_id="U0VA1", view={"type": "home", "blocks": [_section(0)]}
        ),
    ):
        with pytest.raises(SlackApiError) as exc:
            call()
        assert exc.value.response["error"] == "invalid_arguments"
        (message,) = exc.value.response["response_metadata"]["messages"]
        assert message.startswith("[ERROR] must be ") and "[json-pointer:/view/" in message
    assert [r.call.method for r in fake.take_rejections()] == [
        "views.open",
        "views.push",
        "views.update",
        "views.publish",
    ]


def test_fake_refuses_invalid_blocks_on_a_response_url(fake: FakeSlack) -> None:
    def post(blocks: list) -> int:
        body = json.dumps({"text": "x", "blocks": blocks}).encode()
        headers = {"Content-Type": "application/json"}
        req = urllib.request.Request(fake.response_url(), data=body, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=5) as resp:
                return resp.status
        except urllib.error.HTTPError as error:
            assert error.read() == b"invalid_blocks"
            return error.code

    assert post([{"type": "divider"}] * 50) == 200
    assert post([{"type": "divider"}] * 51) == 400
    (rejection,) = fake.take_rejections()
    assert rejection.messages == ("no more than 50 items allowed [json-pointer:/blocks]",)


def test_fake_cuts_long_text_with_slacks_warning(fake: FakeSlack, client: WebClient) -> None:
    assert "warning" not in client.chat_postMessage(channel="C0GEN", text="x" * 40_000).data
    answer = client.chat_postMessage(channel="C0GEN", text="x" * 40_001)
    assert answer["ok"] is True and answer["warning"] == "msg_too_long"
    assert len(answer["message"]["text"]) == 40_000
    assert [r.error for r in fake.take_rejections()] == ["msg_too_long"]


def test_fake_refuses_unknown_methods_and_arguments(fake: FakeSlack, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as exc:
        client.api_call("chat.postMessages", json={"channel": "C0GEN", "text": "x"})
    assert exc.value.response["error"] == "unknown_method"
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C0GEN", text="x", unfurl_link=False)
    assert exc.value.response["error"] == "invalid_arguments"
    assert exc.value.response["response_metadata"]["messages"] == [
        "[ERROR] unknown argument 'unfurl_link' [json-pointer:/unfurl_link]"
    ]
    # Arguments newer than the 2020 spec, and the methods files_upload_v2 calls, are known.
    assert client.chat_postMessage(channel="C0GEN", text="x", metadata={"event_type": "t"})["ok"]
    assert client.files_upload_v2(channel="C0GEN", content="a,b", filename="t.csv")["ok"]
    assert [r.error for r in fake.take_rejections()] == ["unknown_method", "invalid_arguments"]


def test_unclaimed_rejection_fails_the_test_that_caused_it() -> None:
    def send_invalid(fake: FakeSlack) -> None:
        client = WebClient(base_url=fake.base_url, token="xoxb-test", timeout=5)
        with pytest.raises(SlackApiError):
            client.chat_postMessage(channel="C0GEN", text="x", blocks=[_section(0)])

    refused = r"(?s)refused 1 call.*chat\.postMessage: invalid_blocks"
    with pytest.raises(AssertionError, match=refused), FakeSlack() as fake:
        send_invalid(fake)  # leaving the FakeSlack block raises
    with FakeSlack() as fake:  # claimed: leaving is fine
        send_invalid(fake)
        assert len(fake.take_rejections()) == 1


def test_method_list_is_generated_from_the_spec_and_names_its_newer_entries() -> None:
    data = json.loads(Path(__file__).with_name("slack_methods.json").read_text())
    assert "files.upload" in data["methods"] and "chat.postMessage" in data["methods"]
    assert "token" not in data["methods"]["chat.postMessage"]
    # The generator's NEWER list is in the file: editing one without the other fails here.
    script = Path(__file__).parents[1] / ".ci" / "slack_methods.py"
    spec = importlib.util.spec_from_file_location("slack_methods_script", script)
    assert spec is not None and spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    assert data["newer_than_spec"] == {m: docs for m, (_a, docs) in generator.NEWER.items()}
    for method, (arguments, docs) in generator.NEWER.items():
        assert set(arguments) <= set(data["methods"][method]), method
        assert docs == f"https://docs.slack.dev/reference/methods/{method}"
