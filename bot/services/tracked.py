"""What tracked time a report counts: one rule for the daily digest, `/report`, the
weekly report's figures, its chart and its timesheet CSV, so they never disagree.

- Finished time counts, clipped to the period (a timesheet row is a finished entry).
- A running timer counts nothing until it stops: it is shown apart, with how long it has
  run, and flagged to check when it has run past the end of the working day it started
  in, into another day, or past `[timers] max_entry_hours` (stopped then, it would be cut
  to that limit). Counted up to "now", a timer forgotten on Wednesday would add two days
  to Friday's figures that the timesheet, which bills finished entries only, never has.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from bot import clock
from bot.services.calendars import person_calendar
from bot.services.periods import Period
from bot.services.schedules import Calendar
from store.models import Task, TimeEntry

if TYPE_CHECKING:
    from bot.settings import Settings

# The condition every report's query of counted time uses.
FINISHED = col(TimeEntry.ended_at).is_not(None)


def finished_time(started_at: datetime, ended_at: datetime | None, period: Period) -> timedelta:
    """The part of an entry that counts in the period: none while it runs."""
    if ended_at is None:
        return timedelta(0)
    return max(timedelta(0), min(ended_at, period.end) - max(started_at, period.start))


@dataclass(frozen=True)
class RunningTimer:
    """A timer still running, shown beside the figures, never in them."""

    user_id: str
    entry_id: int
    task_number: int
    task_title: str
    started_at: datetime
    elapsed: timedelta  # up to now
    to_check: bool  # past its working day or the entry limit


def needs_check(calendar: Calendar, started_at: datetime, now: datetime, max_hours: float) -> bool:
    """Past the working day it started in (or into a later day), or over the limit."""
    if now - started_at > timedelta(hours=max_hours):
        return True
    day = calendar.local_day(started_at)
    if calendar.local_day(now) != day:
        return True
    day_end = calendar.at(day, calendar.end)
    return started_at < day_end <= now


def running_timers(
    session: Session,
    settings: Settings,
    team_id: str,
    user_ids: list[str],
    before: datetime,
    tag: str | None = None,
) -> dict[str, RunningTimer]:
    """Each person's running timer that started before `before` (a period's end); with a
    tag, only one on a task carrying it."""
    if not user_ids:
        return {}
    now = clock.now()
    # sqlmodel's select() has overloads for up to four columns: these five are typed here.
    columns: Select[int, str, datetime, int, str] = select(  # type: ignore[call-overload]
        TimeEntry.id, TimeEntry.user_id, TimeEntry.started_at, Task.number, Task.title
    )
    query = (
        columns.join(Task, col(Task.id) == TimeEntry.task_id)
        .where(
            TimeEntry.team_id == team_id,
            col(TimeEntry.user_id).in_(user_ids),
            col(TimeEntry.ended_at).is_(None),
            TimeEntry.started_at < min(before, now),
        )
        .order_by(col(TimeEntry.started_at))
    )
    if tag is not None:
        query = query.where(Task.tag == tag)
    found: dict[str, RunningTimer] = {}
    max_hours = settings.timers.max_entry_hours
    for entry_id, user_id, started_at, number, title in session.exec(query):
        calendar = person_calendar(session, settings, team_id, user_id)
        found.setdefault(
            user_id,
            RunningTimer(
                user_id=user_id,
                entry_id=entry_id,
                task_number=number,
                task_title=title,
                started_at=started_at,
                elapsed=now - started_at,
                to_check=needs_check(calendar, started_at, now, max_hours),
            ),
        )
    return found
