"""The appointments read from the stored copy of each feed (rows the test inserts, as a
refresh stores them): what overlaps a range, all-day events over the days of the zone
asked for, each feed's state with its age, and new bookings by UID since an instant."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.services.agenda.appointments import (
    appointments_between,
    feed_state,
    new_bookings_since,
)
from store.db import session_scope
from store.models import CalendarBookingSeen, CalendarFeed, CalendarOccurrence

NEW_YORK = ZoneInfo("America/New_York")
MANILA = ZoneInfo("Asia/Manila")
UTC_ZONE = ZoneInfo("UTC")
MONDAY = datetime(2026, 11, 30, tzinfo=UTC)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def timed(feed: str, uid: str, start: str, end: str, summary: str = "", rid: str = ""):
    return CalendarOccurrence(
        feed_key=feed,
        uid=uid,
        recurrence_id=rid,
        start_at=at(start),
        end_at=at(end),
        summary=summary or uid,
        location="Room 1",
    )


def all_day(feed: str, uid: str, first: str, last: str) -> CalendarOccurrence:
    first_day, last_day = date.fromisoformat(first), date.fromisoformat(last)
    return CalendarOccurrence(
        feed_key=feed,
        uid=uid,
        start_at=datetime.combine(first_day, datetime.min.time(), UTC),
        end_at=datetime.combine(last_day + timedelta(days=1), datetime.min.time(), UTC),
        all_day=True,
        first_day=first_day,
        last_day=last_day,
        summary=uid,
    )


def feed(key: str, title: str, **values) -> CalendarFeed:
    return CalendarFeed(feed_key=key, source_fingerprint="0" * 64, title=title, **values)


def seed(engine, *rows) -> None:
    with session_scope(engine) as session:
        session.add_all(rows)


def between(engine, keys, start: str, end: str, zone=UTC_ZONE) -> list:
    with session_scope(engine) as session:
        return appointments_between(session, keys, at(start), at(end), zone)


def test_what_overlaps_the_range_sorted_by_start(engine) -> None:
    seed(
        engine,
        feed("user:U0OWNER", "Olivia's calendar", good_at=MONDAY),
        feed("shared:bookings", "Bookings", good_at=MONDAY),
        timed("user:U0OWNER", "late", "2026-11-30T16:00", "2026-11-30T17:00"),
        timed("user:U0OWNER", "early", "2026-11-30T13:00", "2026-11-30T14:30"),
        timed("user:U0OWNER", "over-before", "2026-11-30T12:00", "2026-11-30T13:00"),
        timed("user:U0OWNER", "after", "2026-11-30T18:00", "2026-11-30T19:00"),
        timed("shared:bookings", "call", "2026-11-30T14:00", "2026-11-30T14:15", "Call Ann"),
        timed("shared:other", "not-asked", "2026-11-30T14:00", "2026-11-30T15:00"),
    )
    found = between(
        engine, ["user:U0OWNER", "shared:bookings"], "2026-11-30T13:00", "2026-11-30T18:00"
    )
    assert [(a.uid, a.calendar) for a in found] == [
        ("early", "Olivia's calendar"),
        ("call", "Bookings"),
        ("late", "Olivia's calendar"),
    ]
    call = found[1]
    assert (call.summary, call.location, call.all_day, call.recurrence_id) == (
        "Call Ann",
        "Room 1",
        False,
        "",
    )
    assert call.start == at("2026-11-30T14:00") and call.start.tzinfo is not None
    assert between(engine, ["user:U0OWNER"], "2026-11-30T15:00", "2026-11-30T15:00") == []
    assert between(engine, [], "2026-11-30T00:00", "2026-12-01T00:00") == []
    assert between(engine, ["user:U0NOBODY"], "2026-11-30T00:00", "2026-12-01T00:00") == []


def test_occurrences_of_a_repeat_are_told_apart(engine) -> None:
    seed(
        engine,
        feed("user:U0OWNER", "Olivia's calendar"),
        timed(
            "user:U0OWNER",
            "weekly",
            "2026-11-30T14:00",
            "2026-11-30T15:00",
            rid="2026-11-30T14:00:00+00:00",
        ),
        timed(
            "user:U0OWNER",
            "weekly",
            "2026-12-08T16:00",
            "2026-12-08T17:00",
            rid="2026-12-07T14:00:00+00:00",
        ),
    )
    found = between(engine, ["user:U0OWNER"], "2026-11-29T00:00", "2026-12-14T00:00")
    assert [(a.start.day, a.recurrence_id[:10]) for a in found] == [
        (30, "2026-11-30"),
        (8, "2026-12-07"),
    ]


def test_an_all_day_event_spans_its_days_where_it_is_looked_at(engine) -> None:
    seed(
        engine,
        feed("user:U0OWNER", "Olivia's calendar"),
        all_day("user:U0OWNER", "trip", "2026-12-01", "2026-12-03"),  # three days
        all_day("user:U0OWNER", "holiday", "2026-11-30", "2026-11-30"),
    )
    # Tuesday in Manila (UTC+8) starts Monday 16:00 UTC: the trip starts then, not at 00:00 UTC.
    tuesday_manila = ("2026-11-30T16:00", "2026-12-01T16:00")
    (trip,) = between(engine, ["user:U0OWNER"], *tuesday_manila, zone=MANILA)
    assert trip.all_day and trip.uid == "trip"
    assert trip.start == at("2026-11-30T16:00") and trip.end == at("2026-12-03T16:00")
    # Monday in New York (UTC-5): the holiday, and not the trip that starts on Tuesday.
    monday_ny = ("2026-11-30T05:00", "2026-12-01T05:00")
    (holiday,) = between(engine, ["user:U0OWNER"], *monday_ny, zone=NEW_YORK)
    assert holiday.uid == "holiday" and holiday.start == at("2026-11-30T05:00")
    # Thursday in New York: the trip ended with Wednesday.
    assert between(engine, ["user:U0OWNER"], "2026-12-04T05:00", "2026-12-05T05:00", NEW_YORK) == []


def test_feed_state_says_how_old_the_copy_is(engine) -> None:
    seed(
        engine,
        feed("user:U0OWNER", "Olivia's calendar", good_at=MONDAY, checked_at=MONDAY),
        feed(
            "shared:bookings",
            "Bookings",
            good_at=MONDAY - timedelta(hours=3),
            checked_at=MONDAY,
            error="the feed did not answer within 10 seconds",
            failures=2,
            retry_at=MONDAY + timedelta(minutes=20),
        ),
        feed("shared:new", "New", error="the feed is not an iCalendar file", failures=1),
    )
    with session_scope(engine) as session:
        states = feed_state(session, ["shared:bookings", "user:U0OWNER", "shared:new", "user:U0X"])
    assert list(states) == ["shared:bookings", "user:U0OWNER", "shared:new", "user:U0X"]
    bookings, own, new, unknown = states.values()
    assert not own.stale and own.age(MONDAY + timedelta(minutes=5)) == timedelta(minutes=5)
    assert bookings.stale and bookings.failures == 2
    assert bookings.age(MONDAY) == timedelta(hours=3)
    assert bookings.error == "the feed did not answer within 10 seconds"
    assert bookings.retry_at == MONDAY + timedelta(minutes=20)
    assert new.stale and new.age(MONDAY) is None and new.title == "New"
    assert unknown.stale and unknown.good_at is None and unknown.error is None


def test_new_bookings_are_the_uids_first_seen_since(engine) -> None:
    key = "shared:bookings"
    last_morning = at("2026-11-29T13:00")
    now = at("2026-11-30T13:00")
    seen = [
        ("baseline", at("2026-11-29T20:00"), True),  # the feed's first read: not new
        ("before", at("2026-11-29T12:00"), False),  # seen before the last morning
        ("booked", at("2026-11-29T22:00"), False),
        ("repeat", at("2026-11-30T02:00"), False),
        ("over", at("2026-11-30T03:00"), False),  # booked, but already over
        ("later", at("2026-11-30T14:00"), False),  # after now
    ]
    seed(
        engine,
        feed(key, "Bookings"),
        *[
            CalendarBookingSeen(feed_key=key, uid=u, first_seen_at=t, baseline=b)
            for u, t, b in seen
        ],
        timed(key, "baseline", "2026-12-01T15:00", "2026-12-01T16:00"),
        timed(key, "before", "2026-12-01T15:00", "2026-12-01T16:00"),
        timed(key, "booked", "2026-12-02T15:00", "2026-12-02T16:00", "Consult with Ann"),
        timed(key, "repeat", "2026-12-07T15:00", "2026-12-07T16:00", rid="2"),
        timed(key, "repeat", "2026-11-30T15:00", "2026-11-30T16:00", rid="1"),
        timed(key, "over", "2026-11-30T08:00", "2026-11-30T09:00"),
        timed(key, "later", "2026-12-03T15:00", "2026-12-03T16:00"),
        timed("shared:other", "booked", "2026-12-02T15:00", "2026-12-02T16:00"),
    )
    with session_scope(engine) as session:
        found = new_bookings_since(session, [key], last_morning, now)
        assert new_bookings_since(session, [key], now, now) == []
        assert new_bookings_since(session, [], last_morning, now) == []
    assert [(a.uid, a.recurrence_id) for a in found] == [("repeat", "1"), ("booked", "")]
    assert found[1].summary == "Consult with Ann" and found[1].calendar == "Bookings"
