"""`vadesk scheduler` killed outright (SIGKILL) in the middle of the daily digest and of the
weekly report, then started again: each is completed once, nothing posted twice.

The call in flight at the kill had reached Slack (the fake holds its answer), so it
counts as sent; the restarted scheduler sends what was not claimed yet and never repeats
what was (`bot.scheduling.notify`: at most once, a lost answer is recorded unconfirmed).
"""

from __future__ import annotations

import signal
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from store.db import session_scope
from store.heartbeat import last_ticks
from store.models import Delivery, Task, TimeEntry, User, Workspace
from tests.conftest import BOT_TOKEN, TEAM
from tests.fakeslack import FakeSlack
from tests.scheduling import SCHEDULE_TOML
from tests.vadesk_process import VadeskProcess, vadesk_env

DIGEST = "C0DIGEST"
MONDAY_DIGEST = "2026-11-30T21:30:30Z"  # Monday 16:30:30 in New York
FRIDAY_REPORT = "2026-12-04T20:00:30Z"  # Friday 15:00:30 in New York


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _a_week_of_work(engine) -> None:
    with session_scope(engine) as session:
        session.add(Workspace(id=TEAM, created_at=_at("2026-11-20 14:00"), next_task_number=2))
        session.flush()
        session.add(User(team_id=TEAM, id="U0VA1", timezone="America/New_York"))
        session.flush()
        task = Task(
            team_id=TEAM,
            number=1,
            title="Inbox zero",
            status="open",
            assignee_id="U0VA1",
            creator_id="U0VA1",
            created_at=_at("2026-11-20 14:00"),
            updated_at=_at("2026-11-20 14:00"),
        )
        session.add(task)
        session.flush()
        session.add(
            TimeEntry(
                team_id=TEAM,
                user_id="U0VA1",
                task_id=task.id,
                started_at=_at("2026-11-30 14:00"),
                ended_at=_at("2026-11-30 16:00"),
                source="timer",
                created_at=_at("2026-11-30 14:00"),
            )
        )


def _env(tmp_path: Path, database_url: str, fake: FakeSlack, now: str) -> dict[str, str]:
    (tmp_path / "vadesk.toml").write_text(SCHEDULE_TOML, encoding="utf-8")
    return vadesk_env(
        database_url,
        SLACK_API_URL=fake.base_url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        VADESK_CONFIG=str(tmp_path / "vadesk.toml"),
        VADESK_NOW=now,
    )


class HeldAnswer:
    """Slack takes the first `method` call to the digest channel and never answers it
    (until released): the scheduler is killed while it waits."""

    def __init__(self, fake: FakeSlack, method: str) -> None:
        self.fake, self.method = fake, method
        self.arrived, self.release = threading.Event(), threading.Event()
        fake.set_response(method, self._answer)

    def _answer(self, call) -> dict:
        channel = call.params.get("channel") or call.params.get("channel_id")
        if channel == DIGEST and not self.arrived.is_set():
            self.arrived.set()
            self.release.wait(30)
        return {"ok": True, "channel": channel, "ts": f"1764540000.{len(self.fake.calls()):06d}"}

    def done(self) -> None:
        self.release.set()
        self.fake.set_response(self.method, None)


def _digest_posts(fake: FakeSlack) -> list[str]:
    return [
        call.params["text"].splitlines()[0]
        for call in fake.calls("chat.postMessage")
        if call.params.get("channel") == DIGEST
    ]


def _deliveries(engine) -> list[Delivery]:
    with session_scope(engine) as session:
        return list(session.exec(select(Delivery).where(Delivery.channel_id == DIGEST)))


def _ticked(engine, process: VadeskProcess) -> bool:
    """Whether this process has finished a tick of posts (its beat is in the database)."""
    return any(
        beat.tick == "posts" and beat.process.endswith(f":{process.process.pid}")
        for beat in last_ticks(engine)
    )


def _kill_then_restart(tmp_path, env, held: HeldAnswer, engine) -> None:
    """Kill the scheduler while Slack holds the call; start another and let its first
    tick (which starts at once) run to the end."""
    first = VadeskProcess(("scheduler",), env, tmp_path)
    try:
        first.wait_until(held.arrived.is_set, "the held call to reach Slack", timeout=30)
    finally:
        first.stop(signal.SIGKILL)
    held.done()
    second = VadeskProcess(("scheduler",), env, tmp_path)
    try:
        second.wait_until(lambda: _ticked(engine, second), "a tick of the restarted scheduler")
    finally:
        code = second.stop()
    assert code == 0, second.output()
    assert "Traceback" not in second.output(), second.output()


@pytest.mark.real_clock
def test_a_scheduler_killed_mid_digest_posts_it_once_after_restart(
    tmp_path, engine, database_url, fake_slack
):
    _a_week_of_work(engine)
    env = _env(tmp_path, database_url, fake_slack, MONDAY_DIGEST)
    held = HeldAnswer(fake_slack, "chat.postMessage")
    _kill_then_restart(tmp_path, env, held, engine)
    assert [text for text in _digest_posts(fake_slack) if "digest" in text.lower()] == [
        "Daily digest (Mon 2026-11-30)"
    ]
    (digest,) = [d for d in _deliveries(engine) if d.job == "daily-digest"]
    assert digest.posted_at is None  # its answer was lost with the process: unconfirmed


@pytest.mark.real_clock
def test_a_scheduler_killed_mid_weekly_report_completes_it_once_after_restart(
    tmp_path, engine, database_url, fake_slack
):
    _a_week_of_work(engine)
    env = _env(tmp_path, database_url, fake_slack, FRIDAY_REPORT)
    # The figures are posted; the chart's upload is in flight when the process dies.
    held = HeldAnswer(fake_slack, "files.completeUploadExternal")
    _kill_then_restart(tmp_path, env, held, engine)
    assert [t for t in _digest_posts(fake_slack) if t.startswith("Weekly")] == [
        "Weekly check-in report (2026-11-30 to 2026-12-04)"
    ]
    completed = fake_slack.calls("files.completeUploadExternal")
    assert len(completed) == 2 and len(fake_slack.calls("file_upload")) == 2
    assert fake_slack.calls("file_upload")[0].body.startswith(b"\x89PNG")
    assert "time entries" in completed[1].params.get("initial_comment", "")
    recipients = sorted(d.recipient for d in _deliveries(engine) if d.job == "weekly-report")
    assert recipients == [DIGEST, f"{DIGEST}:chart", f"{DIGEST}:timesheet"]
