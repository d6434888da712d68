"""Parallel timer commands through the real app: a double-click on Start, or a burst of
starts and stops, is answered with what happened, and the record stays whole (one running
timer, one entry per confirmed start, no entry stopped twice). Runs on SQLite and, in CI,
on PostgreSQL, where transactions really overlap."""

from __future__ import annotations

import re
from itertools import pairwise

from sqlmodel import select

from store.db import session_scope
from store.models import Task, TimeEntry

STARTED = re.compile(r"Timer started on \*T-(\d+)\*")
STOPPED = re.compile(r"Stopped \*T-\d+\* .*?recorded as E-(\d+)")
ALREADY = "Your timer is already running on T-"
NOT_RUNNING = "No timer is running"


def _entries(live_app) -> list[TimeEntry]:
    with session_scope(live_app.engine) as session:
        return list(session.exec(select(TimeEntry).order_by(TimeEntry.started_at)))


def _assert_whole_record(live_app, replies: list[str]) -> None:
    """One entry per confirmed start, at most one running, none stopped twice, no overlap."""
    entries = _entries(live_app)
    started = [reply for reply in replies if STARTED.search(reply)]
    assert len(entries) == len(started)
    assert len([e for e in entries if e.ended_at is None]) <= 1
    stopped_ids = [int(m) for reply in replies for m in STOPPED.findall(reply)]
    assert len(stopped_ids) == len(set(stopped_ids))
    finished = [e for e in entries if e.ended_at is not None]
    assert set(stopped_ids) == {e.id for e in finished}
    for earlier, later in pairwise(entries):
        assert earlier.ended_at is not None and earlier.ended_at <= later.started_at


def test_eight_starts_of_one_task_at_once_start_it_once(live_app):
    live_app.command("/task", "add Inbox zero for Acme")
    replies = live_app.commands_at_once([("/timer", "start T-1", "U0VA1")] * 8)
    assert not [r for r in replies if "went wrong" in r or "at the same moment" in r]
    assert len([r for r in replies if STARTED.search(r)]) == 1
    assert len([r for r in replies if r.startswith(ALREADY)]) == 7
    _assert_whole_record(live_app, replies)
    with session_scope(live_app.engine) as session:
        assert session.exec(select(Task)).one().status == "in_progress"


def test_eight_starts_of_different_tasks_at_once_each_stop_the_one_before(live_app):
    for number in range(1, 9):
        live_app.command("/task", f"add Client call {number}")
    replies = live_app.commands_at_once(
        [("/timer", f"start T-{number}", "U0VA1") for number in range(1, 9)]
    )
    assert all(STARTED.search(reply) for reply in replies), replies
    assert len([r for r in replies if STOPPED.search(r)]) == 7  # all but the first stop one
    _assert_whole_record(live_app, replies)


def test_starts_and_stops_interleaved_keep_the_record_whole(live_app):
    for number in range(1, 5):
        live_app.command("/task", f"add Follow up {number}")
    sent = []
    for number in range(1, 5):
        sent += [("/timer", f"start T-{number}", "U0VA1"), ("/timer", "stop", "U0VA1")]
    replies = live_app.commands_at_once(sent * 2)
    for reply in replies:
        assert (
            STARTED.search(reply)
            or STOPPED.search(reply)
            or reply.startswith((ALREADY, NOT_RUNNING))
        ), reply
    _assert_whole_record(live_app, replies)


def test_people_starting_at_once_do_not_wait_on_each_others_timers(live_app):
    live_app.command("/task", "add Shared inbox")
    users = ["U0VA1", "U0VA2", "U0SUPER", "U0OWNER"]
    replies = live_app.commands_at_once([("/timer", "start T-1", user) for user in users] * 2)
    assert len([r for r in replies if STARTED.search(r)]) == 4
    assert len([r for r in replies if r.startswith(ALREADY)]) == 4
    running = [e for e in _entries(live_app) if e.ended_at is None]
    assert sorted(e.user_id for e in running) == sorted(users)
