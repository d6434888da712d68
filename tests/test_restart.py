"""A running timer survives the server going away: the database is the record, not memory.

`vadesk serve` is started as a real process with a pinned clock (VADESK_NOW), a timer is
started over HTTP, the process is terminated (or killed outright), a new process is
started 90 minutes "later", and stopping the timer there records exactly 90 minutes.
"""

from __future__ import annotations

import signal
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from store.db import session_scope
from store.models import Task, TimeEntry
from tests.conftest import BOT_TOKEN, SIGNING_SECRET
from tests.vadesk_process import served_vadesk, vadesk_env


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGKILL], ids=["term", "kill"])
def test_timer_survives_a_restart(tmp_path, engine, database_url, fake_slack, stop_signal):
    def env(now: str) -> dict[str, str]:
        return vadesk_env(
            database_url,
            SLACK_API_URL=fake_slack.base_url,
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            VADESK_NOW=now,
        )

    with served_vadesk(env("2026-11-23T14:00:00Z"), tmp_path) as first:
        started = first.command(fake_slack, "/timer", "start Call with Acme", "start")
        assert "Timer started on *T-1* Call with Acme" in started["text"]
        first.stop(stop_signal)

    with served_vadesk(env("2026-11-23T15:30:00Z"), tmp_path) as second:
        status = second.command(fake_slack, "/timer", "status", "status")
        assert "Running on *T-1* Call with Acme" in status["text"]
        assert "(1h 30m)" in status["text"]
        stopped = second.command(fake_slack, "/timer", "stop", "stop")

    assert stopped["text"].startswith("Stopped *T-1* Call with Acme: 1h 30m recorded")
    with session_scope(engine) as session:
        (entry,) = session.exec(select(TimeEntry)).all()
        task = session.get(Task, entry.task_id)
    assert task.title == "Call with Acme"
    assert entry.started_at == datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
    assert entry.ended_at - entry.started_at == timedelta(minutes=90)
    assert entry.source == "timer"
