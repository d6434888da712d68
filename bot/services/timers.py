"""Timers and time entries: the billable record, so no minute is lost or silently changed.

Rules kept here: one running timer per user; a new start finalizes the old one;
entries never end before they start, never overlap, never lie in the future and
never exceed the configured length; every edit leaves an audit record.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, select

from bot import clock
from bot.services import audit
from bot.services.access import may_change_task
from bot.services.errors import AlreadyDone, FieldErrors, InputError, NotFound, PermissionDenied
from bot.services.parsing import MAX_ID, format_duration, format_task_id
from bot.services.people import Actor
from bot.services.text import NOTES_LIMIT, checked_text, quoted, time_token, truncate
from store.models import CLOSED_STATUSES, Task, TimeEntry, User

DEFAULT_MAX_HOURS = 24.0
# How far back time may be logged or an entry moved: billing periods are months, and a
# bound keeps every date a person can type inside what the database can store.
OLDEST_DAY = timedelta(days=366)
_ENTRY_ID = re.compile(r"^(?:e-?|#)?(\d+)$", re.IGNORECASE)


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
class LoggedEntry:
    entry: TimeEntry
    in_working_hours: bool


@dataclass
class TimerStatus:
    running: TimeEntry | None
    task: Task | None
    elapsed: timedelta
    today_total: timedelta


def format_entry_id(entry_id: int) -> str:
    return f"E-{entry_id}"


def parse_entry_id(text: str) -> int:
    match = _ENTRY_ID.match(text.strip())
    if not match:
        raise InputError(
            f"{quoted(text)} is not a time entry; entries look like E-12 (see /timer list)."
        )
    digits = match.group(1).lstrip("0")
    if not digits or len(digits) > len(str(MAX_ID)) or int(digits) > MAX_ID:
        raise NotFound(f"There is no time entry E-{truncate(digits or '0', 20)} in this workspace.")
    return int(digits)


def notes_for_form(notes: str | None) -> str | None:
    """Notes as the edit form shows them: whole, unless an older note is over the limit."""
    return truncate(notes, NOTES_LIMIT) if notes else None


def entry_duration(entry: TimeEntry, now: datetime | None = None) -> timedelta:
    """Elapsed time, computed on UTC instants so DST changes cannot skew it."""
    return (entry.ended_at or now or clock.now()) - entry.started_at


def running_entry_and_task(
    session: Session, team_id: str, user_id: str
) -> tuple[TimeEntry, Task] | None:
    """The user's running timer and its task, in one query."""
    return session.exec(
        select(TimeEntry, Task)
        .join(Task, Task.id == TimeEntry.task_id)
        .where(
            TimeEntry.team_id == team_id,
            TimeEntry.user_id == user_id,
            TimeEntry.ended_at.is_(None),
        )
    ).first()


_ENTRIES = TimeEntry.__table__


def _finalize_running(
    session: Session,
    condition: sa.ColumnElement[bool],
    now: datetime,
    notes: str | None = None,
    max_hours: float = DEFAULT_MAX_HOURS,
) -> list[StoppedEntry]:
    """End the running entries that match, in one UPDATE … RETURNING.

    The end is now, or the start if an edit put the start ahead of now; notes are
    appended. Each stopped entry comes back with its task."""
    values: dict = {
        "ended_at": sa.case((_ENTRIES.c.started_at > now, _ENTRIES.c.started_at), else_=now)
    }
    if notes:
        values["notes"] = sa.case(
            (_ENTRIES.c.notes.is_(None), notes), else_=_ENTRIES.c.notes + "\n" + notes
        )
    rows = session.execute(
        sa.update(_ENTRIES)
        .where(condition, _ENTRIES.c.ended_at.is_(None))
        .values(**values)
        .returning(*_ENTRIES.c)
    ).all()
    stopped = []
    for row in rows:
        entry = TimeEntry(**row._mapping)
        duration = entry_duration(entry)
        over = duration > timedelta(hours=max_hours)
        stopped.append(StoppedEntry(entry, session.get(Task, entry.task_id), duration, over))
    return stopped


def _running_of(actor: Actor) -> sa.ColumnElement[bool]:
    return sa.and_(_ENTRIES.c.team_id == actor.team_id, _ENTRIES.c.user_id == actor.user_id)


def _one_change_at_a_time(session: Session, team_id: str, user_id: str) -> None:
    """Serialize changes to one person's timers: a second start, stop or edit waits here
    (on PostgreSQL, a lock on the person's row) and then sees what the first one did.
    SQLite runs one writer at a time already, and ignores FOR UPDATE."""
    session.execute(
        sa.select(User.id).where(User.team_id == team_id, User.id == user_id).with_for_update()
    )


def start_timer(
    session: Session, actor: Actor, task: Task, max_hours: float = DEFAULT_MAX_HOURS
) -> StartResult:
    """Start tracking `task`; a timer already running on another task is finalized first.

    Anyone may time a colleague's open task while helping; only someone who may change
    the task moves it to in progress."""
    _one_change_at_a_time(session, actor.team_id, actor.user_id)
    session.refresh(task, with_for_update=True)  # closed meanwhile? then it is refused
    if task.status in CLOSED_STATUSES:
        raise InputError(
            f"{format_task_id(task.number)} is {task.status}; reopen it first with "
            f"/task status {format_task_id(task.number)} open"
        )
    now = clock.now()
    current = session.execute(
        sa.select(_ENTRIES.c.task_id, _ENTRIES.c.started_at).where(
            _running_of(actor), _ENTRIES.c.ended_at.is_(None)
        )
    ).first()
    stopped = None
    if current is not None:
        if current.task_id == task.id:
            raise AlreadyDone(
                f"Your timer is already running on {format_task_id(task.number)} "
                f"since {time_token(current.started_at)}."
            )
        finalized = _finalize_running(session, _running_of(actor), now, max_hours=max_hours)
        stopped = finalized[0] if finalized else None
    values = {
        "team_id": actor.team_id,
        "user_id": actor.user_id,
        "task_id": task.id,
        "started_at": now,
        "source": "timer",
        "billable": True,
        "created_at": now,
    }
    entry_id = session.execute(
        sa.insert(_ENTRIES).values(**values).returning(_ENTRIES.c.id)
    ).scalar_one()
    helping = not may_change_task(actor, task)
    if task.status in ("open", "waiting") and not helping:
        task.status = "in_progress"
        task.updated_at = now
        session.add(task)
    return StartResult(TimeEntry(id=entry_id, **values), task, stopped, helping)


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
        _one_change_at_a_time(session, actor.team_id, actor.user_id)
        condition = _running_of(actor)
    else:
        entry = _own_entry(session, actor, entry_id)
        _one_change_at_a_time(session, entry.team_id, entry.user_id)
        session.refresh(entry)
        if entry.ended_at is not None:
            task = session.get(Task, entry.task_id)
            raise AlreadyDone(
                f"That timer on {format_task_id(task.number)} was already stopped at "
                f"{time_token(entry.ended_at)} "
                f"({format_duration(entry_duration(entry))} recorded)."
            )
        session.expunge(entry)  # the UPDATE below supersedes this copy
        condition = _ENTRIES.c.id == entry_id
    if notes:
        _check_room_for_notes(session, condition, notes)
    stopped = _finalize_running(session, condition, clock.now(), notes, max_hours)
    if not stopped:
        raise NotFound(
            "No timer is running. Start one with /timer start T-n "
            "or /timer start &lt;what you are doing&gt;."
        )
    return stopped[0]


def _check_room_for_notes(session: Session, running: sa.ColumnElement[bool], notes: str) -> None:
    """Stop notes are added to notes written while the timer ran; together they keep
    to the one limit for notes."""
    earlier = session.execute(
        sa.select(sa.func.length(_ENTRIES.c.notes)).where(running, _ENTRIES.c.ended_at.is_(None))
    ).scalar()
    if earlier and earlier + 1 + len(notes) > NOTES_LIMIT:
        raise InputError(
            f"This timer already has {earlier:,} characters of notes; with these the notes "
            f"would be {earlier + 1 + len(notes):,} long, and the limit is {NOTES_LIMIT:,}. "
            "Stop it with shorter notes, or edit its notes with /timer edit."
        )


def finalize_task_timers(session: Session, task: Task, now: datetime) -> list[StoppedEntry]:
    """Stop every timer still running on a task that is being closed."""
    return _finalize_running(session, _ENTRIES.c.task_id == task.id, now)


def _local_day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The local day as UTC instants: arithmetic within one zone ignores DST changes."""
    start = datetime.combine(day, time(0), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def _touching(team_id: str, user_id: str, start: datetime, end: datetime) -> sa.ColumnElement:
    """A user's entries that touch [start, end), a running one included."""
    return sa.and_(
        TimeEntry.team_id == team_id,
        TimeEntry.user_id == user_id,
        TimeEntry.started_at < end,
        (TimeEntry.ended_at.is_(None)) | (TimeEntry.ended_at > start),
    )


def _entries_between(
    session: Session, team_id: str, user_id: str, start: datetime, end: datetime
) -> list[TimeEntry]:
    query = select(TimeEntry).where(_touching(team_id, user_id, start, end))
    return list(session.exec(query.order_by(TimeEntry.started_at)))


def timer_status(session: Session, actor: Actor) -> TimerStatus:
    now = clock.now()
    running, task = running_entry_and_task(session, actor.team_id, actor.user_id) or (None, None)
    day_start, day_end = _local_day_bounds(now.astimezone(actor.zone).date(), actor.zone)
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
    now = clock.now()
    today = now.astimezone(actor.zone).date()
    if period == "today":
        first_day = today
    elif period == "week":
        first_day = today - timedelta(days=today.weekday())
    else:
        raise InputError(f"Unknown period {quoted(period)}; use today or week.")
    start, _ = _local_day_bounds(first_day, actor.zone)
    _, end = _local_day_bounds(today, actor.zone)
    entries = _entries_between(session, actor.team_id, actor.user_id, start, end)
    task_ids = {entry.task_id for entry in entries}
    by_id = {t.id: t for t in session.exec(select(Task).where(Task.id.in_(task_ids)))}
    return [(entry, by_id[entry.task_id]) for entry in entries]


def _own_entry(session: Session, actor: Actor, entry_id: int) -> TimeEntry:
    entry = session.get(TimeEntry, entry_id)
    if entry is None or entry.team_id != actor.team_id:
        raise NotFound(f"There is no time entry {format_entry_id(entry_id)} in this workspace.")
    if entry.user_id != actor.user_id and actor.role != "owner":
        raise PermissionDenied("Only an owner can change someone else's time.")
    return entry


def entry_to_edit(session: Session, actor: Actor, entry_id: int | None) -> TimeEntry:
    """The entry named, or the user's most recent one."""
    if entry_id is not None:
        return _own_entry(session, actor, entry_id)
    entry = session.exec(
        select(TimeEntry)
        .where(TimeEntry.team_id == actor.team_id, TimeEntry.user_id == actor.user_id)
        .order_by(TimeEntry.started_at.desc())
    ).first()
    if entry is None:
        raise NotFound("You have no time entries yet. Start one with /timer start.")
    return entry


def _overlapping(
    session: Session, entry_like: TimeEntry, start: datetime, end: datetime
) -> TimeEntry | None:
    for other in _entries_between(session, entry_like.team_id, entry_like.user_id, start, end):
        if other.id != entry_like.id:
            return other
    return None


def _describe(session: Session, entry: TimeEntry, zone: ZoneInfo) -> str:
    task = session.get(Task, entry.task_id)
    start = entry.started_at.astimezone(zone)
    end = entry.ended_at.astimezone(zone).strftime("%H:%M") if entry.ended_at else "now"
    return (
        f"{format_entry_id(entry.id)} on {format_task_id(task.number)} "
        f"({start:%Y-%m-%d %H:%M}–{end})"
    )


def _as_utc(instant: datetime | None, field: str) -> datetime | None:
    """Local wall-clock times subtract wrongly across a DST change; UTC ones do not."""
    try:
        return instant.astimezone(UTC) if instant is not None else None
    except OverflowError:
        raise FieldErrors({field: "That date is out of range."}) from None


def validate_span(
    session: Session,
    entry_like: TimeEntry,
    start: datetime,
    end: datetime | None,
    zone: ZoneInfo,
    max_hours: float,
) -> None:
    """Refuse spans that end before they start, lie ahead or too far back, run too long
    or overlap."""
    start, end = _as_utc(start, "start"), _as_utc(end, "end")
    now = clock.now()
    errors: dict[str, str] = {}
    if start > now:
        errors["start"] = "The start is in the future."
    elif start < now - OLDEST_DAY and start != entry_like.started_at:
        errors["start"] = f"An entry can start at most {OLDEST_DAY.days} days back."
    if end is not None and end > now:
        errors["end"] = "The end is in the future."
    elif end is not None and end <= start:
        errors["end"] = "The end must be after the start."
    if not errors:
        length = (end or now) - start
        if length > timedelta(hours=max_hours):
            errors["end" if end else "start"] = (
                f"This entry would be {format_duration(length)} long; "
                f"an entry can be at most {max_hours:g} hours."
            )
    if not errors:
        other = _overlapping(session, entry_like, start, end or now)
        if other is not None:
            errors["start"] = f"This overlaps {_describe(session, other, zone)}."
    if errors:
        raise FieldErrors(errors)


def edit_entry(
    session: Session,
    actor: Actor,
    entry_id: int,
    start: datetime,
    end: datetime | None,
    notes: str | None,
    reason: str,
    max_hours: float = DEFAULT_MAX_HOURS,
) -> TimeEntry:
    """Correct an entry's span or notes, keeping the old values in the audit trail.

    Notes the form showed and nobody changed are kept as they are, whole."""
    entry = _own_entry(session, actor, entry_id)
    _one_change_at_a_time(session, entry.team_id, entry.user_id)
    session.refresh(entry)
    start, end = _as_utc(start, "start"), _as_utc(end, "end")
    reason = (reason or "").strip()
    if not reason:
        raise FieldErrors({"reason": "Say why the entry changes; it is kept in the audit trail."})
    if entry.ended_at is not None and end is None:
        raise FieldErrors({"end": "A finished entry needs an end time."})
    validate_span(session, entry, start, end, actor.zone, max_hours)
    if (notes or "").strip() == (notes_for_form(entry.notes) or "").strip():
        notes = entry.notes
    else:
        try:
            notes = checked_text(notes, "notes", NOTES_LIMIT)
        except InputError as refusal:
            raise FieldErrors({"notes": refusal.message}) from None
    old = {"started_at": entry.started_at, "ended_at": entry.ended_at, "notes": entry.notes}
    new = {"started_at": start, "ended_at": end, "notes": notes}
    if old == new:
        raise FieldErrors({"start": "Nothing changed."})
    old["source"] = entry.source
    entry.started_at, entry.ended_at, entry.notes = start, end, notes
    entry.source = "edited"
    new["source"] = "edited"
    session.add(entry)
    session.flush()
    audit.record(session, actor, "time_entry", entry.id, "edit", old, new, reason)
    return entry


def _latest_free_start(
    busy: list[TimeEntry], first: datetime, last: datetime, duration: timedelta, now: datetime
) -> datetime | None:
    """The start of the latest free `duration` inside [first, last], or None."""
    gap_end = last
    for other in reversed(busy):  # entries never overlap, so later starts end later
        if (other.ended_at or now) <= gap_end - duration:
            break
        gap_end = min(gap_end, other.started_at)
    start = gap_end - duration
    return start if start >= first else None


def log_time(
    session: Session,
    actor: Actor,
    task: Task,
    duration: timedelta,
    day: date,
    notes: str | None = None,
    max_hours: float = DEFAULT_MAX_HOURS,
) -> LoggedEntry:
    """Record time worked without a timer: in the latest free gap of the person's working
    hours that day, else in the latest free gap of the day."""
    if duration > timedelta(hours=max_hours):
        raise InputError(f"An entry can be at most {max_hours:g} hours.")
    notes = checked_text(notes, "notes", NOTES_LIMIT)
    now = clock.now()
    today = now.astimezone(actor.zone).date()
    if day > today:
        raise InputError("That day is in the future; time can only be logged for work done.")
    if day < today - OLDEST_DAY:
        raise InputError(
            f"{day.isoformat()} is too far back; time can be logged for the last "
            f"{OLDEST_DAY.days} days."
        )
    _one_change_at_a_time(session, actor.team_id, actor.user_id)
    day_start, day_end = _local_day_bounds(day, actor.zone)
    work_start, work_end = (
        datetime.combine(day, hour, tzinfo=actor.zone).astimezone(UTC)
        for hour in (actor.work_start, actor.work_end)
    )
    busy = _entries_between(session, actor.team_id, actor.user_id, day_start, min(day_end, now))
    start = _latest_free_start(busy, work_start, min(work_end, now), duration, now)
    in_working_hours = start is not None
    if start is None:
        start = _latest_free_start(busy, day_start, min(day_end, now), duration, now)
    if start is None:
        raise InputError(
            f"There is no free {format_duration(duration)} on {day.isoformat()} between your "
            "other entries. Check /timer list, or fix an entry with /timer edit."
        )
    entry = TimeEntry(
        team_id=actor.team_id,
        user_id=actor.user_id,
        task_id=task.id,
        started_at=start,
        ended_at=start + duration,
        source="manual",
        notes=notes,
        created_at=now,
    )
    session.add(entry)
    session.flush()
    return LoggedEntry(entry, in_working_hours)
