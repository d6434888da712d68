"""Calendar feeds read from a local HTTP server (and a file) into the stored copy, under a
pinned clock: repeats with EXDATE, a moved and a cancelled occurrence, all-day and
multi-day events, floating times, a cancelled event, the US and EU DST changes in March
and in the autumn; a 304, a feed that times out, one too large, one not iCalendar and one
that is down (its last good copy kept, retried with back-off); new bookings by UID; a
changed address starting afresh; and the address never in a log or an error."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot import clock
from bot.services.agenda.appointments import (
    appointments_between,
    feed_state,
    new_bookings_since,
)
from bot.services.agenda.refresh import refresh_feeds, window
from bot.settings import Settings, load_settings
from store.db import session_scope
from store.models import CalendarBookingSeen, CalendarFeed, CalendarOccurrence
from tests.calendar_feeds import SECRET, FeedServer, Served, calendar, vevent

NY, BERLIN, MANILA = (ZoneInfo(z) for z in ("America/New_York", "Europe/Berlin", "Asia/Manila"))
TEAM = "T0TEAM"
OWN = "user:U0OWNER"
BOOKINGS = "shared:bookings"
MARCH = "2026-03-02T12:00:00Z"  # a Monday; the US changes clocks on 8 March, the EU on 29 March
PATH = f"/calendar/ical/owner%40example.com/{SECRET}/basic.ics"

OWNER_FEED = calendar(
    vevent(
        "weekly@test",
        ";TZID=America/New_York:20260302T090000",
        ";TZID=America/New_York:20260302T100000",
        summary=":Standup",
        rrule=":FREQ=WEEKLY;UNTIL=20261231T235959Z",
        exdate=";TZID=America/New_York:20260316T090000",
    ),
    vevent(
        "weekly@test",
        ";TZID=America/New_York:20260324T110000",
        ";TZID=America/New_York:20260324T120000",
        summary=":Standup (moved to Tuesday)",
        recurrence_id=";TZID=America/New_York:20260323T090000",
    ),
    vevent(
        "weekly@test",
        ";TZID=America/New_York:20260330T090000",
        ";TZID=America/New_York:20260330T100000",
        summary=":Standup",
        status=":CANCELLED",
        recurrence_id=";TZID=America/New_York:20260330T090000",
    ),
    vevent(
        "berlin@test",
        ";TZID=Europe/Berlin:20260316T090000",
        ";TZID=Europe/Berlin:20260316T093000",
        summary=":Berlin sync",
        rrule=":FREQ=WEEKLY;BYDAY=MO",
    ),
    vevent("float@test", ":20260303T080000", ":20260303T083000", summary=":Floating coffee"),
    vevent("trip@test", ";VALUE=DATE:20260305", ";VALUE=DATE:20260308", summary=":Trip"),
    vevent("holiday@test", ";VALUE=DATE:20260304", summary=":Holiday"),
    vevent("gone@test", ":20260304T150000Z", ":20260304T160000Z", status=":CANCELLED"),
    vevent(
        "utc@test",
        ":20260305T150000Z",
        duration=":PT45M",
        summary=":Call\\, with Ann",
        location=":Zoom",
    ),
)


@pytest.fixture
def server() -> Iterator[FeedServer]:
    running = FeedServer().start()
    yield running
    running.stop()


def settings_for(tmp_path: Path, database_url: str, text: str) -> Settings:
    path = tmp_path / "vadesk.toml"
    path.write_text(
        '[workspace]\ntimezone = "America/New_York"\n[users.U0OWNER]\ntimezone = '
        f'"America/New_York"\n{text}',
        encoding="utf-8",
    )
    return load_settings(
        {"VADESK_CONFIG": str(path), "DATABASE_URL": database_url}, load_dotenv_file=False
    )


@pytest.fixture
def owner(tmp_path, database_url, server) -> Settings:
    """The owner's calendar at a Google-like secret address, served with validators."""
    server.feeds[PATH] = Served(
        OWNER_FEED, etag='"v1"', last_modified="Mon, 02 Mar 2026 11:00:00 GMT"
    )
    return settings_for(tmp_path, database_url, f'calendar = "{server.url(PATH)}"\n')


def refresh(engine, settings: Settings, at: str, force: bool = False) -> dict[str, object]:
    clock.set_now(at)
    return {r.key: r for r in refresh_feeds(engine, settings, TEAM, clock.now(), force=force)}


def between(engine, keys, start: datetime, end: datetime, zone=NY):
    with session_scope(engine) as session:
        return appointments_between(session, keys, start, end, zone)


def local(zone: ZoneInfo, text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=zone).astimezone(UTC)


def state(engine, key: str):
    with session_scope(engine) as session:
        return feed_state(session, [key])[key]


def occurrence_ids(engine) -> list[int]:
    with session_scope(engine) as session:
        return sorted(session.exec(select(CalendarOccurrence.id)))


def test_repeats_moves_cancellations_and_dst_in_march(engine, owner) -> None:
    (read,) = refresh(engine, owner, MARCH).values()
    assert read.outcome == "read" and SECRET not in read.shown
    found = between(engine, [OWN], local(NY, "2026-03-01T00:00"), local(NY, "2026-04-08T00:00"))
    standups = [a for a in found if a.uid == "weekly@test"]
    # 9:00 in New York before and after the 8 March change (14:00 then 13:00 UTC); the
    # 16th left out (EXDATE), the 23rd moved to Tuesday 11:00, the 30th cancelled.
    assert [(a.start.astimezone(NY).strftime("%m-%d %H:%M"), a.summary) for a in standups] == [
        ("03-02 09:00", "Standup"),
        ("03-09 09:00", "Standup"),
        ("03-24 11:00", "Standup (moved to Tuesday)"),
        ("04-06 09:00", "Standup"),
    ]
    assert [a.start.hour for a in standups] == [14, 13, 15, 13]
    moved = standups[2]
    assert moved.recurrence_id == "2026-03-23T13:00:00+00:00"  # the original start
    assert len({a.recurrence_id for a in standups}) == 4 and all(a.recurrence_id for a in standups)
    # Berlin's 9:00 is 08:00 UTC until 29 March, 07:00 after.
    berlin = [a for a in found if a.uid == "berlin@test"]
    assert [a.start.astimezone(BERLIN).hour for a in berlin] == [9, 9, 9, 9]
    assert [a.start.hour for a in berlin] == [8, 8, 7, 7]
    assert "gone@test" not in {a.uid for a in found}  # a cancelled event is not stored
    with session_scope(engine) as session:
        statuses = set(session.exec(select(CalendarOccurrence.status)))
    assert statuses == {"CONFIRMED"}


def test_floating_all_day_multi_day_and_durations(engine, owner) -> None:
    refresh(engine, owner, MARCH)
    week = between(engine, [OWN], local(NY, "2026-03-03T00:00"), local(NY, "2026-03-09T00:00"))
    by_uid = {a.uid: a for a in week}
    floating = by_uid["float@test"]  # no zone: the owner's wall clock, 8:00 in New York
    assert floating.start == local(NY, "2026-03-03T08:00") and floating.recurrence_id == ""
    call = by_uid["utc@test"]
    assert (call.summary, call.location) == ("Call, with Ann", "Zoom")
    assert call.end - call.start == timedelta(minutes=45)
    trip = by_uid["trip@test"]  # DTEND is exclusive: the 5th, 6th and 7th
    assert trip.all_day and trip.start == local(NY, "2026-03-05T00:00")
    assert trip.end == local(NY, "2026-03-08T00:00")
    holiday = by_uid["holiday@test"]  # no DTEND: one day
    assert holiday.end - holiday.start == timedelta(days=1)
    # In Manila the trip spans Manila's days 5-7, and the 8th shows no trip.
    manila_8th = between(
        engine, [OWN], local(MANILA, "2026-03-08T00:00"), local(MANILA, "2026-03-09T00:00"), MANILA
    )
    assert "trip@test" not in {a.uid for a in manila_8th}
    manila_7th = between(
        engine, [OWN], local(MANILA, "2026-03-07T00:00"), local(MANILA, "2026-03-08T00:00"), MANILA
    )
    (trip_manila,) = [a for a in manila_7th if a.uid == "trip@test"]
    assert trip_manila.end == local(MANILA, "2026-03-08T00:00")


def test_the_autumn_changes_outside_the_window_and_inside_it(engine, owner, server) -> None:
    refresh(engine, owner, MARCH)
    autumn = (local(NY, "2026-10-18T00:00"), local(NY, "2026-11-10T00:00"))
    # Outside the stored window: expanded from the stored copy.
    far = between(engine, [OWN], *autumn)
    ny = [a.start for a in far if a.uid == "weekly@test"]
    assert [t.astimezone(NY).hour for t in ny] == [9, 9, 9, 9]
    assert [t.hour for t in ny] == [13, 13, 14, 14]  # the US changes on 1 November
    berlin = [a.start for a in far if a.uid == "berlin@test"]
    assert [t.astimezone(BERLIN).hour for t in berlin] == [9, 9, 9, 9]
    assert [t.hour for t in berlin] == [7, 8, 8, 8]  # the EU changes on 25 October
    # In October the window moves there: the same occurrences, now stored.
    reads = refresh(engine, owner, "2026-10-15T12:00:00Z")
    assert reads[OWN].outcome == "unchanged"  # a 304, re-expanded for the new window
    with session_scope(engine) as session:
        row = session.exec(select(CalendarFeed)).one()
        assert row.expanded_from == window(clock.now())[0]
    assert between(engine, [OWN], *autumn) == far


def test_an_unchanged_feed_is_a_304_and_keeps_its_copy(engine, owner, server) -> None:
    refresh(engine, owner, MARCH)
    first = state(engine, OWN)
    stored = occurrence_ids(engine)
    assert refresh(engine, owner, "2026-03-02T12:05:00Z") == {}  # not due before 10 minutes
    reads = refresh(engine, owner, "2026-03-02T12:10:00Z")
    assert reads[OWN].outcome == "unchanged"
    _path, headers = server.requests[-1]
    assert headers["If-None-Match"] == '"v1"'
    assert headers["If-Modified-Since"] == "Mon, 02 Mar 2026 11:00:00 GMT"
    assert len(server.requests) == 2
    assert occurrence_ids(engine) == stored  # nothing expanded or written again
    again = state(engine, OWN)
    assert again.good_at == clock.now() > first.good_at and not again.stale
    assert (
        len(between(engine, [OWN], local(NY, "2026-03-02T00:00"), local(NY, "2026-03-03T00:00")))
        == 1
    )


def test_a_feed_that_is_down_keeps_its_last_good_copy(engine, owner, server, caplog) -> None:
    caplog.set_level(logging.INFO)
    refresh(engine, owner, MARCH)
    server.feeds[PATH] = Served(b"busy", status=503, headers={"Retry-After": "120"})
    reads = refresh(engine, owner, "2026-03-02T12:10:00Z")
    assert reads[OWN].outcome == "failed"
    assert reads[OWN].detail == "could not be read: its server answered 503 Service Unavailable"
    down = state(engine, OWN)
    assert down.stale and down.failures == 1 and down.good_at == clock.parse_instant(MARCH)
    assert down.retry_at == clock.now() + timedelta(minutes=2)  # Retry-After over the first minute
    assert down.age(clock.now()) == timedelta(minutes=10)
    monday = (local(NY, "2026-03-02T00:00"), local(NY, "2026-03-03T00:00"))
    assert [a.uid for a in between(engine, [OWN], *monday)] == ["weekly@test"]
    # Back-off: not read again before retry_at, then 1, 2, 4 minutes... after failures.
    assert refresh(engine, owner, "2026-03-02T12:11:00Z") == {}
    server.feeds[PATH] = Served(b"gone", status=500)
    refresh(engine, owner, "2026-03-02T12:12:00Z")
    assert state(engine, OWN).retry_at == clock.now() + timedelta(minutes=2)
    refresh(engine, owner, "2026-03-02T12:14:00Z")
    assert state(engine, OWN).retry_at == clock.now() + timedelta(minutes=4)
    # It comes back: read at its retry, the failures forgotten.
    server.feeds[PATH] = Served(OWNER_FEED, etag='"v2"')
    assert refresh(engine, owner, "2026-03-02T12:18:00Z")[OWN].outcome == "read"
    back = state(engine, OWN)
    assert (back.failures, back.error, back.retry_at, back.stale) == (0, None, None, False)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "503 Service Unavailable" in logged and "http://127.0.0.1" in logged
    assert SECRET not in logged and "owner%40" not in logged


@pytest.mark.parametrize(
    ("served", "reason"),
    [
        (
            Served(b"<!DOCTYPE html><html>Sign in</html>", content_type="text/html"),
            "is not an iCalendar file (it starts with '<!DOCTYPE html><html>Sign in</')",
        ),
        (Served(b""), "is not an iCalendar file (it is empty)"),
        (Served(b"BEGIN:VCALENDAR\r\nnot a line\r\n"), "is not a valid iCalendar file"),
        (
            Served(calendar(vevent("x", ":20260302T090000Z")) + b" " * (1024 * 1024)),
            "is 1.0 MB; at most 1.0 MB is read ([calendars] max_feed_megabytes)",
        ),
        (
            Served(b"BEGIN:VCALENDAR\r\n" + b"X" * (1024 * 1024 + 1), length=False),
            "is larger than that; at most 1.0 MB is read",
        ),
        (
            Served(b"BEGIN:VCALENDAR\r\n" + b"\r\n" * (1024 * 1024), gzip=True),
            "is larger than that; at most 1.0 MB is read",
        ),
        (Served(b"", status=404), "is not at its address any more (404 Not Found)"),
        (Served(b"", status=403), "was refused by its server (403 Forbidden): the secret address"),
        (
            Served(OWNER_FEED, delay=3),
            "did not answer within 1 seconds ([calendars] timeout_seconds)",
        ),
    ],
    ids=[
        "html",
        "empty",
        "garbled",
        "too-large",
        "too-large-unannounced",
        "gzip-bomb",
        "not-found",
        "refused",
        "times-out",
    ],
)
def test_a_bad_feed_is_named_with_why(
    engine, tmp_path, database_url, server, served, reason, caplog
) -> None:
    caplog.set_level(logging.WARNING)
    good = f"{server.url('/good.ics')}"
    server.feeds["/good.ics"] = Served(OWNER_FEED)
    server.feeds[PATH] = served
    settings = settings_for(
        tmp_path,
        database_url,
        f'calendar = "{server.url(PATH, "token=s3cr3t")}"\n'
        "[calendars]\nmax_feed_megabytes = 1\ntimeout_seconds = 1\n"
        f'[calendars.bookings]\nurl = "{good}"\n',
    )
    reads = refresh(engine, settings, MARCH)
    assert reads[OWN].outcome == "failed" and reads[OWN].detail.startswith(reason)
    assert reads[BOOKINGS].outcome == "read"  # a broken feed never stops the others
    failed = state(engine, OWN)
    assert failed.error == reads[OWN].detail and failed.good_at is None
    assert failed.retry_at == clock.now() + timedelta(minutes=1)
    for text in [failed.error, *(r.getMessage() for r in caplog.records)]:
        assert SECRET not in text and "s3cr3t" not in text


def test_new_bookings_by_uid_after_the_first_read(engine, tmp_path, database_url, server) -> None:
    server.feeds["/bookings.ics"] = Served(
        calendar(vevent("a@b", ":20260303T150000Z", ":20260303T153000Z"))
    )
    settings = settings_for(
        tmp_path,
        database_url,
        f'[calendars.bookings]\nurl = "{server.url("/bookings.ics")}"\ntitle = "Bookings"\n',
    )
    first_read = clock.parse_instant(MARCH)
    refresh(engine, settings, MARCH)
    with session_scope(engine) as session:
        assert (
            new_bookings_since(session, [BOOKINGS], first_read - timedelta(days=1), first_read)
            == []
        )
    booked = vevent("new@b", ":20260304T150000Z", ":20260304T160000Z", summary=":Consult with Ann")
    server.feeds["/bookings.ics"] = Served(calendar(vevent("a@b", ":20260303T150000Z"), booked))
    refresh(engine, settings, "2026-03-02T13:00:00Z")
    with session_scope(engine) as session:
        (new,) = new_bookings_since(session, [BOOKINGS], first_read, clock.now())
        seen = session.exec(select(CalendarBookingSeen).order_by(CalendarBookingSeen.uid)).all()
    assert (new.uid, new.summary, new.calendar) == ("new@b", "Consult with Ann", "Bookings")
    assert [(s.uid, s.baseline) for s in seen] == [("a@b", True), ("new@b", False)]


def test_a_changed_address_starts_afresh(engine, tmp_path, database_url, server) -> None:
    server.feeds["/one.ics"] = Served(calendar(vevent("one@x", ":20260303T150000Z")), etag='"1"')
    server.feeds["/two.ics"] = Served(calendar(vevent("two@x", ":20260303T150000Z")))
    one = settings_for(tmp_path, database_url, f'calendar = "{server.url("/one.ics")}"\n')
    refresh(engine, one, MARCH)
    two = settings_for(tmp_path, database_url, f'calendar = "{server.url("/two.ics")}"\n')
    reads = refresh(engine, two, "2026-03-02T12:01:00Z")  # not waiting for the interval
    assert reads[OWN].outcome == "read"
    assert "If-None-Match" not in server.requests[-1][1]  # the old validators are not sent
    with session_scope(engine) as session:
        assert [s.baseline for s in session.exec(select(CalendarBookingSeen))] == [True]
        assert set(session.exec(select(CalendarOccurrence.uid))) == {"two@x"}


def test_a_file_is_read_again_only_when_it_changed(engine, tmp_path, database_url) -> None:
    path = tmp_path / "cal" / "me.ics"
    path.parent.mkdir()
    path.write_bytes(calendar(vevent("file@x", ":20260303T150000Z", ":20260303T160000Z")))
    settings = settings_for(tmp_path, database_url, 'calendar = "cal/me.ics"\n')
    assert refresh(engine, settings, MARCH)[OWN].outcome == "read"
    assert refresh(engine, settings, "2026-03-02T12:10:00Z")[OWN].outcome == "unchanged"
    path.write_bytes(calendar(vevent("file@x", ":20260303T170000Z", ":20260303T180000Z")))
    assert refresh(engine, settings, "2026-03-02T12:20:00Z")[OWN].outcome == "read"
    (moved,) = between(engine, [OWN], local(NY, "2026-03-03T00:00"), local(NY, "2026-03-04T00:00"))
    assert moved.start.hour == 17
    path.unlink()
    reads = refresh(engine, settings, "2026-03-02T12:30:00Z")
    assert reads[OWN].detail == "file does not exist"
    assert (
        len(between(engine, [OWN], local(NY, "2026-03-03T00:00"), local(NY, "2026-03-04T00:00")))
        == 1
    )


def test_two_processes_refreshing_at_once_store_one_copy(engine, owner, server) -> None:
    clock.set_now(MARCH)
    start = threading.Barrier(3)

    def one_refresh() -> list:
        start.wait()
        return refresh_feeds(engine, owner, TEAM, clock.now(), force=True)

    with ThreadPoolExecutor(max_workers=3) as pool:
        runs = [pool.submit(one_refresh) for _ in range(3)]
        outcomes = [read.outcome for run in runs for read in run.result()]
    assert outcomes.count("failed") == 0 and "read" in outcomes
    with session_scope(engine) as session:
        rows = session.exec(select(CalendarOccurrence)).all()
        seen = session.exec(select(CalendarBookingSeen.uid)).all()
        assert len(session.exec(select(CalendarFeed)).all()) == 1
    keys = [(o.uid, o.recurrence_id, o.start_at) for o in rows]
    assert len(keys) == len(set(keys))  # each occurrence once
    assert sorted(seen) == sorted(set(seen))
