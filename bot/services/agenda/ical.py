"""An iCalendar feed read and expanded into occurrences, with the libraries that know the
standard: `icalendar` parses RFC 5545 (time zones, Outlook's Windows zone names included),
`x-wr-timezone` turns Google's X-WR-TIMEZONE into the standard form, and
`recurring-ical-events` expands RRULE, RDATE and EXDATE with the moved occurrences
(RECURRENCE-ID) in place, in each event's own zone so a weekly 9:00 stays 9:00 across DST.

Floating times (no zone) are read in the feed owner's zone; all-day events keep their days;
cancelled events and cancelled occurrences are left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events
import x_wr_timezone

from bot.services.agenda.fetch import FeedError

MAX_TEXT_CHARS = 2000  # a summary or location kept: more is never shown
MARGIN = timedelta(days=1)  # floating and all-day events are placed after expanding


@dataclass(frozen=True)
class Occurrence:
    uid: str
    recurrence_id: str  # "" for a single event, else the original start (ISO, UTC)
    start_at: datetime  # aware UTC; an all-day event: UTC midnight of its first day
    end_at: datetime
    all_day: bool
    first_day: date | None
    last_day: date | None  # inclusive
    summary: str
    location: str
    status: str  # CONFIRMED or TENTATIVE


def read_calendar(body: bytes) -> icalendar.Calendar:
    """The feed as a calendar; FeedError with a sentence when it is not iCalendar."""
    head = body.lstrip()[:15].upper()
    if not head.startswith(b"BEGIN:VCALENDAR"):
        shown = body.lstrip()[:30].decode("utf-8", "replace").splitlines()[0:1]
        start = f" (it starts with {shown[0]!r})" if shown and shown[0] else " (it is empty)"
        raise FeedError(f"is not an iCalendar file{start}")
    try:
        calendar = icalendar.Calendar.from_ical(body)
    except (ValueError, KeyError, IndexError, TypeError) as error:
        raise FeedError(f"is not a valid iCalendar file: {str(error)[:200]}") from None
    if isinstance(calendar, list):  # several VCALENDARs in one file: the first is read
        calendar = calendar[0]
    try:
        standard: icalendar.Calendar = x_wr_timezone.to_standard(calendar)
    except (ValueError, KeyError) as error:
        raise FeedError(f"has a time zone that cannot be read: {str(error)[:200]}") from None
    return standard


def _text(component: Any, name: str) -> str:
    value = component.get(name)
    return "" if value is None else str(value).strip()[:MAX_TEXT_CHARS]


def _aware(value: datetime, zone: ZoneInfo) -> datetime:
    """A floating time is the owner's wall clock."""
    return (value if value.tzinfo else value.replace(tzinfo=zone)).astimezone(UTC)


def _recurring_uids(calendar: icalendar.Calendar) -> set[str]:
    """The events that repeat, or have a moved or cancelled occurrence."""
    return {
        str(event.get("UID"))
        for event in calendar.walk("VEVENT")
        if any(name in event for name in ("RRULE", "RDATE", "RECURRENCE-ID"))
    }


def _recurrence_id(event: Any, zone: ZoneInfo) -> str:
    original = event.get("RECURRENCE-ID")
    if original is None:
        return ""
    value = original.dt
    if isinstance(value, datetime):
        return _aware(value, zone).isoformat()
    return value.isoformat() if isinstance(value, date) else ""


def _occurrence(event: Any, recurring: set[str], zone: ZoneInfo) -> Occurrence | None:
    status = _text(event, "STATUS").upper() or "CONFIRMED"
    if status == "CANCELLED" or "DTSTART" not in event:
        return None
    uid = _text(event, "UID")
    start = event["DTSTART"].dt
    end = event["DTEND"].dt if "DTEND" in event else None
    all_day = not isinstance(start, datetime)
    if all_day:
        last = end - timedelta(days=1) if isinstance(end, date) and end > start else start
        start_at = datetime.combine(start, time(0), UTC)
        end_at = datetime.combine(last + timedelta(days=1), time(0), UTC)
        first_day, last_day = start, last
    else:
        start_at = _aware(start, zone)
        end_at = _aware(end, zone) if isinstance(end, datetime) else start_at
        end_at = max(end_at, start_at)
        first_day = last_day = None
    return Occurrence(
        uid=uid,
        recurrence_id=_recurrence_id(event, zone) if uid in recurring else "",
        start_at=start_at,
        end_at=end_at,
        all_day=all_day,
        first_day=first_day,
        last_day=last_day,
        summary=_text(event, "SUMMARY"),
        location=_text(event, "LOCATION"),
        status="TENTATIVE" if status == "TENTATIVE" else "CONFIRMED",
    )


def expand(
    calendar: icalendar.Calendar, start: datetime, end: datetime, zone: ZoneInfo
) -> list[Occurrence]:
    """The occurrences overlapping [start, end) (UTC), each once, sorted by start."""
    recurring = _recurring_uids(calendar)
    try:
        events = recurring_ical_events.of(calendar, skip_bad_series=True).between(
            start - MARGIN, end + MARGIN
        )
    except (ValueError, TypeError, KeyError) as error:
        raise FeedError(f"has an event that cannot be expanded: {str(error)[:200]}") from None
    found: dict[tuple[str, str, datetime], Occurrence] = {}
    for event in events:
        occurrence = _occurrence(event, recurring, zone)
        if occurrence is None or not (occurrence.start_at < end and occurrence.end_at > start):
            if occurrence is None or occurrence.start_at != occurrence.end_at:
                continue
            if not start <= occurrence.start_at < end:  # an instant event inside the range
                continue
        key = (occurrence.uid, occurrence.recurrence_id, occurrence.start_at)
        found.setdefault(key, occurrence)
    return sorted(found.values(), key=lambda o: (o.start_at, o.end_at, o.uid, o.recurrence_id))


def uids(calendar: icalendar.Calendar) -> set[str]:
    """Every event's UID in the feed, cancelled ones left out (what was booked)."""
    return {
        _text(event, "UID")
        for event in calendar.walk("VEVENT")
        if _text(event, "STATUS").upper() != "CANCELLED" and "RECURRENCE-ID" not in event
    }
