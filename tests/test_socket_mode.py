"""`vadesk run` in Socket Mode against local fakes of Slack's Web API and websocket.

The process asks the fake Web API (apps.connections.open) where to connect, gets the
fake socket's ws://127.0.0.1 URL, and is then driven with envelopes the way Slack
drives a Socket Mode app: acks go back over the socket, replies to the response URL.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import parse_qsl

from sqlmodel import select

from store.db import session_scope
from store.models import Task, TimeEntry
from tests.conftest import APP_TOKEN, BOT_TOKEN, TEAM
from tests.fakeslack import FakeSlack, slash_command_body
from tests.fakesocket import FakeSocketModeServer
from tests.vadesk_process import VadeskProcess, started_vadesk, vadesk_env

NOW = "2026-11-23T14:00:00Z"


def _send_command(
    app: VadeskProcess,
    socket_server: FakeSocketModeServer,
    fake: FakeSlack,
    command: str,
    text: str,
    name: str,
) -> dict:
    """Push a slash command envelope; return the ack and what the app posted back."""
    before = len(fake.calls("response_url"))
    payload = dict(
        parse_qsl(
            slash_command_body(
                command,
                text,
                team_id=TEAM,
                user_id="U0VA1",
                channel_id="C0GEN",
                response_url=fake.response_url(name),
                trigger_id=f"trigger.{name}",
            )
        )
    )
    envelope_id = socket_server.send_slash_command(payload)
    try:
        ack = socket_server.wait_ack(envelope_id, timeout=10)
        reply = fake.wait_for("response_url", before + 1, timeout=10)[before]
    except AssertionError as error:
        app.fail(str(error))
    assert reply.path == f"/respond/{name}"
    return {"ack": ack, "reply": reply.params}


def test_run_in_socket_mode_tracks_time_and_lists_tasks(tmp_path, engine, database_url):
    with FakeSocketModeServer() as socket_server, FakeSlack(socket_server=socket_server) as fake:
        env = vadesk_env(
            database_url,
            SLACK_API_URL=fake.base_url,
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_APP_TOKEN=APP_TOKEN,
            VADESK_NOW=NOW,
        )
        with started_vadesk("run", env=env, cwd=tmp_path) as app:
            app.wait_until(lambda: socket_server.connection_count, "a Socket Mode connection")
            (opened,) = fake.calls("apps.connections.open")
            assert opened.headers["authorization"] == f"Bearer {APP_TOKEN}"

            started = _send_command(
                app, socket_server, fake, "/timer", "start Write weekly report", "start"
            )
            assert started["ack"]["envelope_id"]
            assert (
                "Timer started on *T-1* Write weekly report (new task)"
                in (started["reply"]["text"])
            )
            assert started["reply"]["response_type"] == "ephemeral"

            with session_scope(engine) as session:
                (entry,) = session.exec(select(TimeEntry)).all()
                task = session.get(Task, entry.task_id)
            assert (task.number, task.title, task.status) == (
                1,
                "Write weekly report",
                "in_progress",
            )
            assert (entry.user_id, entry.team_id) == ("U0VA1", TEAM)
            assert entry.started_at == datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
            assert entry.ended_at is None

            listed = _send_command(app, socket_server, fake, "/task", "list", "list")
            shown = listed["reply"]["text"] + json.dumps(listed["reply"].get("blocks") or [])
            assert "My open tasks" in shown
            assert "T-1" in shown
            assert "Write weekly report" in shown

            # Another workspace's command is answered in the acknowledgment alone.
            foreign = dict(
                parse_qsl(slash_command_body("/task", "add Steal it", team_id="T0OTHER"))
            )
            ack = socket_server.wait_ack(socket_server.send_slash_command(foreign))
            assert "not installed in this workspace" in ack["payload"]["text"]
            with session_scope(engine) as session:
                assert [t.title for t in session.exec(select(Task))] == ["Write weekly report"]
