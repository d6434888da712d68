"""A person's agenda over local days: their appointments, the work that falls due, the
conflicts between them, and any calendar feed whose copy is old or could not be read.

A day is the person's local day, midnight to midnight in their own zone (23 or 25 hours
across a DST change), never "now plus 24 hours"; a week is seven local days from the
first. Used by `/agenda` and by the owner's morning DM, so both list the same day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.services.agenda.appointments import (
    Appointment,
    FeedState,
    appointments_between,
    feed_keys_for,
    feed_state,
)
from bot.services.agenda.conflicts import Conflict, find_conflicts
from bot.services.agenda.work import DaySpan, WorkItem, work_due
from bot.services.calendars import person_calendar
from bot.services.periods import local_day_bounds

if TYPE_CHECKING:
    from bot.settings import Settings

MAX_DAYS = 7
# A feed whose last good copy is older than two refreshes and this is shown with its age
# even when no read failed (the scheduler may be down).
STALE_MARGIN = timedelta(minutes=10)
UNNAMED_FEED = "Your calendar feed"


@dataclass(frozen=True)
class AgendaDay:
    day: date
    start: datetime  # aware UTC: local midnight
    end: datetime  # aware UTC: the next local midnight (23, 24 or 25 hours later)
    appointments: tuple[Appointment, ...]
    work: tuple[WorkItem, ...]
    conflicts: tuple[Conflict, ...]

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600


@dataclass(frozen=True)
class FeedNote:
    """A feed to mention: its copy is old, was never read, or its last read failed."""

    title: str
    good_at: datetime | None
    error: str | None
    age: timedelta | None


@dataclass(frozen=True)
class Agenda:
    team_id: str
    subject_id: str
    zone: ZoneInfo
    today: date  # the subject's today
    now: datetime
    days: tuple[AgendaDay, ...]
    more_work: dict[str, int]  # kind: how many were left out
    feeds: tuple[FeedNote, ...]  # only those to mention
    has_calendar: bool  # the subject set a calendar feed

    @property
    def first_day(self) -> date:
        return self.days[0].day

    @property
    def last_day(self) -> date:
        return self.days[-1].day

    @property
    def is_empty(self) -> bool:
        return not any(day.appointments or day.work for day in self.days)


def local_days(first_day: date, days: int, zone: ZoneInfo) -> list[tuple[date, datetime, datetime]]:
    """Each local day from `first_day` with its bounds as UTC instants."""
    found = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        start, end = local_day_bounds(day, zone)
        found.append((day, start, end))
    return found


def stale_after(settings: Settings) -> timedelta:
    """How old a copy may be before it is mentioned: two refreshes missed, and a margin."""
    return 2 * timedelta(minutes=settings.calendars.refresh_minutes) + STALE_MARGIN


def feed_notes(states: dict[str, FeedState], now: datetime, old_after: timedelta) -> list[FeedNote]:
    """The feeds worth a word: never read, failing, or not refreshed for `old_after`."""
    notes = []
    for state in states.values():
        age = state.age(now)
        if state.stale or (age is not None and age > old_after):
            title = state.title if state.title != state.feed_key else UNNAMED_FEED
            notes.append(FeedNote(title, state.good_at, state.error, age))
    return notes


def agenda_for(
    session: Session,
    settings: Settings,
    team_id: str,
    subject_id: str,
    first_day: date,
    days: int,
    now: datetime,
) -> Agenda:
    """The subject's agenda over `days` local days (1 to 7) from `first_day`, in their
    own zone: what is stored, read only (a broken feed leaves its last good copy)."""
    days = max(1, min(days, MAX_DAYS))
    calendar = person_calendar(session, settings, team_id, subject_id)
    zone = calendar.zone
    today = now.astimezone(zone).date()
    bounds = local_days(first_day, days, zone)
    start, end = bounds[0][1], bounds[-1][2]
    keys = feed_keys_for(settings, subject_id)
    appointments = appointments_between(session, keys, start, end, zone) if keys else []
    span = DaySpan(first_day, bounds[-1][0], today, calendar)
    work = work_due(session, team_id, subject_id, span, now)
    conflicts = find_conflicts(appointments, work.items, zone, now)
    listed = []
    for day, day_start, day_end in bounds:
        listed.append(
            AgendaDay(
                day,
                day_start,
                day_end,
                tuple(a for a in appointments if a.start < day_end and a.end > day_start),
                tuple(item for item in work.items if item.day == day),
                tuple(c for c in conflicts if max(c.day, first_day) == day),
            )
        )
    notes = feed_notes(feed_state(session, keys), now, stale_after(settings)) if keys else []
    return Agenda(
        team_id, subject_id, zone, today, now, tuple(listed), work.more, tuple(notes), bool(keys)
    )
