"""SIGTERM lets `vadesk serve` and `vadesk run` finish the work in progress, then exit 0.

The fake Slack holds its answers to users.info (a new user's first request asks for
it), so a request is provably still in progress when the signal arrives. The answers
are released once the process logs that it is draining; the replies must still arrive.
"""

from __future__ import annotations

import http.client
import signal
import socket
import subprocess
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qsl

import pytest

from tests.conftest import APP_TOKEN, BOT_TOKEN, SIGNING_SECRET, TEAM
from tests.fakeslack import FakeSlack, interactive_body, slash_command_body
from tests.fakesocket import FakeSocketModeServer
from tests.slack_payloads import text_value, view_submission
from tests.vadesk_process import (
    VadeskProcess,
    child_signed_headers,
    served_vadesk,
    started_vadesk,
    vadesk_env,
)

NOW = "2026-11-23T14:00:00Z"
DRAINING = "accepting no new requests, finishing those in progress"
DRAINED = "Every request in progress is finished; stopped"
# Longer than any test waits: only `release.set()` lets a held answer go.
HOLD_SECONDS = 30.0


@pytest.fixture
def held_users_info(fake_slack: FakeSlack):
    release = fake_slack.delay("users.info", HOLD_SECONDS)
    yield release
    release.set()


def _serve_env(database_url: str, fake: FakeSlack) -> dict[str, str]:
    return vadesk_env(
        database_url,
        SLACK_API_URL=fake.base_url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        VADESK_NOW=NOW,
    )


def _terminate(app: VadeskProcess) -> None:
    """SIGTERM, then wait until the process says it has stopped intake."""
    app.process.send_signal(signal.SIGTERM)
    app.wait_until(lambda: DRAINING in app.output(), "the drain to start")


def _exit_code(app: VadeskProcess, timeout: float = 15.0) -> int:
    try:
        return app.process.wait(timeout)
    except subprocess.TimeoutExpired:
        app.fail(f"still running {timeout}s after the drain started")


def _command_body(fake: FakeSlack, text: str, name: str) -> str:
    return slash_command_body("/timer", text, team_id=TEAM, response_url=fake.response_url(name))


def test_serve_finishes_a_command_acked_before_sigterm(
    tmp_path, engine, database_url, fake_slack, held_users_info
):
    with served_vadesk(_serve_env(database_url, fake_slack), tmp_path) as server:
        body = _command_body(fake_slack, "start Call with Acme", "start")
        status, _ = server.post(body, child_signed_headers(body))
        assert status == 200  # acked; its listener now waits on users.info
        fake_slack.wait_for("users.info", timeout=10)

        _terminate(server)
        assert not fake_slack.calls("response_url")
        held_users_info.set()

        (reply,) = fake_slack.wait_for("response_url", timeout=10)
        assert "Call with Acme (new task)" in reply.params["text"]
        assert _exit_code(server) == 0
        assert DRAINED in server.output()


def _read_response(connection: socket.socket) -> int:
    response = http.client.HTTPResponse(connection)
    response.begin()
    response.read()
    return response.status


def test_serve_answers_requests_still_in_flight_at_sigterm(
    tmp_path, engine, database_url, fake_slack, held_users_info
):
    """One request is being processed (it waits on users.info before ack()), another
    is still being received (half its headers are in)."""
    submission = view_submission("task_create", {"title": text_value("Draft the report")})
    body = interactive_body(submission)
    with (
        served_vadesk(_serve_env(database_url, fake_slack), tmp_path) as server,
        socket.create_connection(("127.0.0.1", server.port), timeout=10) as kept_alive,
        ThreadPoolExecutor(max_workers=1) as poster,
    ):
        kept_alive.sendall(b"GET /healthz HTTP/1.1\r\nHost: vadesk\r\n\r\n")
        assert _read_response(kept_alive) == 200
        kept_alive.sendall(b"GET /healthz HTTP/1.1\r\nHost: vadesk\r\n")
        answer = poster.submit(server.post, body, child_signed_headers(body))
        fake_slack.wait_for("users.info", timeout=10)
        assert not answer.done()

        _terminate(server)
        kept_alive.sendall(b"\r\n")
        assert _read_response(kept_alive) == 200
        held_users_info.set()

        assert answer.result(timeout=10) == (200, "")
        (dm,) = fake_slack.wait_for("chat.postMessage", timeout=10)
        assert "Draft the report" in dm.params["text"]
        assert _exit_code(server) == 0
        assert DRAINED in server.output()


def test_serve_refuses_new_connections_once_draining(
    tmp_path, engine, database_url, fake_slack, held_users_info
):
    with served_vadesk(_serve_env(database_url, fake_slack), tmp_path) as server:
        body = _command_body(fake_slack, "start Call with Acme", "start")
        assert server.post(body, child_signed_headers(body))[0] == 200
        fake_slack.wait_for("users.info", timeout=10)

        _terminate(server)
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", server.port), timeout=5).close()
        server.check_alive()  # still finishing the command

        held_users_info.set()
        fake_slack.wait_for("response_url", timeout=10)
        assert _exit_code(server) == 0


def _socket_mode_env(database_url: str, fake: FakeSlack, **extra: str) -> dict[str, str]:
    return vadesk_env(
        database_url,
        SLACK_API_URL=fake.base_url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_APP_TOKEN=APP_TOKEN,
        **extra,
    )


def _socket_command(fake: FakeSlack, text: str, name: str) -> dict:
    return dict(parse_qsl(_command_body(fake, text, name)))


def test_run_acks_and_answers_envelopes_received_before_sigterm(tmp_path, engine, database_url):
    with FakeSocketModeServer() as socket_server, FakeSlack(socket_server=socket_server) as fake:
        release = fake.delay("users.info", HOLD_SECONDS)
        env = _socket_mode_env(database_url, fake, VADESK_NOW=NOW)
        try:
            with started_vadesk("run", env=env, cwd=tmp_path) as app:
                app.wait_until(lambda: socket_server.connection_count, "a Socket Mode connection")
                command = socket_server.send_slash_command(
                    _socket_command(fake, "start Call with Acme", "start")
                )
                socket_server.wait_ack(command)  # acked; its listener waits on users.info
                submission = socket_server.send_interactive(
                    view_submission("task_create", {"title": text_value("Draft")}, user="U0VA2")
                )
                fake.wait_for("users.info", count=2, timeout=10)  # the submission's is before ack

                _terminate(app)
                release.set()

                assert socket_server.wait_ack(submission) == {"envelope_id": submission}
                (reply,) = fake.wait_for("response_url", timeout=10)
                assert "Call with Acme (new task)" in reply.params["text"]
                (dm,) = fake.wait_for("chat.postMessage", timeout=10)
                assert dm.params["channel"] == "U0VA2"
                assert _exit_code(app) == 0
                assert DRAINED in app.output()
        finally:
            release.set()


def test_run_gives_up_after_the_drain_timeout(tmp_path, engine, database_url):
    with FakeSocketModeServer() as socket_server, FakeSlack(socket_server=socket_server) as fake:
        release = fake.delay("users.info", HOLD_SECONDS)
        env = _socket_mode_env(database_url, fake)
        try:
            with started_vadesk("run", "--drain-timeout", "1", env=env, cwd=tmp_path) as app:
                app.wait_until(lambda: socket_server.connection_count, "a Socket Mode connection")
                command = socket_server.send_slash_command(
                    _socket_command(fake, "start Call with Acme", "start")
                )
                socket_server.wait_ack(command)
                fake.wait_for("users.info", timeout=10)

                _terminate(app)
                assert _exit_code(app, timeout=10) == 1
                assert "Stopping after 1 s; abandoned 1 listener task(s)" in app.output()
                assert DRAINED not in app.output()
        finally:
            release.set()
