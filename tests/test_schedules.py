"""The schedule grammar and the slots it gives in a calendar: own time zones, DST,
holidays, weekends, hourly checks, fixed times moved into working hours."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.services.schedules import (
    Calendar,
    ScheduleError,
    next_slot,
    parse_schedule,
    slots_between,
)

WEEKDAYS = (0, 1, 2, 3, 4)


def calendar(zone: str, start=time(9), end=time(17), holidays=()) -> Calendar:
    return Calendar(ZoneInfo(zone), start, end, WEEKDAYS, frozenset(holidays))


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def slot_times(schedule: str, cal: Calendar, since: str, until: str) -> list[datetime]:
    return [s.at for s in slots_between(parse_schedule(schedule), cal, utc(since), utc(until))]


@pytest.mark.parametrize(
    ("text", "kind", "days", "at"),
    [
        ("workday start", "start", (), None),
        ("Workday  End", "end", (), None),
        ("hourly", "hourly", (), None),
        ("daily 16:45", "weekly", tuple(range(7)), time(16, 45)),
        ("fri 15:00", "weekly", (4,), time(15)),
        ("mon,thursday 9:30", "weekly", (0, 3), time(9, 30)),
        ("monthly 10:00", "monthly", (), time(10)),
    ],
)
def test_the_grammar_reads_each_form(text, kind, days, at):
    schedule = parse_schedule(text)
    assert (schedule.kind, schedule.days, schedule.at) == (kind, days, at)


@pytest.mark.parametrize("text", ["", "at dawn", "fri", "funday 10:00", "fri 24:00", "daily 9"])
def test_the_grammar_refuses_what_it_cannot_read(text):
    with pytest.raises(ScheduleError):
        parse_schedule(text)


def test_manila_and_new_york_each_start_their_own_day():
    manila, new_york = calendar("Asia/Manila"), calendar("America/New_York")
    # Monday 2026-11-30: 09:00 in Manila is 01:00 UTC; 09:00 in New York is 14:00 UTC.
    window = ("2026-11-29 12:00", "2026-11-30 23:59")
    assert slot_times("workday start", manila, *window) == [utc("2026-11-30 01:00")]
    assert slot_times("workday start", new_york, *window) == [utc("2026-11-30 14:00")]


def test_a_dst_change_keeps_the_local_time():
    new_york = calendar("America/New_York")
    # Clocks fell back on Sunday 2026-11-01: Friday 09:00 EDT, Monday 09:00 EST.
    found = slot_times("workday start", new_york, "2026-10-30 00:00", "2026-11-03 00:00")
    assert found == [utc("2026-10-30 13:00"), utc("2026-11-02 14:00")]


def test_weekends_and_holidays_have_no_slots():
    new_york = calendar("America/New_York", holidays=[date(2026, 12, 25)])
    # Thu 24, Fri 25 (holiday), Sat 26, Sun 27, Mon 28.
    found = slot_times("workday end", new_york, "2026-12-24 00:00", "2026-12-29 00:00")
    assert found == [utc("2026-12-24 21:30"), utc("2026-12-28 21:30")]


def test_hourly_checks_fall_inside_the_working_day_each_closing_at_the_next():
    new_york = calendar("America/New_York")
    slots = slots_between(
        parse_schedule("hourly"), new_york, utc("2026-11-30 00:00"), utc("2026-12-01 00:00")
    )
    local = [s.at.astimezone(new_york.zone).time() for s in slots]
    assert local == [time(h) for h in range(10, 17)]
    assert slots[0].closes_at == slots[1].at and slots[-1].closes_at == utc("2026-11-30 22:00")


def test_a_fixed_time_outside_working_hours_moves_inside_them():
    evening = calendar("America/New_York", start=time(20), end=time(23, 59))
    # "fri 15:00" for someone who works 20:00-23:59: at the start of their day.
    found = slot_times("fri 15:00", evening, "2026-12-04 00:00", "2026-12-05 12:00")
    assert found == [utc("2026-12-05 01:00")]  # Fri 20:00 EST
    # "daily 23:50": moved to the last half hour, 23:29.
    late = slot_times("daily 23:50", evening, "2026-12-04 12:00", "2026-12-05 12:00")
    assert late == [utc("2026-12-05 04:29")]


def test_monthly_is_the_first_working_day():
    new_york = calendar("America/New_York", holidays=[date(2027, 1, 1)])
    # 2027-01-01 is a holiday (Friday); the first working day is Monday 4 January.
    slot = next_slot(parse_schedule("monthly 10:00"), new_york, utc("2026-12-15 00:00"))
    assert slot.at == utc("2027-01-04 15:00")


def test_slots_are_useful_until_the_working_day_ends_and_close_at_midnight():
    new_york = calendar("America/New_York")
    (slot,) = slots_between(
        parse_schedule("workday start"), new_york, utc("2026-11-30 00:00"), utc("2026-11-30 23:00")
    )
    assert slot.useful_until == utc("2026-11-30 22:00")
    assert slot.closes_at == utc("2026-12-01 05:00")
    assert slot.closes_at - slot.at == timedelta(hours=15)
