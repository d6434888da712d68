"""Timers and time entries: the billable record (one running timer, no overlaps, audit)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlmodel import select

from bot import clock
from bot.services import corrections, timers
from bot.services.audit import trail
from bot.services.errors import (
    AlreadyDone,
    FieldErrors,
    InputError,
    NotFound,
    PermissionDenied,
)
from bot.services.parsing import format_entry_id, parse_entry_id
from bot.services.people import Actor
from bot.services.tasks import NewTask, create_task
from store.db import session_scope
from store.models import AuditRecord, Task, TimeEntry
from tests.conftest import TEAM

NY = ZoneInfo("America/New_York")


def ny(*args: int, fold: int = 0) -> datetime:
    """A wall-clock time in New York (fold=1 picks the second 01:xx of a fall-back night)."""
    return datetime(*args, tzinfo=NY, fold=fold)


def new_task(session, actor: Actor, title: str = "Call Acme about invoices") -> Task:
    return create_task(session, actor, NewTask(title=title))


def add_entry(
    session,
    actor: Actor,
    task: Task,
    start: datetime,
    end: datetime | None,
    source: str = "timer",
) -> TimeEntry:
    """Insert an entry as stored rows read back: instants in UTC."""
    entry = TimeEntry(
        team_id=actor.team_id,
        user_id=actor.user_id,
        task_id=task.id,
        started_at=start.astimezone(UTC),
        ended_at=end.astimezone(UTC) if end else None,
        source=source,
        created_at=start.astimezone(UTC),
    )
    session.add(entry)
    session.flush()
    return entry


def stored_entry(engine, entry_id: int) -> TimeEntry:
    with session_scope(engine) as session:
        return session.get(TimeEntry, entry_id)


def running_entries(engine, user_id: str) -> list[TimeEntry]:
    with session_scope(engine) as session:
        return list(
            session.exec(
                select(TimeEntry).where(TimeEntry.user_id == user_id, TimeEntry.ended_at.is_(None))
            )
        )


def audit_records(engine) -> list[AuditRecord]:
    with session_scope(engine) as session:
        return list(session.exec(select(AuditRecord).where(AuditRecord.entity == "time_entry")))


# --------------------------------------------------------------------------- DST


def test_timer_across_fall_back_lasts_two_hours(engine, actor_for):
    actor = actor_for("U0VA1")
    clock.set_now(ny(2026, 11, 1, 0, 30))  # EDT
    with session_scope(engine) as session:
        task = new_task(session, actor)
        started = timers.start_timer(session, actor, task)
    clock.set_now(ny(2026, 11, 1, 1, 30, fold=1))  # EST, after the clocks fell back
    with session_scope(engine) as session:
        status = timers.timer_status(session, actor)
        assert status.elapsed == timedelta(hours=2)
        stopped = timers.stop_timer(session, actor)
    assert stopped.duration == timedelta(hours=2)
    entry = stored_entry(engine, started.entry.id)
    assert entry.ended_at - entry.started_at == timedelta(hours=2)
    assert entry.started_at == datetime(2026, 11, 1, 4, 30, tzinfo=UTC)
    assert entry.ended_at == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)


def test_timer_across_spring_forward_lasts_one_hour(engine, actor_for):
    actor = actor_for("U0VA1")
    clock.set_now(ny(2026, 3, 8, 1, 30))  # EST
    with session_scope(engine) as session:
        task = new_task(session, actor)
        started = timers.start_timer(session, actor, task)
    clock.set_now(ny(2026, 3, 8, 3, 30))  # EDT: 02:00-03:00 never happened
    with session_scope(engine) as session:
        stopped = timers.stop_timer(session, actor)
    assert stopped.duration == timedelta(hours=1)
    entry = stored_entry(engine, started.entry.id)
    assert entry.ended_at - entry.started_at == timedelta(hours=1)


def test_today_on_fall_back_day_is_the_local_25_hour_day(engine, actor_for):
    actor = actor_for("U0VA1")
    clock.set_now(ny(2026, 11, 1, 23, 50))  # 04:50 UTC on Nov 2
    with session_scope(engine) as session:
        task = new_task(session, actor)
        # The evening before: already Nov 1 in UTC, but Oct 31 for the user.
        evening_before = add_entry(
            session, actor, task, ny(2026, 10, 31, 21, 0), ny(2026, 10, 31, 21, 30)
        )
        across = add_entry(
            session, actor, task, ny(2026, 11, 1, 0, 30), ny(2026, 11, 1, 1, 30, fold=1)
        )
        # Late evening: Nov 2 in UTC, still Nov 1 for the user.
        late = add_entry(session, actor, task, ny(2026, 11, 1, 23, 15), ny(2026, 11, 1, 23, 45))
        today = [entry.id for entry, _ in timers.list_entries(session, actor, "today")]
        week = [entry.id for entry, _ in timers.list_entries(session, actor, "week")]
        status = timers.timer_status(session, actor)
    assert today == [across.id, late.id]
    assert week == [evening_before.id, across.id, late.id]  # the week began Mon Oct 26
    assert status.running is None
    assert status.today_total == timedelta(hours=2, minutes=30)


def test_today_on_spring_forward_day_counts_only_time_after_local_midnight(engine, actor_for):
    actor = actor_for("U0VA1")
    clock.set_now(ny(2026, 3, 8, 23, 50))
    with session_scope(engine) as session:
        task = new_task(session, actor)
        overnight = add_entry(session, actor, task, ny(2026, 3, 7, 23, 30), ny(2026, 3, 8, 0, 30))
        across = add_entry(session, actor, task, ny(2026, 3, 8, 1, 30), ny(2026, 3, 8, 3, 30))
        running = add_entry(session, actor, task, ny(2026, 3, 8, 23, 20), None)
        today = [entry.id for entry, _ in timers.list_entries(session, actor, "today")]
        status = timers.timer_status(session, actor)
    assert today == [overnight.id, across.id, running.id]
    assert status.running.id == running.id
    assert status.elapsed == timedelta(minutes=30)
    # 30 m after midnight + 1 h across the gap + 30 m running
    assert status.today_total == timedelta(hours=2)


def test_list_entries_refuses_unknown_period(engine, actor_for):
    actor = actor_for("U0VA1")
    with session_scope(engine) as session, pytest.raises(InputError, match="today or week"):
        timers.list_entries(session, actor, "month")


def test_list_entries_shows_only_own_entries(engine, actor_for):
    va1, va2 = actor_for("U0VA1"), actor_for("U0VA2")
    clock.set_now(ny(2026, 3, 4, 12, 0))
    with session_scope(engine) as session:
        task = new_task(session, va1)
        mine = add_entry(session, va1, task, ny(2026, 3, 4, 9, 0), ny(2026, 3, 4, 10, 0))
        add_entry(session, va2, task, ny(2026, 3, 4, 10, 0), ny(2026, 3, 4, 11, 0))
        listed = timers.list_entries(session, va1, "today")
    assert [(entry.id, task.number) for entry, task in listed] == [(mine.id, 1)]


# --------------------------------------------------------------------------- one running timer


def test_starting_another_timer_finalizes_the_first_and_says_so(engine, actor_for):
    actor = actor_for("U0VA1")
    clock.set_now(ny(2026, 3, 4, 9, 0))
    with session_scope(engine) as session:
        first_task = new_task(session, actor, "Inbox zero")
        second_task = new_task(session, actor, "Book flights")
        first = timers.start_timer(session, actor, first_task)
        assert first.stopped is None
    clock.set_now(ny(2026, 3, 4, 9, 45))
    with session_scope(engine) as session:
        second_task = session.get(Task, second_task.id)
        second = timers.start_timer(session, actor, second_task)
    assert second.stopped is not None
    assert second.stopped.entry.id == first.entry.id
    assert second.stopped.task.number == 1
    assert second.stopped.duration == timedelta(minutes=45)
    assert stored_entry(engine, first.entry.id).ended_at == ny(2026, 3, 4, 9, 45)
    assert [e.id for e in running_entries(engine, "U0VA1")] == [second.entry.id]
    with session_scope(engine) as session:
        assert session.get(Task, second_task.id).status == "in_progress"


def test_starting_a_timer_leaves_other_users_timers_running(engine, actor_for):
    va1, va2 = actor_for("U0VA1"), actor_for("U0VA2")
    clock.set_now(ny(2026, 3, 4, 9, 0))
    with session_scope(engine) as session:
        task = new_task(session, va1)
        other = timers.start_timer(session, va2, task)
        mine = timers.start_timer(session, va1, task)
    assert mine.stopped is None
    assert [e.id for e in running_entries(engine, "U0VA2")] == [other.entry.id]


def test_starting_on_the_same_task_twice_is_already_done(engine, actor_for):
    actor = actor_for("U0VA1")
    clock.set_now(ny(2026, 3, 4, 9, 0))
    with session_scope(engine) as session:
        task = new_task(session, actor)
        first = timers.start_timer(session, actor, task)
    clock.set_now(ny(2026, 3, 4, 9, 10))
    with session_scope(engine) as session, pytest.raises(AlreadyDone, match="already running"):
        timers.start_timer(session, actor, session.get(Task, task.id))
    assert [e.id for e in running_entries(engine, "U0VA1")] == [first.entry.id]
    assert stored_entry(engine, first.entry.id).ended_at is None


def test_starting_a_timer_on_a_closed_task_is_refused(engine, actor_for):
    actor = actor_for("U0VA1")
    with session_scope(engine) as session:
        task = new_task(session, actor)
        task.status = "done"
        session.add(task)
        with pytest.raises(InputError, match="T-1 is done"):
            timers.start_timer(session, actor, task)
    assert running_entries(engine, "U0VA1") == []


def test_database_refuses_a_second_running_entry_inserted_directly(engine, actor_for):
    actor, other = actor_for("U0VA1"), actor_for("U0VA2")
    clock.set_now(ny(2026, 3, 4, 9, 0))
    with session_scope(engine) as session:
        task = new_task(session, actor)
        add_entry(session, actor, task, ny(2026, 3, 4, 8, 0), ny(2026, 3, 4, 8, 30))
        add_entry(session, actor, task, ny(2026, 3, 4, 8, 30), None)
        # Another user may run a timer at the same time.
        add_entry(session, other, task, ny(2026, 3, 4, 8, 30), None)
    with pytest.raises(sa.exc.IntegrityError), session_scope(engine) as session:
        add_entry(session, actor, session.get(Task, task.id), ny(2026, 3, 4, 8, 45), None)
    assert len(running_entries(engine, "U0VA1")) == 1


# --------------------------------------------------------------------------- stop


def test_stop_records_duration_and_notes(engine, actor_for):
    actor = actor_for("U0VA1")
    clock.set_now(ny(2026, 3, 4, 9, 0))
    with session_scope(engine) as session:
        started = timers.start_timer(session, actor, new_task(session, actor))
    clock.set_now(ny(2026, 3, 4, 10, 15))
    with session_scope(engine) as session:
        stopped = timers.stop_timer(session, actor, notes="  Sent the invoice  ")
    assert stopped.duration == timedelta(hours=1, minutes=15)
    assert not stopped.over_limit
    entry = stored_entry(engine, started.entry.id)
    assert entry.notes == "Sent the invoice"
    assert entry.ended_at == ny(2026, 3, 4, 10, 15)
    assert entry.source == "timer"


def test_stop_after_more_than_a_day_is_flagged_over_limit(engine, actor_for):
    actor = actor_for("U0VA1")
    clock.set_now(ny(2026, 3, 4, 9, 0))
    with session_scope(engine) as session:
        timers.start_timer(session, actor, new_task(session, actor))
    clock.set_now(ny(2026, 3, 5, 10, 0))
    with session_scope(engine) as session:
        stopped = timers.stop_timer(session, actor)
    assert stopped.over_limit
    assert stopped.duration == timedelta(hours=25)


def test_stop_with_nothing_running_is_not_found(engine, actor_for):
    actor = actor_for("U0VA1")
    with session_scope(engine) as session, pytest.raises(NotFound, match="No timer is running"):
        timers.stop_timer(session, actor)


def test_stopping_twice_by_entry_id_says_when_it_was_stopped(engine, actor_for):
    actor = actor_for("U0VA1")
    clock.set_now(ny(2026, 3, 4, 9, 0))
    with session_scope(engine) as session:
        started = timers.start_timer(session, actor, new_task(session, actor))
    stopped_at = ny(2026, 3, 4, 9, 30)
    clock.set_now(stopped_at)
    with session_scope(engine) as session:
        timers.stop_timer(session, actor, entry_id=started.entry.id)
    clock.set_now(ny(2026, 3, 4, 11, 0))
    with session_scope(engine) as session, pytest.raises(AlreadyDone) as refusal:
        timers.stop_timer(session, actor, entry_id=started.entry.id)
    message = refusal.value.message
    assert "already stopped" in message
    assert f"<!date^{int(stopped_at.timestamp())}^" in message
    assert "2026-03-04 14:30 UTC" in message
    assert "30m recorded" in message
    assert stored_entry(engine, started.entry.id).ended_at == stopped_at


def test_a_va_cannot_stop_someone_elses_timer_but_an_owner_can(engine, actor_for):
    va1, va2, owner = actor_for("U0VA1"), actor_for("U0VA2"), actor_for("U0OWNER")
    clock.set_now(ny(2026, 3, 4, 9, 0))
    with session_scope(engine) as session:
        started = timers.start_timer(session, va2, new_task(session, va2))
    clock.set_now(ny(2026, 3, 4, 9, 20))
    with session_scope(engine) as session, pytest.raises(PermissionDenied):
        timers.stop_timer(session, va1, entry_id=started.entry.id)
    assert stored_entry(engine, started.entry.id).ended_at is None
    with session_scope(engine) as session:
        timers.stop_timer(session, owner, entry_id=started.entry.id)
    assert stored_entry(engine, started.entry.id).ended_at == ny(2026, 3, 4, 9, 20)


def test_stop_of_an_entry_in_another_workspace_is_not_found(engine, actor_for):
    actor = actor_for("U0VA1")
    stranger = Actor("T0OTHER", "U0VA1", "owner", NY, actor.work_start, actor.work_end)
    with session_scope(engine) as session:
        started = timers.start_timer(session, actor, new_task(session, actor))
    with session_scope(engine) as session, pytest.raises(NotFound, match=r"E-\d+"):
        timers.stop_timer(session, stranger, entry_id=started.entry.id)


# --------------------------------------------------------------------------- editing


@pytest.fixture
def day_with_entries(engine, actor_for):
    """U0VA1 on Wed 2026-03-04 at 16:00: 10-11, 12-13 finished, and a timer since 14:00."""
    actor = actor_for("U0VA1")
    clock.set_now(ny(2026, 3, 4, 16, 0))
    with session_scope(engine) as session:
        task = new_task(session, actor)
        first = add_entry(session, actor, task, ny(2026, 3, 4, 10), ny(2026, 3, 4, 11))
        second = add_entry(session, actor, task, ny(2026, 3, 4, 12), ny(2026, 3, 4, 13))
        running = add_entry(session, actor, task, ny(2026, 3, 4, 14), None)
    return actor, first.id, second.id, running.id


def test_edit_to_overlap_another_entry_is_refused_on_start(engine, day_with_entries):
    actor, first, second, _ = day_with_entries
    with session_scope(engine) as session, pytest.raises(FieldErrors) as refusal:
        corrections.edit_entry(
            session, actor, second, ny(2026, 3, 4, 10, 30), ny(2026, 3, 4, 13), None, "typo"
        )
    assert set(refusal.value.errors) == {"start"}
    overlap = f"overlaps E-{first} on T-1 (Wed 2026-03-04 10:00–11:00)"
    assert overlap in refusal.value.errors["start"]
    assert stored_entry(engine, second).started_at == ny(2026, 3, 4, 12)
    assert audit_records(engine) == []


def test_edit_to_contain_another_entry_is_refused(engine, day_with_entries):
    actor, first, second, _ = day_with_entries
    with session_scope(engine) as session, pytest.raises(FieldErrors) as refusal:
        corrections.edit_entry(
            session, actor, first, ny(2026, 3, 4, 9), ny(2026, 3, 4, 13, 30), None, "merge"
        )
    assert f"E-{second}" in refusal.value.errors["start"]


def test_edit_touching_end_to_start_is_allowed(engine, day_with_entries):
    actor, first, second, _ = day_with_entries
    with session_scope(engine) as session:
        corrections.edit_entry(
            session, actor, second, ny(2026, 3, 4, 11), ny(2026, 3, 4, 12), None, "was earlier"
        )
        # and the first may now end exactly where the second starts
        corrections.edit_entry(
            session, actor, first, ny(2026, 3, 4, 10), ny(2026, 3, 4, 11), "call", "add notes"
        )
    assert stored_entry(engine, second).started_at == ny(2026, 3, 4, 11)
    assert stored_entry(engine, second).ended_at == ny(2026, 3, 4, 12)
    assert stored_entry(engine, first).notes == "call"


def test_a_running_timer_occupies_time_up_to_now(engine, day_with_entries):
    actor, first, _, running = day_with_entries
    with session_scope(engine) as session, pytest.raises(FieldErrors) as refusal:
        corrections.edit_entry(
            session, actor, first, ny(2026, 3, 4, 15), ny(2026, 3, 4, 15, 30), None, "moved"
        )
    overlap = f"overlaps E-{running} on T-1 (Wed 2026-03-04 14:00–now)"
    assert overlap in refusal.value.errors["start"]
    with session_scope(engine) as session:
        corrections.edit_entry(
            session, actor, first, ny(2026, 3, 4, 13, 30), ny(2026, 3, 4, 14), None, "moved"
        )
    assert stored_entry(engine, first).ended_at == ny(2026, 3, 4, 14)


def test_moving_a_running_timers_start_onto_another_entry_is_refused(engine, day_with_entries):
    actor, _, second, running = day_with_entries
    with session_scope(engine) as session, pytest.raises(FieldErrors) as refusal:
        corrections.edit_entry(
            session, actor, running, ny(2026, 3, 4, 12, 30), None, None, "started earlier"
        )
    assert f"E-{second}" in refusal.value.errors["start"]
    with session_scope(engine) as session:
        corrections.edit_entry(session, actor, running, ny(2026, 3, 4, 13), None, None, "earlier")
    entry = stored_entry(engine, running)
    assert entry.started_at == ny(2026, 3, 4, 13)
    assert entry.ended_at is None


def test_edit_writes_an_audit_record_and_marks_the_entry_edited(engine, day_with_entries):
    actor, first, _, _ = day_with_entries
    with session_scope(engine) as session:
        corrections.edit_entry(
            session,
            actor,
            first,
            ny(2026, 3, 4, 9, 30),
            ny(2026, 3, 4, 11),
            "Called Acme 📞 שלום",
            "  forgot to start the timer  ",
        )
    entry = stored_entry(engine, first)
    assert entry.source == "edited"
    assert entry.started_at == ny(2026, 3, 4, 9, 30)
    assert entry.notes == "Called Acme 📞 שלום"
    [record] = audit_records(engine)
    assert record.actor_id == "U0VA1"
    assert record.team_id == actor.team_id
    assert record.entity_id == first
    assert record.action == "edit"
    assert record.at == ny(2026, 3, 4, 16, 0)
    assert record.reason == "forgot to start the timer"
    old, new = json.loads(record.old_value), json.loads(record.new_value)
    assert datetime.fromisoformat(old["started_at"]) == ny(2026, 3, 4, 10)
    assert datetime.fromisoformat(old["ended_at"]) == ny(2026, 3, 4, 11)
    assert old["notes"] is None
    assert old["source"] == "timer"
    assert datetime.fromisoformat(new["started_at"]) == ny(2026, 3, 4, 9, 30)
    assert datetime.fromisoformat(new["ended_at"]) == ny(2026, 3, 4, 11)
    assert new["notes"] == "Called Acme 📞 שלום"
    assert new["source"] == "edited"


def test_audit_trail_keeps_every_edit_in_order(engine, day_with_entries):
    actor, first, _, _ = day_with_entries
    with session_scope(engine) as session:
        corrections.edit_entry(
            session, actor, first, ny(2026, 3, 4, 9), ny(2026, 3, 4, 11), None, "first fix"
        )
    clock.set_now(ny(2026, 3, 4, 16, 5))
    with session_scope(engine) as session:
        corrections.edit_entry(
            session, actor, first, ny(2026, 3, 4, 9), ny(2026, 3, 4, 10), None, "second fix"
        )
    with session_scope(engine) as session:
        records = trail(session, actor.team_id, "time_entry", first)
    assert [r.reason for r in records] == ["first fix", "second fix"]
    second_old = json.loads(records[1].old_value)
    assert second_old["source"] == "edited"
    assert datetime.fromisoformat(second_old["ended_at"]) == ny(2026, 3, 4, 11)


def test_a_va_may_not_edit_another_vas_entry(engine, day_with_entries, actor_for):
    _, first, _, _ = day_with_entries
    va2 = actor_for("U0VA2")
    with session_scope(engine) as session, pytest.raises(PermissionDenied):
        corrections.edit_entry(
            session, va2, first, ny(2026, 3, 4, 9), ny(2026, 3, 4, 11), None, "helping"
        )
    assert stored_entry(engine, first).started_at == ny(2026, 3, 4, 10)
    assert audit_records(engine) == []


def test_an_owner_may_edit_a_vas_entry(engine, day_with_entries, actor_for):
    _, first, _, _ = day_with_entries
    owner = actor_for("U0OWNER")
    with session_scope(engine) as session:
        corrections.edit_entry(
            session, owner, first, ny(2026, 3, 4, 9), ny(2026, 3, 4, 11), None, "client call"
        )
    entry = stored_entry(engine, first)
    assert entry.started_at == ny(2026, 3, 4, 9)
    assert entry.user_id == "U0VA1"
    assert entry.source == "edited"
    [record] = audit_records(engine)
    assert record.actor_id == "U0OWNER"


def test_a_supervisor_may_not_edit_a_vas_entry(engine, day_with_entries, actor_for):
    _, first, _, _ = day_with_entries
    supervisor = actor_for("U0SUPER")
    with session_scope(engine) as session, pytest.raises(PermissionDenied):
        corrections.edit_entry(
            session,
            supervisor,
            first,
            ny(2026, 3, 4, 9),
            ny(2026, 3, 4, 11),
            None,
            "x",
        )


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_edit_without_a_reason_is_refused(engine, day_with_entries, reason):
    actor, first, _, _ = day_with_entries
    with session_scope(engine) as session, pytest.raises(FieldErrors) as refusal:
        corrections.edit_entry(
            session, actor, first, ny(2026, 3, 4, 9), ny(2026, 3, 4, 11), None, reason
        )
    assert set(refusal.value.errors) == {"reason"}
    assert stored_entry(engine, first).started_at == ny(2026, 3, 4, 10)
    assert audit_records(engine) == []


@pytest.mark.parametrize(
    ("start", "end", "field", "words"),
    [
        (ny(2026, 3, 4, 11), ny(2026, 3, 4, 10), "end", "after the start"),
        (ny(2026, 3, 4, 10), ny(2026, 3, 4, 10), "end", "after the start"),
        (ny(2026, 3, 4, 16, 1), ny(2026, 3, 4, 16, 30), "start", "future"),
        (ny(2026, 3, 4, 9), ny(2026, 3, 4, 16, 1), "end", "future"),
        (ny(2026, 3, 3, 9), ny(2026, 3, 4, 9, 1), "end", "at most 24 hours"),
    ],
    ids=["end-before-start", "zero-length", "future-start", "future-end", "over-24h"],
)
def test_edit_validation_names_the_field(engine, day_with_entries, start, end, field, words):
    actor, first, _, _ = day_with_entries
    with session_scope(engine) as session, pytest.raises(FieldErrors) as refusal:
        corrections.edit_entry(session, actor, first, start, end, None, "fix")
    assert field in refusal.value.errors
    assert words in refusal.value.errors[field]
    entry = stored_entry(engine, first)
    assert (entry.started_at, entry.ended_at, entry.source) == (
        ny(2026, 3, 4, 10),
        ny(2026, 3, 4, 11),
        "timer",
    )


def test_exactly_24_hours_is_allowed(engine, actor_for):
    actor = actor_for("U0VA1")
    clock.set_now(ny(2026, 3, 6, 12, 0))
    with session_scope(engine) as session:
        task = new_task(session, actor)
        entry = add_entry(session, actor, task, ny(2026, 3, 4, 9), ny(2026, 3, 4, 10))
        corrections.edit_entry(
            session, actor, entry.id, ny(2026, 3, 4, 9), ny(2026, 3, 5, 9), None, "all nighter"
        )
    assert stored_entry(engine, entry.id).ended_at == ny(2026, 3, 5, 9)


def test_max_entry_hours_is_configurable(engine, day_with_entries):
    actor, first, _, _ = day_with_entries
    with session_scope(engine) as session, pytest.raises(FieldErrors) as refusal:
        corrections.edit_entry(
            session,
            actor,
            first,
            ny(2026, 3, 4, 0),
            ny(2026, 3, 4, 9),
            None,
            "fix",
            max_hours=8,
        )
    assert "at most 8 hours" in refusal.value.errors["end"]


def test_a_running_entry_moved_over_24_hours_back_is_refused_on_start(engine, day_with_entries):
    actor, _, _, running = day_with_entries
    with session_scope(engine) as session, pytest.raises(FieldErrors) as refusal:
        corrections.edit_entry(session, actor, running, ny(2026, 3, 3, 15), None, None, "fix")
    assert "at most 24 hours" in refusal.value.errors["start"]


def test_a_finished_entry_cannot_be_made_running(engine, day_with_entries):
    actor, first, _, _ = day_with_entries
    with session_scope(engine) as session, pytest.raises(FieldErrors) as refusal:
        corrections.edit_entry(session, actor, first, ny(2026, 3, 4, 10), None, None, "fix")
    assert set(refusal.value.errors) == {"end"}


def test_an_edit_that_changes_nothing_is_refused(engine, day_with_entries):
    actor, first, _, _ = day_with_entries
    with session_scope(engine) as session, pytest.raises(FieldErrors, match="Nothing changed"):
        corrections.edit_entry(
            session, actor, first, ny(2026, 3, 4, 10), ny(2026, 3, 4, 11), "  ", "no-op"
        )
    assert stored_entry(engine, first).source == "timer"
    assert audit_records(engine) == []


def test_editing_an_unknown_entry_is_not_found(engine, actor_for):
    actor = actor_for("U0VA1")
    with session_scope(engine) as session, pytest.raises(NotFound, match="E-404"):
        corrections.edit_entry(
            session, actor, 404, ny(2026, 3, 4, 9), ny(2026, 3, 4, 10), None, "x"
        )


def test_entry_to_edit_defaults_to_the_latest_own_entry(engine, day_with_entries, actor_for):
    actor, _, _, running = day_with_entries
    other = actor_for("U0VA2")
    with session_scope(engine) as session:
        assert corrections.entry_to_edit(session, actor, None).id == running
        with pytest.raises(NotFound, match="no time entries"):
            corrections.entry_to_edit(session, other, None)


@pytest.mark.parametrize("text", ["E-12", "e12", "#12", "12", " E-12 "])
def test_parse_entry_id(text):
    assert parse_entry_id(text) == 12
    assert format_entry_id(12) == "E-12"


def test_parse_entry_id_refuses_other_text():
    with pytest.raises(InputError, match="E-12"):
        parse_entry_id("T-12")


# --------------------------------------------------------------------------- log


def log_placed(
    engine, actor: Actor, minutes: int, day: date, notes: str | None = None
) -> corrections.LoggedEntry:
    with session_scope(engine) as session:
        task = session.exec(select(Task).where(Task.team_id == actor.team_id)).first()
        return corrections.log_time(session, actor, task, timedelta(minutes=minutes), day, notes)


def log(engine, actor: Actor, minutes: int, day: date, notes: str | None = None) -> TimeEntry:
    return log_placed(engine, actor, minutes, day, notes).entry


def test_log_fills_the_latest_free_gap_of_the_working_hours(engine, actor_for):
    actor = actor_for("U0VA1")  # working hours 09:00-17:00 (the workspace's)
    clock.set_now(ny(2026, 3, 4, 18, 0))
    with session_scope(engine) as session:
        task = new_task(session, actor)
        add_entry(session, actor, task, ny(2026, 3, 4, 9), ny(2026, 3, 4, 10))
        add_entry(session, actor, task, ny(2026, 3, 4, 13), ny(2026, 3, 4, 17))
    placed = log_placed(engine, actor, 60, date(2026, 3, 4), "  Sorted the inbox ")
    entry = placed.entry
    assert (entry.started_at, entry.ended_at) == (ny(2026, 3, 4, 12), ny(2026, 3, 4, 13))
    assert placed.in_working_hours
    stored = stored_entry(engine, entry.id)
    assert stored.source == "manual"
    assert stored.notes == "Sorted the inbox"
    assert stored.user_id == "U0VA1"
    # 10-12 is only 2 h: 4 h do not fit the working hours, so the day's latest gap takes them.
    placed = log_placed(engine, actor, 240, date(2026, 3, 4))
    assert (placed.entry.started_at, placed.entry.ended_at) == (
        ny(2026, 3, 4, 5),
        ny(2026, 3, 4, 9),
    )
    assert not placed.in_working_hours
    entry = log(engine, actor, 90, date(2026, 3, 4))
    assert (entry.started_at, entry.ended_at) == (ny(2026, 3, 4, 10, 30), ny(2026, 3, 4, 12))
    # Only 10:00-10:30 is left in the working hours; the evening after them is free.
    placed = log_placed(engine, actor, 60, date(2026, 3, 4))
    assert (placed.entry.started_at, placed.entry.ended_at) == (
        ny(2026, 3, 4, 17),
        ny(2026, 3, 4, 18),
    )
    assert not placed.in_working_hours


def test_log_on_a_past_day_ends_with_the_working_hours(engine, actor_for):
    actor = actor_for("U0VA1")
    clock.set_now(ny(2026, 3, 5, 9, 0))
    with session_scope(engine) as session:
        new_task(session, actor)
    entry = log(engine, actor, 45, date(2026, 3, 4))
    assert (entry.started_at, entry.ended_at) == (ny(2026, 3, 4, 16, 15), ny(2026, 3, 4, 17))


def test_log_follows_the_persons_own_working_hours_and_zone(engine, actor_for, settings):
    from dataclasses import replace

    from bot.services.people import resolve_actor
    from bot.settings.schema import UserSettings

    evening = replace(
        settings, users={"U0VA2": UserSettings(working_hours=(time(20, 0), time(23, 59)))}
    )
    with session_scope(engine) as session:
        actor = resolve_actor(session, evening, TEAM, "U0VA2", lambda _u: {"tz": "Asia/Manila"})
    clock.set_now(datetime(2026, 3, 5, 12, 0, tzinfo=UTC))  # 20:00 in Manila
    with session_scope(engine) as session:
        new_task(session, actor)
    entry = log(engine, actor, 60, date(2026, 3, 4))
    manila = ZoneInfo("Asia/Manila")
    assert entry.started_at.astimezone(manila).strftime("%H:%M") == "22:59"
    assert entry.ended_at.astimezone(manila).strftime("%H:%M") == "23:59"


@pytest.mark.parametrize(
    ("day", "refusal"),
    [
        (date(9999, 12, 31), "in the future"),
        (date(1, 1, 1), "too far back"),
        (date(2025, 3, 3), "too far back"),
    ],
)
def test_log_refuses_days_out_of_range_without_storing(engine, actor_for, day, refusal):
    actor = actor_for("U0VA1", tz="Asia/Manila")
    clock.set_now(ny(2026, 3, 4, 12, 0))
    with session_scope(engine) as session:
        new_task(session, actor)
    with pytest.raises(InputError, match=refusal):
        log(engine, actor, 30, day)
    with session_scope(engine) as session:
        assert session.exec(select(TimeEntry)).all() == []


def test_log_treats_a_running_timer_as_busy_until_now(engine, actor_for):
    actor = actor_for("U0VA1")
    clock.set_now(ny(2026, 3, 4, 12, 0))
    with session_scope(engine) as session:
        task = new_task(session, actor)
        add_entry(session, actor, task, ny(2026, 3, 4, 11), None)
    entry = log(engine, actor, 30, date(2026, 3, 4))
    assert (entry.started_at, entry.ended_at) == (ny(2026, 3, 4, 10, 30), ny(2026, 3, 4, 11))


def test_log_refuses_when_no_gap_fits(engine, actor_for):
    actor = actor_for("U0VA1")
    clock.set_now(ny(2026, 3, 4, 12, 0))
    with session_scope(engine) as session:
        task = new_task(session, actor)
        add_entry(session, actor, task, ny(2026, 3, 4, 1), ny(2026, 3, 4, 6))
        add_entry(session, actor, task, ny(2026, 3, 4, 7), ny(2026, 3, 4, 11, 30))
    with pytest.raises(InputError) as refusal:
        log(engine, actor, 70, date(2026, 3, 4))
    assert "no free 1h 10m on Wed 2026-03-04" in refusal.value.message
    with session_scope(engine) as session:
        assert len(session.exec(select(TimeEntry)).all()) == 2
    # an hour still fits between 06:00 and 07:00
    entry = log(engine, actor, 60, date(2026, 3, 4))
    assert (entry.started_at, entry.ended_at) == (ny(2026, 3, 4, 6), ny(2026, 3, 4, 7))


def test_log_refuses_more_than_has_passed_today(engine, actor_for):
    actor = actor_for("U0VA1")
    clock.set_now(ny(2026, 3, 4, 1, 0))
    with session_scope(engine) as session:
        new_task(session, actor)
    with pytest.raises(InputError, match="no free 2h"):
        log(engine, actor, 120, date(2026, 3, 4))


def test_log_refuses_future_days(engine, actor_for):
    actor = actor_for("U0VA1")
    clock.set_now(ny(2026, 3, 4, 23, 0))
    with session_scope(engine) as session:
        new_task(session, actor)
    with pytest.raises(InputError, match="future"):
        log(engine, actor, 30, date(2026, 3, 5))
    with session_scope(engine) as session:
        assert session.exec(select(TimeEntry)).all() == []


def test_log_refuses_entries_over_the_limit(engine, actor_for):
    actor = actor_for("U0VA1")
    clock.set_now(ny(2026, 3, 6, 12, 0))
    with session_scope(engine) as session:
        new_task(session, actor)
    with pytest.raises(InputError, match="at most 24 hours"):
        log(engine, actor, 24 * 60 + 1, date(2026, 3, 4))


def test_log_on_fall_back_day_uses_the_local_day(engine, actor_for):
    actor = actor_for("U0VA1")
    clock.set_now(ny(2026, 11, 2, 9, 0))
    with session_scope(engine) as session:
        new_task(session, actor)
    entry = log(engine, actor, 60, date(2026, 11, 1))
    assert entry.ended_at == ny(2026, 11, 1, 17, 0)  # EST, after the clocks went back
    assert entry.started_at == datetime(2026, 11, 1, 21, 0, tzinfo=UTC)
    assert entry.ended_at - entry.started_at == timedelta(hours=1)


def test_log_on_fall_back_day_records_exactly_the_duration_given(engine, actor_for):
    actor = actor_for("U0VA1")
    clock.set_now(ny(2026, 11, 2, 9, 0))
    with session_scope(engine) as session:
        new_task(session, actor)
    entry = log(engine, actor, 23 * 60, date(2026, 11, 1))
    stored = stored_entry(engine, entry.id)
    assert stored.ended_at - stored.started_at == timedelta(hours=23)
    # the second 01:00 of the night, in EST (fold=1 times never equal other zones' times)
    assert stored.started_at == datetime(2026, 11, 1, 6, 0, tzinfo=UTC)
    assert timers.entry_duration(entry) == timedelta(hours=23)


def test_log_on_spring_forward_day_records_exactly_the_duration_given(engine, actor_for):
    actor = actor_for("U0VA1")
    clock.set_now(ny(2026, 3, 9, 9, 0))
    with session_scope(engine) as session:
        new_task(session, actor)
    entry = log(engine, actor, 22 * 60, date(2026, 3, 8))
    stored = stored_entry(engine, entry.id)
    assert stored.ended_at - stored.started_at == timedelta(hours=22)
    assert stored.started_at == ny(2026, 3, 8, 1, 0)
    # The 23-hour day has room for 23 h, not 24.
    with pytest.raises(InputError, match="no free 2h"):
        log(engine, actor, 120, date(2026, 3, 8))


def test_edit_across_fall_back_measures_real_time(engine, actor_for):
    actor = actor_for("U0VA1")
    clock.set_now(ny(2026, 11, 2, 9, 0))
    with session_scope(engine) as session:
        task = new_task(session, actor)
        entry_id = add_entry(session, actor, task, ny(2026, 10, 30, 9), ny(2026, 10, 30, 10)).id
    # 01:50 EDT to 01:10 EST is 20 minutes, though the wall clock went backwards.
    with session_scope(engine) as session:
        edited = corrections.edit_entry(
            session,
            actor,
            entry_id,
            ny(2026, 11, 1, 1, 50),
            ny(2026, 11, 1, 1, 10, fold=1),
            None,
            "wrong day",
        )
        assert timers.entry_duration(edited) == timedelta(minutes=20)
    stored = stored_entry(engine, entry_id)
    assert stored.ended_at - stored.started_at == timedelta(minutes=20)
    # Midnight to midnight on that day is 25 hours: over the limit.
    with session_scope(engine) as session, pytest.raises(FieldErrors) as refusal:
        corrections.edit_entry(
            session, actor, entry_id, ny(2026, 11, 1, 0), ny(2026, 11, 2, 0), None, "whole day"
        )
    assert "25h long" in refusal.value.errors["end"]


def test_audit_record_shows_old_and_new_times_in_utc(engine, day_with_entries):
    actor, first, _, _ = day_with_entries
    with session_scope(engine) as session:
        corrections.edit_entry(
            session, actor, first, ny(2026, 3, 4, 9, 30), ny(2026, 3, 4, 11), None, "earlier"
        )
    [record] = audit_records(engine)
    old, new = json.loads(record.old_value), json.loads(record.new_value)
    assert old["ended_at"] == new["ended_at"] == "2026-03-04T16:00:00+00:00"
    assert new["started_at"] == "2026-03-04T14:30:00+00:00"
