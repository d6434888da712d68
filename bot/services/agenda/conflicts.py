"""Conflicts on an agenda: appointments that overlap, a deadline that falls while a
meeting is on, and meetings back to back with no gap between them.

All-day events block no time, so they conflict with nothing. The same event in two
feeds (the person's calendar and a shared one: same UID, same start) is one event, not
an overlap. A deadline is "in" a meeting when it falls after the meeting starts and
before it ends; one at the very start or end leaves the time before it free."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.services.agenda.appointments import Appointment
from bot.services.agenda.work import WorkItem

OVERLAP, DEADLINE, BACK_TO_BACK = "overlap", "deadline", "back-to-back"


@dataclass(frozen=True)
class Conflict:
    """A clash, on the local day it begins: two appointments (overlap, back to back) or
    an appointment and the work due during it."""

    kind: str
    day: date
    first: Appointment
    second: Appointment | None = None
    item: WorkItem | None = None


def _same_event(a: Appointment, b: Appointment) -> bool:
    return a.uid == b.uid and a.start == b.start and a.end == b.end


def find_conflicts(
    appointments: Sequence[Appointment], work: Sequence[WorkItem], zone: ZoneInfo, now: datetime
) -> list[Conflict]:
    """Every conflict among the timed appointments and the work not yet past due, by
    the moment each begins."""
    timed = sorted((a for a in appointments if not a.all_day), key=lambda a: (a.start, a.end))
    found: list[tuple[datetime, Conflict]] = []

    def day_of(instant: datetime) -> date:
        return instant.astimezone(zone).date()

    for index, first in enumerate(timed):
        for second in timed[index + 1 :]:
            if second.start >= first.end:
                break
            if not _same_event(first, second):
                found.append((second.start, Conflict(OVERLAP, day_of(second.start), first, second)))
    starts: dict[datetime, list[Appointment]] = {}
    for appointment in timed:
        starts.setdefault(appointment.start, []).append(appointment)
    for first in timed:
        for second in starts.get(first.end, []):
            if first.start < first.end and second.start < second.end:  # not zero-length
                found.append(
                    (second.start, Conflict(BACK_TO_BACK, day_of(second.start), first, second))
                )
    for item in work:
        if item.due_at <= now:
            continue
        for meeting in timed:
            if meeting.start >= item.due_at:
                break
            if item.due_at < meeting.end:
                found.append((item.due_at, Conflict(DEADLINE, item.day, meeting, item=item)))
    found.sort(key=lambda pair: pair[0])
    return [conflict for _at, conflict in found]
