"""Timers and time entries: the billable record, so no minute is lost or silently changed.

Rules kept here: one running timer per user; a new start finalizes the old one;
entries never end before they start, never overlap, never lie in the future and
never exceed the configured length; every edit leaves an audit record.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, SQLModel, col, select

from bot import clock
from bot.services.access import may_change_task
from bot.services.errors import AlreadyDone, InputError, NotFound, PermissionDenied
from bot.services.parsing import format_duration, format_entry_id, format_task_id
from bot.services.people import Actor
from bot.services.periods import local_day_bounds, period_of
from bot.services.text import NOTES_LIMIT, checked_text, time_token
from store.models import CLOSED_STATUSES, Task, TimeEntry, User
from store.prepared import Prepared, built, loaded
from store.sql import lock_for_update

DEFAULT_MAX_HOURS = 24.0


@dataclass
class StoppedEntry:
    entry: TimeEntry
    task: Task
    duration: timedelta
    over_limit: bool = False


@dataclass
class StartResult:
    entry: TimeEntry
    task: Task
    stopped: StoppedEntry | None
    helping: bool = False  # time on a colleague's task: its status stays as it was


@dataclass
class TimerStatus:
    running: TimeEntry | None
    task: Task | None
    elapsed: timedelta
    today_total: timedelta


def entry_duration(entry: TimeEntry, now: datetime | None = None) -> timedelta:
    """Elapsed time, computed on UTC instants so DST changes cannot skew it."""
    return (entry.ended_at or now or clock.now()) - entry.started_at


def running_entry_and_task(
    session: Session, team_id: str, user_id: str
) -> tuple[TimeEntry, Task] | None:
    """The user's running timer and its task, in one query."""
    return session.exec(
        select(TimeEntry, Task)
        .join(Task, col(Task.id) == TimeEntry.task_id)
        .where(
            TimeEntry.team_id == team_id,
            TimeEntry.user_id == user_id,
            col(TimeEntry.ended_at).is_(None),
        )
    ).first()


# SQLModel does not declare the __table__ that SQLAlchemy gives every table class.
_ENTRIES: sa.Table = TimeEntry.__table__  # type: ignore[attr-defined]
_TASKS: sa.Table = Task.__table__  # type: ignore[attr-defined]

# The statements /timer start and stop send, built once: building a statement and its
# cache key each time cost more than SQLite running it (bench/README.md, the hot path).
_NOW = sa.bindparam("now", type_=_ENTRIES.c.started_at.type)
_NOTES = sa.bindparam("stop_notes", type_=_ENTRIES.c.notes.type)
# (Bound names differ from the columns': an UPDATE keeps those for its SET clause.)
_PERSON = sa.and_(
    _ENTRIES.c.team_id == sa.bindparam("team"), _ENTRIES.c.user_id == sa.bindparam("user")
)
# Which running entries a stop ends: a person's, one entry, or every one on a task.
_ENDS = {
    "person": _PERSON,
    "entry": _ENTRIES.c.id == sa.bindparam("entry"),
    "task": _ENTRIES.c.task_id == sa.bindparam("task"),
}
_RUNNING_OF_PERSON = Prepared(
    sa.select(_ENTRIES.c.task_id, _ENTRIES.c.started_at).where(
        _PERSON, _ENTRIES.c.ended_at.is_(None)
    )
)
_PERSON_ROW = sa.select(col(User.id)).where(
    col(User.team_id) == sa.bindparam("team"), col(User.id) == sa.bindparam("user")
)
_NEW_ENTRY_COLUMNS = ("team_id", "user_id", "task_id", "started_at", "source", "billable")
_INSERT_ENTRY = Prepared(
    sa.insert(_ENTRIES).returning(_ENTRIES.c.id),
    column_keys=(*_NEW_ENTRY_COLUMNS, "created_at"),
)
_TASK_BY_ID = Prepared(sa.select(*_TASKS.c).where(_TASKS.c.id == sa.bindparam("task")))
_TASK_STATUS = Prepared(
    sa.update(_TASKS)
    .where(_TASKS.c.id == sa.bindparam("task"))
    .values(
        status=sa.bindparam("new_status"),
        updated_at=sa.bindparam("now", type_=_TASKS.c.updated_at.type),
    )
)


@functools.cache
def _finalize_statement(ends: str, with_notes: bool) -> Prepared:
    """End the running entries that match, in one UPDATE … RETURNING: at now, or at the
    start if an edit put the start ahead of now; notes are appended."""
    values: dict[str, Any] = {
        "ended_at": sa.case((_ENTRIES.c.started_at > _NOW, _ENTRIES.c.started_at), else_=_NOW)
    }
    if with_notes:
        values["notes"] = sa.case(
            (_ENTRIES.c.notes.is_(None), _NOTES), else_=_ENTRIES.c.notes + "\n" + _NOTES
        )
    return Prepared(
        sa.update(_ENTRIES)
        .where(_ENDS[ends], _ENTRIES.c.ended_at.is_(None))
        .values(**values)
        .returning(*_ENTRIES.c)
    )


def _finalize_running(
    session: Session,
    ends: str,
    params: dict[str, Any],
    now: datetime,
    notes: str | None = None,
    max_hours: float = DEFAULT_MAX_HOURS,
) -> list[StoppedEntry]:
    """End the running entries `ends` names (`_ENDS`, with `params`); each stopped entry
    comes back with its task."""
    statement = _finalize_statement(ends, bool(notes))
    values = {**params, "now": now, "stop_notes": notes} if notes else {**params, "now": now}
    stopped = []
    for row in statement.rows(session, values):
        entry = built(TimeEntry, row._asdict())
        duration = entry_duration(entry)
        over = duration > timedelta(hours=max_hours)
        task = loaded(
            session, Task, _TASK_BY_ID.rows(session, {"task": entry.task_id})[0]._asdict()
        )
        stopped.append(StoppedEntry(entry, task, duration, over))
    return stopped


def end_entry_at(session: Session, entry_id: int, at: datetime) -> StoppedEntry | None:
    """End this entry at a given instant if it is still running (a focus block's end)."""
    stopped = _finalize_running(session, "entry", {"entry": entry_id}, at)
    return stopped[0] if stopped else None


def _person_of(actor: Actor) -> dict[str, Any]:
    return {"team": actor.team_id, "user": actor.user_id}


def one_change_at_a_time(session: Session, team_id: str, user_id: str, *reread: SQLModel) -> None:
    """Serialize changes to one person's timers: a second start, stop or edit waits here
    (on PostgreSQL, a lock on the person's row), then reads `reread` again, locked, and
    sees what the first one did. On SQLite a unit of work holds the database's one write
    lock from its first statement (store/db.py), so nothing can have changed: no query."""
    lock_for_update(session, _PERSON_ROW, *reread, params={"team": team_id, "user": user_id})


def start_timer(
    session: Session, actor: Actor, task: Task, max_hours: float = DEFAULT_MAX_HOURS
) -> StartResult:
    """Start tracking `task`; a timer already running on another task is finalized first.

    Anyone may time a colleague's open task while helping; only someone who may change
    the task moves it to in progress."""
    one_change_at_a_time(session, actor.team_id, actor.user_id, task)  # closed meanwhile?
    if task.status in CLOSED_STATUSES:
        raise InputError(
            f"{format_task_id(task.number)} is {task.status}; reopen it first with "
            f"/task status {format_task_id(task.number)} open"
        )
    now = clock.now()
    current = _RUNNING_OF_PERSON.first(session, _person_of(actor))
    stopped = None
    if current is not None:
        if current.task_id == task.id:
            raise AlreadyDone(
                f"Your timer is already running on {format_task_id(task.number)} "
                f"since {time_token(current.started_at)}."
            )
        finalized = _finalize_running(
            session, "person", _person_of(actor), now, max_hours=max_hours
        )
        stopped = finalized[0] if finalized else None
    values: dict[str, Any] = {
        "team_id": actor.team_id,
        "user_id": actor.user_id,
        "task_id": task.id,
        "started_at": now,
        "source": "timer",
        "billable": True,
        "created_at": now,
    }
    entry_id = _INSERT_ENTRY.scalar(session, values)
    helping = not may_change_task(actor, task)
    if task.status in ("open", "waiting") and not helping:
        _TASK_STATUS.rows(session, {"task": task.id, "new_status": "in_progress", "now": now})
        set_committed_value(task, "status", "in_progress")
        set_committed_value(task, "updated_at", now)
    return StartResult(built(TimeEntry, {"id": entry_id, **values}), task, stopped, helping)


def stop_timer(
    session: Session,
    actor: Actor,
    notes: str | None = None,
    entry_id: int | None = None,
    max_hours: float = DEFAULT_MAX_HOURS,
) -> StoppedEntry:
    """Stop the running timer (or the given entry, when a button names one)."""
    notes = checked_text(notes, "notes", NOTES_LIMIT)
    if entry_id is None:
        one_change_at_a_time(session, actor.team_id, actor.user_id)
        ends, params = "person", _person_of(actor)
    else:
        entry = own_entry(session, actor, entry_id)
        one_change_at_a_time(session, entry.team_id, entry.user_id, entry)
        if entry.ended_at is not None:
            task = session.get_one(Task, entry.task_id)
            raise AlreadyDone(
                f"That timer on {format_task_id(task.number)} was already stopped at "
                f"{time_token(entry.ended_at)} "
                f"({format_duration(entry_duration(entry))} recorded)."
            )
        session.expunge(entry)  # the UPDATE below supersedes this copy
        ends, params = "entry", {"entry": entry_id}
    if notes:
        _check_room_for_notes(session, _ENDS[ends], params, notes)
    stopped = _finalize_running(session, ends, params, clock.now(), notes, max_hours)
    if not stopped:
        raise NotFound(
            "No timer is running. Start one with /timer start T-n "
            "or /timer start &lt;what you are doing&gt;."
        )
    return stopped[0]


def _check_room_for_notes(
    session: Session, running: sa.ColumnElement[bool], params: dict[str, Any], notes: str
) -> None:
    """Stop notes are added to notes written while the timer ran; together they keep
    to the one limit for notes."""
    earlier = session.execute(
        sa.select(sa.func.length(_ENTRIES.c.notes)).where(running, _ENTRIES.c.ended_at.is_(None)),
        params,
    ).scalar()
    if earlier and earlier + 1 + len(notes) > NOTES_LIMIT:
        raise InputError(
            f"This timer already has {earlier:,} characters of notes; with these the notes "
            f"would be {earlier + 1 + len(notes):,} long, and the limit is {NOTES_LIMIT:,}. "
            "Stop it with shorter notes, or edit its notes with /timer edit."
        )


def finalize_task_timers(session: Session, task: Task, now: datetime) -> list[StoppedEntry]:
    """Stop every timer still running on a task that is being closed."""
    return _finalize_running(session, "task", {"task": task.id}, now)


def _touching(team_id: str, user_id: str, start: datetime, end: datetime) -> sa.ColumnElement[bool]:
    """A user's entries that touch [start, end), a running one included."""
    return sa.and_(
        col(TimeEntry.team_id) == team_id,
        col(TimeEntry.user_id) == user_id,
        col(TimeEntry.started_at) < end,
        (col(TimeEntry.ended_at).is_(None)) | (col(TimeEntry.ended_at) > start),
    )


def entries_between(
    session: Session, team_id: str, user_id: str, start: datetime, end: datetime
) -> list[TimeEntry]:
    query = select(TimeEntry).where(_touching(team_id, user_id, start, end))
    return list(session.exec(query.order_by(col(TimeEntry.started_at))))


def timer_status(session: Session, actor: Actor) -> TimerStatus:
    now = clock.now()
    running, task = running_entry_and_task(session, actor.team_id, actor.user_id) or (None, None)
    day_start, day_end = local_day_bounds(now.astimezone(actor.zone).date(), actor.zone)
    spans = session.exec(
        select(TimeEntry.started_at, TimeEntry.ended_at).where(
            _touching(actor.team_id, actor.user_id, day_start, day_end)
        )
    )
    total = sum(
        (min(end or now, day_end) - max(start, day_start) for start, end in spans), timedelta(0)
    )
    elapsed = entry_duration(running, now) if running else timedelta(0)
    return TimerStatus(running, task, elapsed, total)


def list_entries(
    session: Session, actor: Actor, period: str = "today"
) -> list[tuple[TimeEntry, Task]]:
    """The user's entries for today or this week (from Monday), in their time zone."""
    span = period_of(period, actor.zone, allowed=("today", "week"))
    entries = entries_between(session, actor.team_id, actor.user_id, span.start, span.end)
    task_ids = {entry.task_id for entry in entries}
    by_id = {t.id: t for t in session.exec(select(Task).where(col(Task.id).in_(task_ids)))}
    return [(entry, by_id[entry.task_id]) for entry in entries]


def own_entry(session: Session, actor: Actor, entry_id: int) -> TimeEntry:
    entry = session.get(TimeEntry, entry_id)
    if entry is None or entry.team_id != actor.team_id:
        raise NotFound(f"There is no time entry {format_entry_id(entry_id)} in this workspace.")
    if entry.user_id != actor.user_id and actor.role != "owner":
        raise PermissionDenied("Only an owner can change someone else's time.")
    return entry
