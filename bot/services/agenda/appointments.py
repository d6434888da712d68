"""The appointments of people's and shared calendars, read from the stored copy of each
feed: what is on between two instants, how each feed's last read went, and the events a
feed showed for the first time (new bookings).

Every place an appointment is shown reads it here, as an `Appointment`: times aware UTC,
an all-day event from local midnight of its first day (in the zone asked for) to local
midnight after its last, the summary as the feed wrote it (views escape it).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from bot.services.agenda.feeds import feed_keys_for
from bot.services.agenda.fetch import FeedError
from bot.services.agenda.ical import expand, read_calendar
from store.models import CalendarBookingSeen, CalendarFeed, CalendarOccurrence

__all__ = [
    "Appointment",
    "FeedState",
    "appointments_between",
    "feed_keys_for",
    "feed_state",
    "new_bookings_since",
]

# An all-day event is stored from UTC midnight of its first day: within 14 hours of any
# zone's midnight, so a read widens its range by a day and keeps what overlaps exactly.
ZONE_MARGIN = timedelta(days=1)
UTC_ZONE = ZoneInfo("UTC")


@dataclass(frozen=True)
class Appointment:
    feed_key: str
    calendar: str  # a title for people: "Olivia's calendar", or the shared calendar's title
    uid: str
    recurrence_id: str  # "" for a single event, else the original start (ISO, UTC)
    summary: str  # as written in the feed (raw; views escape it)
    location: str
    start: datetime  # aware UTC; an all-day event: local midnight of its first day
    end: datetime  # aware UTC, exclusive
    all_day: bool


@dataclass(frozen=True)
class FeedState:
    """How a feed's reads went: its copy is from `good_at`; `error` is the last read's
    failure (a sentence, never the address), None when it went well."""

    feed_key: str
    title: str
    good_at: datetime | None
    checked_at: datetime | None
    error: str | None
    failures: int
    retry_at: datetime | None

    @property
    def stale(self) -> bool:
        """The copy shown is not the feed as it is now: never read, or the last read failed."""
        return self.good_at is None or self.error is not None

    def age(self, now: datetime) -> timedelta | None:
        """How old the copy shown is (None: there is none)."""
        return None if self.good_at is None else max(now - self.good_at, timedelta(0))


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The instant a day starts in a zone (the first instant of it, across a DST gap)."""
    return datetime.combine(day, time(0), zone).astimezone(UTC)


def _appointment(row: CalendarOccurrence, title: str, zone: ZoneInfo) -> Appointment:
    start, end = row.start_at, row.end_at
    if row.all_day and row.first_day is not None and row.last_day is not None:
        start = local_midnight(row.first_day, zone)
        end = local_midnight(row.last_day + timedelta(days=1), zone)
    return Appointment(
        feed_key=row.feed_key,
        calendar=title,
        uid=row.uid,
        recurrence_id=row.recurrence_id,
        summary=row.summary,
        location=row.location,
        start=start,
        end=end,
        all_day=row.all_day,
    )


def _feeds(session: Session, feed_keys: Iterable[str]) -> dict[str, CalendarFeed]:
    keys = sorted(set(feed_keys))
    if not keys:
        return {}
    rows = session.exec(
        select(CalendarFeed)
        .where(col(CalendarFeed.feed_key).in_(keys))
        .options(defer(CalendarFeed.body))  # type: ignore[arg-type]  # read only to expand
    )
    return {feed.feed_key: feed for feed in rows}


def sort_key(appointment: Appointment) -> tuple[datetime, datetime, str, str, str, str]:
    a = appointment
    return (a.start, a.end, a.calendar, a.summary, a.uid, a.recurrence_id)


def appointments_between(
    session: Session,
    feed_keys: Sequence[str],
    start: datetime,
    end: datetime,
    zone: ZoneInfo,
) -> list[Appointment]:
    """The appointments of these feeds overlapping [start, end), sorted by start; a feed
    never read well has none. All-day events span their days in `zone`. Inside the
    stored window they are read from the stored occurrences, outside it expanded from the
    feed's last good copy."""
    if start >= end:
        return []
    feeds = _feeds(session, feed_keys)
    titles = {key: feed.title or key for key, feed in feeds.items()}
    stored = sorted(key for key, feed in feeds.items() if _covers(feed, start, end))
    found = [
        appointment
        for key, feed in sorted(feeds.items())
        if key not in stored and feed.body is not None
        for appointment in _expanded(feed, titles[key], start, end, zone)
    ]
    if stored:
        found += _stored(session, stored, titles, start, end, zone)
    return sorted((a for a in found if a.start < end and a.end > start), key=sort_key)


def _covers(feed: CalendarFeed, start: datetime, end: datetime) -> bool:
    """Whether the stored occurrences cover the range (widened for all-day events)."""
    if feed.expanded_from is None or feed.expanded_to is None:
        return feed.body is None  # never read well: nothing stored, nothing to expand
    return feed.expanded_from <= start - ZONE_MARGIN and end + ZONE_MARGIN <= feed.expanded_to


def _expanded(
    feed: CalendarFeed, title: str, start: datetime, end: datetime, zone: ZoneInfo
) -> list[Appointment]:
    """A range outside the stored window, expanded from the feed's last good copy, its
    floating times in the zone they were read in."""
    assert feed.body is not None
    try:
        calendar = read_calendar(feed.body)
        occurrences = expand(calendar, start - ZONE_MARGIN, end + ZONE_MARGIN, ZoneInfo(feed.zone))
    except FeedError:
        return []  # the copy was read once; a library that changed its mind shows nothing
    return [
        _appointment(CalendarOccurrence(feed_key=feed.feed_key, **vars(o)), title, zone)
        for o in occurrences
    ]


def _stored(
    session: Session,
    keys: list[str],
    titles: dict[str, str],
    start: datetime,
    end: datetime,
    zone: ZoneInfo,
) -> list[Appointment]:
    rows = session.exec(
        select(CalendarOccurrence)
        .where(
            col(CalendarOccurrence.feed_key).in_(keys),
            col(CalendarOccurrence.start_at) < end + ZONE_MARGIN,
            col(CalendarOccurrence.end_at) > start - ZONE_MARGIN,
        )
        .order_by(col(CalendarOccurrence.start_at))
    )
    return [_appointment(row, titles[row.feed_key], zone) for row in rows]


def feed_state(session: Session, feed_keys: Iterable[str]) -> dict[str, FeedState]:
    """Each feed's last reads, for every key asked (a feed not read yet: no copy)."""
    keys = list(dict.fromkeys(feed_keys))
    feeds = _feeds(session, keys)
    states: dict[str, FeedState] = {}
    for key in keys:
        feed = feeds.get(key)
        if feed is None:
            states[key] = FeedState(key, key, None, None, None, 0, None)
            continue
        states[key] = FeedState(
            feed_key=key,
            title=feed.title or key,
            good_at=feed.good_at,
            checked_at=feed.checked_at,
            error=feed.error,
            failures=feed.failures,
            retry_at=feed.retry_at,
        )
    return states


def new_bookings_since(
    session: Session,
    feed_keys: Sequence[str],
    since: datetime,
    now: datetime,
    zone: ZoneInfo = UTC_ZONE,
) -> list[Appointment]:
    """Events (by UID) these feeds first showed in (since, now] that are not over yet,
    each at its next occurrence, sorted by start; a feed's first read shows none."""
    feeds = _feeds(session, feed_keys)
    if not feeds or since >= now:
        return []
    titles = {key: feed.title or key for key, feed in feeds.items()}
    rows = session.exec(
        select(CalendarOccurrence)
        .join(
            CalendarBookingSeen,
            (col(CalendarBookingSeen.feed_key) == col(CalendarOccurrence.feed_key))
            & (col(CalendarBookingSeen.uid) == col(CalendarOccurrence.uid)),
        )
        .where(
            col(CalendarOccurrence.feed_key).in_(sorted(feeds)),
            col(CalendarBookingSeen.first_seen_at) > since,
            col(CalendarBookingSeen.first_seen_at) <= now,
            ~col(CalendarBookingSeen.baseline),
            col(CalendarOccurrence.end_at) > now - ZONE_MARGIN,
        )
        .order_by(col(CalendarOccurrence.start_at))
    )
    first: dict[tuple[str, str], Appointment] = {}
    for row in rows:
        appointment = _appointment(row, titles[row.feed_key], zone)
        if appointment.end > now:
            first.setdefault((row.feed_key, row.uid), appointment)
    return sorted(first.values(), key=sort_key)
