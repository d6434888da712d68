"""The production shape on one PostgreSQL database: two `vadesk serve --no-scheduler`
replicas behind a (simulated) load balancer and two `vadesk scheduler` processes, all real
processes with a pinned clock.

Every command is handled once whichever replica gets it, every scheduled message goes out
once although both schedulers tick, and an event Slack delivers twice (to either replica) is
acted on once. Nothing here relies on SQLite's in-process writer queue: the processes share
nothing but the database.
"""

from __future__ import annotations

import json
import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import select

from bot.clock import parse_instant
from store.db import session_scope, transaction_lock
from store.models import ChannelMessage, Conversation, Task
from tests.conftest import BOT_TOKEN, SIGNING_SECRET, TEAM
from tests.fakeslack import FakeSlack, event_body, slash_command_body
from tests.scheduling import SCHEDULE_TOML
from tests.vadesk_process import (
    ServeProcess,
    VadeskProcess,
    child_signed_headers,
    vadesk_env,
)

# Monday 11:40 in New York: the morning routine, the Monday audit, the 11:00 hourly check
# (each VA) and the owner's day are due; with both schedulers running, still once each.
NOW = "2026-11-30T16:40:00Z"
SCHEDULED = (
    ["Hourly check: 0 of 3 done", "Monday audit: 0 of 2 done", "Morning routine: 0 of 4 done"] * 2
) + ["Your day: 0 of 2 done"]
COMMANDS = 24


def _env(tmp_path: Path, engine: sa.engine.Engine, fake: FakeSlack) -> dict[str, str]:
    (tmp_path / "vadesk.toml").write_text(SCHEDULE_TOML, encoding="utf-8")
    return vadesk_env(
        engine.url.render_as_string(hide_password=False),
        SLACK_API_URL=fake.base_url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        VADESK_CONFIG=str(tmp_path / "vadesk.toml"),
        VADESK_NOW=NOW,
    )


def _send(replica: ServeProcess, body: str) -> None:
    status, answer = replica.post(body, child_signed_headers(body))
    if status != 200:
        replica.fail(f"HTTP {status}: {answer}")


def _scheduled_texts(fake: FakeSlack) -> list[str]:
    firsts = (c.params.get("text", "").splitlines()[0] for c in fake.calls("chat.postMessage"))
    return sorted(text for text in firsts if text in SCHEDULED)


def _client_message(event_id: str) -> str:
    event = {
        "type": "message",
        "channel": "C0ACME",
        "channel_type": "channel",
        "user": "U0CLIENT",
        "text": "Is the invoice ready?",
        "ts": f"{parse_instant(NOW).timestamp():.6f}",
    }
    return event_body(event, event_id=event_id, team_id=TEAM)


def _dm_question(event_id: str) -> str:
    event = {
        "type": "message",
        "channel": "D0VA1",
        "channel_type": "im",
        "user": "U0VA1",
        "text": "where are we on Acme?",
        "ts": "1764520800.000100",
    }
    return event_body(event, event_id=event_id, team_id=TEAM)


@pytest.mark.real_clock
def test_two_replicas_and_two_schedulers_on_one_database_do_everything_once(
    tmp_path, postgres_engine, fake_slack
):
    assert transaction_lock(postgres_engine).__class__.__name__ == "nullcontext"
    fake_slack.add_user("U0VA2", tz="America/New_York")
    env = _env(tmp_path, postgres_engine, fake_slack)
    replicas = [ServeProcess(env, tmp_path, "--no-scheduler") for _ in range(2)]
    schedulers = [VadeskProcess(("scheduler",), env, tmp_path) for _ in range(2)]
    try:
        for replica in replicas:
            replica.wait_healthy()

        # Commands, spread over both replicas and sent side by side.
        def add(number: int) -> None:
            body = slash_command_body(
                "/task",
                f"add Replica task {number}",
                team_id=TEAM,
                user_id="U0VA1" if number % 2 else "U0VA2",
                response_url=fake_slack.response_url(f"add{number}"),
            )
            _send(replicas[number % 2], body)

        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(add, range(COMMANDS)))
        replies = fake_slack.wait_for("response_url", COMMANDS, timeout=30)

        # One event delivered to both replicas (Slack retried it elsewhere): acted on once.
        for replica in replicas:
            _send(replica, _client_message("EvClient1"))
            _send(replica, _dm_question("EvQuestion1"))
        fake_slack.wait_for("chat.postMessage", len(SCHEDULED) + 1, timeout=40)
        for scheduler in schedulers:
            scheduler.check_alive()
    finally:
        outputs = [process.output() for process in (*replicas, *schedulers)]
        codes = [process.stop() for process in (*replicas, *schedulers)]
    assert codes == [0, 0, 0, 0], "\n".join(outputs)
    assert all("Traceback" not in output for output in outputs), "\n".join(outputs)

    numbers = [
        int(match.group(1))
        for reply in replies
        if (match := re.search(r"\*T-(\d+)\*", reply.params.get("text", "")))
    ]
    assert sorted(numbers) == list(range(1, COMMANDS + 1)), [r.params for r in replies]
    with session_scope(postgres_engine) as session:
        tasks = session.exec(select(Task)).all()
        messages = session.exec(select(ChannelMessage)).all()
        conversations = session.exec(select(Conversation)).all()
    assert sorted(t.number for t in tasks) == list(range(1, COMMANDS + 1))
    assert len(messages) == 1 and len(conversations) == 1

    assert _scheduled_texts(fake_slack) == sorted(SCHEDULED)
    answers = [c for c in fake_slack.calls("chat.postMessage") if c.params["channel"] == "D0VA1"]
    assert len(answers) == 1, [json.dumps(c.params)[:200] for c in answers]


def _role(replica: ServeProcess, fake: FakeSlack, text: str, user: str, name: str) -> str:
    """`/role …` typed by `user` on this replica; what it answered."""
    body = slash_command_body(
        "/role", text, team_id=TEAM, user_id=user, response_url=fake.response_url(name)
    )
    _send(replica, body)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        for call in fake.calls("response_url"):
            if call.path.endswith(f"/{name}"):
                return call.params["text"]
        time.sleep(0.05)
    replica.fail(f"no reply to /role {text}")


@pytest.mark.real_clock
def test_a_role_changed_on_one_replica_holds_on_the_other_at_once(
    tmp_path, postgres_engine, fake_slack
):
    env = _env(tmp_path, postgres_engine, fake_slack)
    first, second = (ServeProcess(env, tmp_path, "--no-scheduler") for _ in range(2))
    try:
        for replica in (first, second):
            replica.wait_healthy()
        # The second replica knows U0VA2 as a VA (and keeps them for a while)...
        refused = _role(second, fake_slack, "<@U0VA1> phase II", "U0VA2", "before")
        assert refused == "Only an owner changes roles and trust phases; nothing changed."
        # ...an owner makes them an owner through the first...
        promoted = _role(first, fake_slack, "<@U0VA2> owner", "U0OWNER", "promote")
        assert "<@U0VA2> is now an owner" in promoted
        # ...and the second lets them act as one straight away, and stops when demoted.
        allowed = _role(second, fake_slack, "<@U0VA1> phase II", "U0VA2", "after")
        assert allowed == "<@U0VA1> is now in trust phase II (was I)."
        _role(first, fake_slack, "<@U0VA2> va", "U0OWNER", "demote")
        again = _role(second, fake_slack, "<@U0VA1> phase III", "U0VA2", "again")
        assert again == refused
    finally:
        codes = [replica.stop() for replica in (first, second)]
    assert codes == [0, 0]
