"""Reminders before appointments (`[calendars] remind_minutes`, 0 = off): a DM that many
minutes before each timed appointment of a person whose `[users.<id>] remind = true`.

Decided at every tick from the stored occurrences, so the feed as last read well is what
counts: a cancelled occurrence is not stored and is not reminded, a moved one is
reminded at its new start (its claim names that start, so the old one has none). One
occurrence is one reminder: the scheduler claims it under the occurrence's key and its
start. All-day events get none, and neither does an appointment that has already begun
(after downtime a late reminder would only be noise). Not the task reminders of
bot/services/reminders.py."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from bot.services.agenda.appointments import Appointment, appointments_between
from bot.services.agenda.feeds import feed_keys_for
from bot.services.people import user_zone
from store.models import CalendarOccurrence

if TYPE_CHECKING:
    from bot.settings import Settings

APPOINTMENT_REMINDERS = "appointment-reminders"


@dataclass(frozen=True)
class AppointmentReminder:
    """A reminder due: whose, which occurrence, when it was due, the person's zone."""

    user_id: str
    appointment: Appointment
    at: datetime  # the start less remind_minutes
    zone: ZoneInfo

    @property
    def key(self) -> str:
        """The occurrence, as the claim names it: a hash of its feed, UID and recurrence
        (a UID may be hundreds of characters), so the job name fits its column."""
        a = self.appointment
        whole = "\x1f".join((a.feed_key, a.uid, a.recurrence_id)).encode()
        return f"{APPOINTMENT_REMINDERS}:{hashlib.sha256(whole).hexdigest()[:32]}"


def reminded_people(settings: Settings) -> list[str]:
    """Everyone who asked for reminders and has a calendar to be reminded of."""
    return [
        user_id
        for user_id, user in settings.users.items()
        if user.remind and user.calendar is not None
    ]


def lead_time(settings: Settings) -> timedelta | None:
    """How long before an appointment its reminder goes; None when reminders are off."""
    minutes = settings.calendars.remind_minutes
    return timedelta(minutes=minutes) if minutes > 0 else None


def reminders_due(
    session: Session, settings: Settings, team_id: str, since: datetime, now: datetime
) -> list[AppointmentReminder]:
    """The reminders that fell due in (since, now] of appointments not started by `now`,
    from the stored occurrences as they are now; sorted by start."""
    lead = lead_time(settings)
    if lead is None:
        return []
    found = []
    for user_id in reminded_people(settings):
        keys = feed_keys_for(settings, user_id)
        zone = user_zone(session, settings, team_id, user_id)
        # Starting in (since + lead, now + lead]: due in (since, now].
        for appointment in appointments_between(session, keys, since + lead, now + lead, zone):
            at = appointment.start - lead
            if appointment.all_day or not since < at <= now or appointment.start <= now:
                continue
            found.append(AppointmentReminder(user_id, appointment, at, zone))
    return sorted(found, key=lambda r: (r.appointment.start, r.user_id, r.key))


def still_on(session: Session, reminder: AppointmentReminder, now: datetime) -> bool:
    """Whether the occurrence is still stored at that start and has not begun: checked
    inside the claim, so a feed refreshed since the tick looked is respected."""
    a = reminder.appointment
    if a.start <= now:
        return False
    found = session.exec(
        select(CalendarOccurrence.id).where(
            col(CalendarOccurrence.feed_key) == a.feed_key,
            col(CalendarOccurrence.uid) == a.uid,
            col(CalendarOccurrence.recurrence_id) == a.recurrence_id,
            col(CalendarOccurrence.start_at) == a.start,
        )
    ).first()
    return found is not None
