"""Feeds as Outlook and Google write them, expanded without a database: Outlook's Windows
zone names with their VTIMEZONE, Google's X-WR-TIMEZONE over UTC times (a weekly 9:00 in
Berlin stays 9:00 across the EU change), RDATE, a floating time in each owner's zone, an
event with no end, and what is not a calendar."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.services.agenda.fetch import FeedError
from bot.services.agenda.ical import expand, read_calendar, uids
from tests.calendar_feeds import calendar, vevent

NY, BERLIN, MANILA = (ZoneInfo(z) for z in ("America/New_York", "Europe/Berlin", "Asia/Manila"))
MARCH = (datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 8, tzinfo=UTC))

OUTLOOK_ZONE = "\r\n".join(
    [
        "BEGIN:VTIMEZONE",
        "TZID:Eastern Standard Time",
        "BEGIN:STANDARD",
        "DTSTART:16010101T020000",
        "TZOFFSETFROM:-0400",
        "TZOFFSETTO:-0500",
        "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=1SU;BYMONTH=11",
        "END:STANDARD",
        "BEGIN:DAYLIGHT",
        "DTSTART:16010101T020000",
        "TZOFFSETFROM:-0500",
        "TZOFFSETTO:-0400",
        "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=2SU;BYMONTH=3",
        "END:DAYLIGHT",
        "END:VTIMEZONE",
    ]
)


def test_outlook_windows_zone_names_keep_nine_oclock_across_dst() -> None:
    feed = calendar(
        OUTLOOK_ZONE,
        vevent(
            "040000008200E00074C5B7101A82E008",
            ";TZID=Eastern Standard Time:20260302T090000",
            ";TZID=Eastern Standard Time:20260302T093000",
            rrule=":FREQ=WEEKLY;COUNT=3",
        ),
    )
    found = expand(read_calendar(feed), *MARCH, NY)
    assert [o.start_at.astimezone(NY).hour for o in found] == [9, 9, 9]
    assert [o.start_at.hour for o in found] == [14, 13, 13]  # the US change on 8 March


def test_google_x_wr_timezone_over_utc_times() -> None:
    feed = calendar(
        vevent(
            "g@google.com", ":20260316T080000Z", ":20260316T090000Z", rrule=":FREQ=WEEKLY;COUNT=3"
        ),
        extra="X-WR-TIMEZONE:Europe/Berlin",
    )
    found = expand(read_calendar(feed), *MARCH, NY)
    # Written as 08:00 UTC in Berlin's winter; read as Berlin's 9:00, so after the
    # 29 March change it is 07:00 UTC, not an hour late.
    assert [o.start_at.astimezone(BERLIN).hour for o in found] == [9, 9, 9]
    assert [o.start_at.hour for o in found] == [8, 8, 7]


def test_rdate_adds_occurrences_each_with_its_original_start() -> None:
    feed = calendar(
        vevent(
            "r@x",
            ";TZID=America/New_York:20260302T090000",
            ";TZID=America/New_York:20260302T100000",
            rdate=";TZID=America/New_York:20260310T150000",
        )
    )
    found = expand(read_calendar(feed), *MARCH, NY)
    assert [(o.start_at.astimezone(NY).strftime("%d %H"), o.recurrence_id) for o in found] == [
        ("02 09", "2026-03-02T14:00:00+00:00"),
        ("10 15", "2026-03-10T19:00:00+00:00"),
    ]


@pytest.mark.parametrize(("zone", "hour"), [(NY, 13), (MANILA, 0)])
def test_a_floating_time_is_the_owners_wall_clock(zone: ZoneInfo, hour: int) -> None:
    feed = calendar(vevent("f@x", ":20260303T080000", ":20260303T090000"))
    (found,) = expand(read_calendar(feed), *MARCH, zone)
    assert found.start_at.astimezone(zone).hour == 8 and found.start_at.hour == hour


def test_an_event_with_no_end_and_an_instant() -> None:
    feed = calendar(vevent("i@x", ":20260303T150000Z"), vevent("d@x", ";VALUE=DATE:20260304"))
    instant, day = expand(read_calendar(feed), *MARCH, NY)
    assert instant.start_at == instant.end_at == datetime(2026, 3, 3, 15, tzinfo=UTC)
    assert day.all_day and day.first_day == day.last_day
    assert uids(read_calendar(feed)) == {"i@x", "d@x"}


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (
            b"<html>Sign in</html>",
            "is not an iCalendar file (it starts with '<html>Sign in</html>')",
        ),
        (b"   ", "is not an iCalendar file (it is empty)"),
        (b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n", "is not a valid iCalendar file"),
    ],
)
def test_what_is_not_a_calendar_is_said(body: bytes, reason: str) -> None:
    with pytest.raises(FeedError) as refused:
        read_calendar(body)
    assert str(refused.value).startswith(reason)
