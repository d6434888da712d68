"""`/agenda` from real iCalendar files, read by the calendars refresh and shown through
the real app: a weekly meeting across the US DST change (still 09:30 local), an EXDATE,
a moved occurrence, a cancelled event, an all-day trip, and a floating time that is
09:00 wherever the calendar's owner is (New York for one owner, Manila for the other)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot import clock
from bot.services.agenda.refresh import refresh_feeds
from tests.agenda_world import AgendaWorld, agenda_toml
from tests.conftest import CONFIG_TOML, TEAM

CALENDAR = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//VA Desk tests//EN
BEGIN:VEVENT
UID:standup@test
DTSTART;TZID=America/New_York:20261026T093000
DTEND;TZID=America/New_York:20261026T100000
RRULE:FREQ=WEEKLY;BYDAY=MO
EXDATE;TZID=America/New_York:20261207T093000
SUMMARY:Weekly standup
END:VEVENT
BEGIN:VEVENT
UID:standup@test
RECURRENCE-ID;TZID=America/New_York:20261214T093000
DTSTART;TZID=America/New_York:20261214T113000
DTEND;TZID=America/New_York:20261214T120000
SUMMARY:Weekly standup (moved)
END:VEVENT
BEGIN:VEVENT
UID:cancelled@test
DTSTART:20261130T190000Z
DTEND:20261130T200000Z
STATUS:CANCELLED
SUMMARY:Cancelled call
END:VEVENT
BEGIN:VEVENT
UID:trip@test
DTSTART;VALUE=DATE:20261130
DTEND;VALUE=DATE:20261202
SUMMARY:Trip to Boston
END:VEVENT
BEGIN:VEVENT
UID:floating@test
DTSTART:20261201T090000
DTEND:20261201T093000
SUMMARY:Morning review
END:VEVENT
END:VCALENDAR
"""


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    for name in ("olivia.ics", "maria.ics"):
        (tmp_path / name).write_text(CALENDAR.replace("\n", "\r\n"), encoding="utf-8")
    path = tmp_path / "vadesk.toml"
    path.write_text(agenda_toml(CONFIG_TOML, tmp_path), encoding="utf-8")
    return path


@pytest.fixture
def world(live_app) -> AgendaWorld:
    live_app.fake.add_user("U0MANILA", tz="Asia/Manila", real_name="Maria")
    world = AgendaWorld(live_app.engine, live_app.settings)
    reads = refresh_feeds(live_app.engine, live_app.settings, TEAM, clock.now(), force=True)
    assert len(reads) == 2
    return world


def shown(reply: dict) -> str:
    return reply.get("text", "") + json.dumps(reply.get("blocks", []), ensure_ascii=False)


def test_monday_in_new_york_from_the_file(live_app, world) -> None:
    monday = shown(live_app.command("/agenda", "", user="U0OWNER"))
    assert "Weekly standup" in monday and "|09:30>" in monday  # not 08:30 after the change
    assert "Trip to Boston" in monday and "All day, to Tue 2026-12-01" in monday
    assert "Cancelled call" not in monday


def test_the_exdate_and_the_moved_occurrence(live_app, world) -> None:
    skipped = shown(live_app.command("/agenda", "2026-12-07", user="U0OWNER"))
    assert "Weekly standup" not in skipped and "Nothing on." in skipped
    moved = shown(live_app.command("/agenda", "2026-12-14", user="U0OWNER"))
    assert "Weekly standup (moved)" in moved and "|11:30>" in moved
    assert moved.count("Weekly standup") == 1  # the moved one instead of the 09:30


def test_a_floating_time_is_the_owners_own_nine_oclock(live_app, world) -> None:
    olivia = shown(live_app.command("/agenda", "tomorrow", user="U0OWNER"))
    maria = shown(live_app.command("/agenda", "tomorrow", user="U0MANILA"))
    assert "Morning review" in olivia and "|09:00>" in olivia
    assert "Morning review" in maria and "|09:00>" in maria
    # The same words, two instants: 14:00 UTC in New York, 01:00 UTC in Manila.
    assert "<!date^1796133600^{time}|09:00>" in olivia
    assert "<!date^1796086800^{time}|09:00>" in maria
