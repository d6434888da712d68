"""Focus blocks: `/timer start T-n pomodoro` records one entry per 25-minute block, with a
DM at each break and each return, until stopped or switched."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot import clock
from store.db import session_scope
from store.models import FocusSession, TimeEntry
from tests.scheduling import Rig, posted_to


def _rig(live_app) -> Rig:
    return Rig(live_app.settings, live_app.engine, live_app.fake)


def _entries(live_app) -> list[tuple[str, str | None]]:
    with session_scope(live_app.engine) as session:
        rows = session.exec(select(TimeEntry).order_by(TimeEntry.started_at)).all()
    return [
        (e.started_at.strftime("%H:%M"), e.ended_at.strftime("%H:%M") if e.ended_at else None)
        for e in rows
    ]


def test_blocks_breaks_and_returns_each_get_a_dm_and_one_entry_per_block(live_app):
    rig = _rig(live_app)
    clock.set_now("2026-11-30T14:00:00Z")
    live_app.command("/task", "add Draft the Acme proposal")
    reply = live_app.command("/timer", "start T-1 pomodoro")
    assert "Focus blocks: 25 minutes" in reply["text"]
    assert rig.tick("2026-11-30T14:24:30Z", only="reminders") == []
    # The break: the block is recorded to the minute, whenever the tick comes.
    outcomes = rig.tick("2026-11-30T14:25:20Z", only="reminders")
    assert posted_to(outcomes) == [("reminders:focus", "U0VA1")]
    assert "Break time: 5m. 25m recorded as E-1" in rig.posts("U0VA1")[0].params["text"]
    assert _entries(live_app) == [("14:00", "14:25")]
    # The return: a new block starts exactly at 14:30, with a Stop button.
    rig.tick("2026-11-30T14:30:10Z", only="reminders")
    back = rig.posts("U0VA1")[1]
    assert "Back to focus on *T-1*" in back.params["text"] and "block 2" in back.params["text"]
    assert any(b["type"] == "actions" for b in back.json("blocks"))
    assert _entries(live_app) == [("14:00", "14:25"), ("14:30", None)]
    # Ticks in between post nothing; a second scheduler at the same boundary neither.
    assert posted_to(rig.tick("2026-11-30T14:31:00Z", only="reminders")) == []
    # `/timer stop` in the second block ends the session: no more DMs.
    clock.set_now("2026-11-30T14:40:00Z")
    assert live_app.command("/timer", "stop")["text"].startswith("Stopped")
    assert rig.tick("2026-11-30T14:56:00Z", only="reminders") == []
    with session_scope(live_app.engine) as session:
        assert session.exec(select(FocusSession)).one().ended_at is not None
    assert _entries(live_app) == [("14:00", "14:25"), ("14:30", "14:40")]


def test_stopping_during_a_break_ends_the_session_and_says_so(live_app):
    rig = _rig(live_app)
    clock.set_now("2026-11-30T14:00:00Z")
    live_app.command("/timer", "start Inbox zero pomodoro")
    rig.tick("2026-11-30T14:25:05Z", only="reminders")
    clock.set_now("2026-11-30T14:27:00Z")
    assert "ended during its break" in live_app.command("/timer", "stop")["text"]
    assert rig.tick("2026-11-30T14:31:00Z", only="reminders") == []
    assert _entries(live_app) == [("14:00", "14:25")]


def test_switching_to_other_work_ends_the_session_at_the_next_boundary(live_app):
    rig = _rig(live_app)
    clock.set_now("2026-11-30T14:00:00Z")
    live_app.command("/timer", "start Research pomodoro")
    clock.set_now("2026-11-30T14:10:00Z")
    live_app.command("/timer", "start Urgent call")
    rig.tick("2026-11-30T14:25:05Z", only="reminders")
    (dm,) = rig.posts("U0VA1")
    assert (
        "ended after 1 block: your timer was stopped or moved to other work" in (dm.params["text"])
    )
    # The other timer keeps running untouched.
    assert _entries(live_app) == [("14:00", "14:10"), ("14:10", None)]


def test_after_downtime_the_blocks_are_recorded_on_their_boundaries(live_app):
    rig = _rig(live_app)
    clock.set_now("2026-11-30T14:00:00Z")
    live_app.command("/timer", "start Deep work pomodoro")
    start = clock.now()
    # Down for an hour: one tick walks every boundary; one DM says where things stand.
    outcomes = rig.tick((start + timedelta(minutes=62)).isoformat(), only="reminders")
    assert [o.outgoing.job for o in outcomes if o.status == "posted"] == ["reminders:focus"]
    assert _entries(live_app) == [("14:00", "14:25"), ("14:30", "14:55"), ("15:00", None)]
    assert "block 3" in rig.posts("U0VA1")[0].params["text"]
