"""Time entries put right after the fact: time worked without a timer (`/timer log`) and
corrections of an entry's span or notes (`/timer edit`), each audited.

The rules: an entry never ends before it starts, never overlaps another, never lies in
the future or further back than OLDEST_DAY, never exceeds the configured length; manual
time goes in the person's working hours when it fits there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, overload
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from bot import clock
from bot.services import audit, timers
from bot.services.billing import locks
from bot.services.errors import FieldErrors, InputError, Locked, NotFound
from bot.services.parsing import format_duration, format_entry_id, format_task_id
from bot.services.people import Actor, user_zone
from bot.services.periods import local_day_bounds
from bot.services.rows import saved_id
from bot.services.text import NOTES_LIMIT, checked_text, day_text, local_span, truncate
from store.models import Task, TimeEntry

if TYPE_CHECKING:
    from bot.settings import Settings

# How far back time may be logged or an entry moved: billing periods are months, and a
# bound keeps every date a person can type inside what the database can store.
OLDEST_DAY = timedelta(days=366)


@dataclass
class LoggedEntry:
    entry: TimeEntry
    in_working_hours: bool


def notes_for_form(notes: str | None) -> str | None:
    """Notes as the edit form shows them: whole, unless an older note is over the limit."""
    return truncate(notes, NOTES_LIMIT) if notes else None


def entry_to_edit(session: Session, actor: Actor, entry_id: int | None) -> TimeEntry:
    """The entry named, or the user's most recent one; one an open invoice bills is
    refused before its form opens."""
    if entry_id is not None:
        entry: TimeEntry | None = timers.own_entry(session, actor, entry_id)
    else:
        entry = session.exec(
            select(TimeEntry)
            .where(TimeEntry.team_id == actor.team_id, TimeEntry.user_id == actor.user_id)
            .order_by(col(TimeEntry.started_at).desc())
        ).first()
    if entry is None:
        raise NotFound("You have no time entries yet. Start one with /timer start.")
    locks.check_entry_unlocked(session, entry)
    return entry


def _overlapping(
    session: Session, entry_like: TimeEntry, start: datetime, end: datetime
) -> TimeEntry | None:
    team_id, user_id = entry_like.team_id, entry_like.user_id
    for other in timers.entries_between(session, team_id, user_id, start, end):
        if other.id != entry_like.id:
            return other
    return None


def _describe(session: Session, entry: TimeEntry, zone: ZoneInfo) -> str:
    task = session.get_one(Task, entry.task_id)
    start = entry.started_at.astimezone(zone)
    end = entry.ended_at.astimezone(zone) if entry.ended_at else None
    span = local_span(start, end, ongoing="now")
    return f"{format_entry_id(saved_id(entry))} on {format_task_id(task.number)} ({span})"


@overload
def _as_utc(instant: datetime, field: str) -> datetime: ...
@overload
def _as_utc(instant: datetime | None, field: str) -> datetime | None: ...
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
    max_hours: float = timers.DEFAULT_MAX_HOURS,
    settings: Settings | None = None,
) -> TimeEntry:
    """Correct an entry's span or notes, keeping the old values in the audit trail.

    Notes the form showed and nobody changed are kept as they are, whole. An entry an
    open invoice bills is not changed, nor is a span moved onto a day an open invoice
    of the task's client covers (the VA's day: `settings` gives another person's zone)."""
    entry = timers.own_entry(session, actor, entry_id)
    timers.one_change_at_a_time(session, entry.team_id, entry.user_id, entry)
    locks.check_entry_unlocked(session, entry)  # read again above: a finalize went first
    start, end = _as_utc(start, "start"), _as_utc(end, "end")
    reason = (reason or "").strip()
    if not reason:
        raise FieldErrors({"reason": "Say why the entry changes; it is kept in the audit trail."})
    if entry.ended_at is not None and end is None:
        raise FieldErrors({"end": "A finished entry needs an end time."})
    validate_span(session, entry, start, end, actor.zone, max_hours)
    if (start, end) != (entry.started_at, entry.ended_at):
        _check_moved_span(session, settings, actor, entry, start)
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
    audit.record(session, actor, "time_entry", saved_id(entry), "edit", old, new, reason)
    return entry


def _check_moved_span(
    session: Session, settings: Settings | None, actor: Actor, entry: TimeEntry, start: datetime
) -> None:
    """A changed span may not start on a day an open invoice of its client covers."""
    zone = actor.zone
    if settings is not None and entry.user_id != actor.user_id:
        zone = user_zone(session, settings, entry.team_id, entry.user_id)
    try:
        locks.check_start_unlocked(session, session.get_one(Task, entry.task_id), start, zone)
    except Locked as refusal:
        raise FieldErrors({"start": refusal.message}) from None


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
    max_hours: float = timers.DEFAULT_MAX_HOURS,
) -> LoggedEntry:
    """Record time worked without a timer: in the latest free gap of the person's working
    hours that day, else in the latest free gap of the day; never for a client on a day
    its open invoice covers."""
    if duration > timedelta(hours=max_hours):
        raise InputError(f"An entry can be at most {max_hours:g} hours.")
    notes = checked_text(notes, "notes", NOTES_LIMIT)
    now = clock.now()
    today = now.astimezone(actor.zone).date()
    if day > today:
        raise InputError("That day is in the future; time can only be logged for work done.")
    if day < today - OLDEST_DAY:
        raise InputError(
            f"{day_text(day)} is too far back; time can be logged for the last "
            f"{OLDEST_DAY.days} days."
        )
    locks.check_day_unlocked(session, task, day)
    timers.one_change_at_a_time(session, actor.team_id, actor.user_id)
    day_start, day_end = local_day_bounds(day, actor.zone)
    work_start, work_end = (
        datetime.combine(day, hour, tzinfo=actor.zone).astimezone(UTC)
        for hour in (actor.work_start, actor.work_end)
    )
    latest = min(day_end, now)
    busy = timers.entries_between(session, actor.team_id, actor.user_id, day_start, latest)
    start = _latest_free_start(busy, work_start, min(work_end, now), duration, now)
    in_working_hours = start is not None
    if start is None:
        start = _latest_free_start(busy, day_start, latest, duration, now)
    if start is None:
        raise InputError(
            f"There is no free {format_duration(duration)} on {day_text(day)} between your "
            "other entries. Check /timer list, or fix an entry with /timer edit."
        )
    entry = TimeEntry(
        team_id=actor.team_id,
        user_id=actor.user_id,
        task_id=saved_id(task),
        started_at=start,
        ended_at=start + duration,
        source="manual",
        notes=notes,
        created_at=now,
    )
    session.add(entry)
    session.flush()
    return LoggedEntry(entry, in_working_hours)
