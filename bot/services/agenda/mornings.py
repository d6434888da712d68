"""The calendars in the morning checklists: the owner's day (`owner-morning`, the same
agenda /agenda shows) and, on a VA's `morning`, the bookings the shared calendars showed
for the first time since that VA's previous morning (by UID, so an event is new once;
a feed's first read is its baseline and lists nothing)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from bot.services.agenda.appointments import Appointment, new_bookings_since
from bot.services.agenda.day import Agenda, agenda_for
from bot.services.agenda.feeds import shared_feed_keys
from bot.services.people import user_zone
from store.models import RoutineRun

if TYPE_CHECKING:
    from bot.settings import Settings

OWNER_MORNING = "owner-morning"
MORNING = "morning"
# With no previous morning (the first one, or after a long absence), a day back.
FIRST_MORNING_LOOKBACK = timedelta(hours=24)


def owners_day(session: Session, settings: Settings, run: RoutineRun, now: datetime) -> Agenda:
    """The agenda of the run's owner for the local day of its slot."""
    zone = user_zone(session, settings, run.team_id, run.owner_id)
    day = run.slot.astimezone(zone).date()
    return agenda_for(session, settings, run.team_id, run.owner_id, day, 1, now)


def previous_morning(session: Session, run: RoutineRun) -> datetime | None:
    """The slot of the same person's morning before this one, if there was one."""
    return session.exec(
        select(RoutineRun.slot)
        .where(
            RoutineRun.team_id == run.team_id,
            RoutineRun.routine == run.routine,
            RoutineRun.owner_id == run.owner_id,
            col(RoutineRun.slot) < run.slot,
        )
        .order_by(col(RoutineRun.slot).desc())
        .limit(1)
    ).first()


@dataclass(frozen=True)
class NewBookings:
    since: datetime
    bookings: list[Appointment]
    zone: ZoneInfo  # the VA's, for all-day events and the times' fallback


def new_bookings_for(
    session: Session, settings: Settings, run: RoutineRun, now: datetime
) -> NewBookings | None:
    """The shared calendars' bookings first seen after the previous morning and up to
    this one's slot (so each is listed on one morning only), not over by `now`; None
    when no shared calendar is set."""
    keys = shared_feed_keys(settings)
    if not keys:
        return None
    zone = user_zone(session, settings, run.team_id, run.owner_id)
    since = previous_morning(session, run) or run.slot - FIRST_MORNING_LOOKBACK
    found = new_bookings_since(session, keys, since, run.slot, zone)
    return NewBookings(since, [a for a in found if a.end > now], zone)
