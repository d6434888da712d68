"""When routines and reports fall due: the schedule grammar of `vadesk.toml` and the
slots it gives in one calendar (a person's working hours in their own zone, or the
workspace's business hours).

Grammar (case does not matter):
- ``workday start``: when the working day starts;
- ``workday end``: 30 minutes before it ends (the wrap-up happens inside the day);
- ``hourly``: every full hour after the start, while the working day lasts;
- ``daily HH:MM``: every working day at that time;
- ``mon HH:MM`` (also ``mon,thu HH:MM``, full day names too): those weekdays;
- ``monthly HH:MM``: the first working day of each month.
Nothing falls due on a day off (not a business day, or a holiday). A fixed time outside
the working hours is moved into them: to the start when it is earlier, to the last half
hour when it is later, so nobody is messaged outside their hours.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
FULL_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WRAP_UP = timedelta(minutes=30)
_AT_RE = re.compile(r"^(\d{1,2}):(\d{2})$")
GRAMMAR = (
    '"workday start", "workday end", "hourly", "daily HH:MM", "mon HH:MM" '
    '(or "mon,thu HH:MM"), "monthly HH:MM"'
)


def day_index(name: str) -> int | None:
    """Monday 0 … Sunday 6 from "mon" or "monday" (any case); None for anything else."""
    lowered = name.strip().lower()
    if lowered in DAY_NAMES:
        return DAY_NAMES.index(lowered)
    if lowered in FULL_DAY_NAMES:
        return FULL_DAY_NAMES.index(lowered)
    return None


class ScheduleError(ValueError):
    """A schedule that cannot be read; the text says what is accepted."""


@dataclass(frozen=True)
class Schedule:
    kind: str  # "start", "end", "hourly", "weekly", "monthly"
    at: time | None = None
    days: tuple[int, ...] = ()  # weekdays for "weekly" (daily is all seven)
    text: str = ""

    def __str__(self) -> str:
        return self.text


def parse_schedule(text: str) -> Schedule:
    words = " ".join(text.strip().lower().split())
    if words in ("workday start", "start of day"):
        return Schedule("start", text=words)
    if words in ("workday end", "end of day"):
        return Schedule("end", text=words)
    if words == "hourly":
        return Schedule("hourly", text=words)
    parts = words.split(" ")
    if len(parts) != 2:
        raise ScheduleError(f"unknown schedule {text!r}; use {GRAMMAR}")
    when, at_text = parts
    days: set[int] = set()
    if when not in ("daily", "monthly"):
        for name in when.split(","):
            day = day_index(name)
            if day is None:
                raise ScheduleError(f"unknown schedule {text!r}; use {GRAMMAR}")
            days.add(day)
    match = _AT_RE.match(at_text)
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise ScheduleError(f"{at_text!r} is not a time of day (HH:MM) in schedule {text!r}")
    at = time(int(match.group(1)), int(match.group(2)))
    if when == "daily":
        return Schedule("weekly", at, tuple(range(7)), words)
    if when == "monthly":
        return Schedule("monthly", at, text=words)
    return Schedule("weekly", at, tuple(sorted(days)), words)


@dataclass(frozen=True)
class Calendar:
    """Working time in one zone: hours each working day, the days, the days off."""

    zone: ZoneInfo
    start: time
    end: time
    days: tuple[int, ...]
    holidays: frozenset[date] = frozenset()

    def is_working_day(self, day: date) -> bool:
        return day.weekday() in self.days and day not in self.holidays

    def at(self, day: date, moment: time) -> datetime:
        """A local time on a local day, as a UTC instant (zoneinfo resolves DST gaps)."""
        return datetime.combine(day, moment, tzinfo=self.zone).astimezone(UTC)

    def day_bounds(self, day: date) -> tuple[datetime, datetime]:
        return self.at(day, self.start), self.at(day, self.end)

    def is_working_time(self, instant: datetime) -> bool:
        local = instant.astimezone(self.zone)
        if not self.is_working_day(local.date()):
            return False
        start, end = self.day_bounds(local.date())
        return start <= instant < end

    def local_day(self, instant: datetime) -> date:
        return instant.astimezone(self.zone).date()


@dataclass(frozen=True)
class Slot:
    at: datetime  # UTC
    closes_at: datetime  # after this the checklist no longer takes ticks
    useful_until: datetime  # a run missed while down is caught up only before this


def slots_between(
    schedule: Schedule, calendar: Calendar, since: datetime, until: datetime
) -> list[Slot]:
    """Every slot of the schedule with since < slot <= until, oldest first."""
    first = calendar.local_day(since) - timedelta(days=1)
    last = calendar.local_day(until)
    day = first
    found: list[Slot] = []
    while day <= last:
        found.extend(s for s in _slots_on(schedule, calendar, day) if since < s.at <= until)
        day += timedelta(days=1)
    return found


# How far back a missed report is looked for: past a long holiday, to the last one due.
REPORT_CATCH_UP = timedelta(days=15)


def latest_report_slot(
    schedule: Schedule,
    calendar: Calendar,
    until: datetime,
    installed_at: datetime | None,
) -> Slot | None:
    """The latest slot of a report (the digest, the weekly report) due by `until`, with
    `useful_until` at the next one's time: a report missed while VA Desk was down is still
    worth posting until the next one is due. A slot whose own day was over before VA Desk
    was installed (`installed_at`; None when the workspace is not known yet) was never
    missed, so a fresh install does not open with last week's report."""
    slots = slots_between(schedule, calendar, until - REPORT_CATCH_UP, until)
    if not slots:
        return None
    latest = slots[-1]
    if installed_at is None or latest.useful_until <= installed_at:
        return latest
    following = next_slot(schedule, calendar, latest.at)
    return replace(latest, useful_until=following.at) if following else latest


def next_slot(schedule: Schedule, calendar: Calendar, after: datetime) -> Slot | None:
    """The first slot after the instant, looking up to 62 days ahead."""
    day = calendar.local_day(after)
    for _ in range(62):
        for slot in _slots_on(schedule, calendar, day):
            if slot.at > after:
                return slot
        day += timedelta(days=1)
    return None


def _slots_on(schedule: Schedule, calendar: Calendar, day: date) -> list[Slot]:
    if not calendar.is_working_day(day):
        return []
    start, end = calendar.day_bounds(day)
    midnight = calendar.at(day + timedelta(days=1), time(0))
    if schedule.kind == "start":
        return [Slot(start, midnight, end)]
    if schedule.kind == "end":
        return [Slot(max(start, end - WRAP_UP), midnight, end)]
    if schedule.kind == "hourly":
        hours = []
        moment = start + timedelta(hours=1)
        while moment < end:
            hours.append(moment)
            moment += timedelta(hours=1)
        # A working day of an hour or less has no full hour after its start: no check.
        closing = [*hours[1:], end] if hours else []
        return [Slot(at, closes, closes) for at, closes in zip(hours, closing, strict=True)]
    if schedule.kind == "weekly" and day.weekday() not in schedule.days:
        return []
    if schedule.kind == "monthly" and day != _first_working_day(calendar, day):
        return []
    assert schedule.at is not None
    at = min(max(calendar.at(day, schedule.at), start), max(start, end - WRAP_UP))
    return [Slot(at, midnight, end)]


def _first_working_day(calendar: Calendar, day: date) -> date | None:
    candidate = day.replace(day=1)
    while candidate.month == day.month:
        if calendar.is_working_day(candidate):
            return candidate
        candidate += timedelta(days=1)
    return None


def add_working_time(calendar: Calendar, start: datetime, amount: timedelta) -> datetime:
    """The instant `amount` of working time after `start`: nights, days off and holidays
    do not count (follow-ups every 30 business minutes, every 4 business hours)."""
    remaining = amount
    day = calendar.local_day(start)
    moment = start
    # A working day holds at least a minute and a week at least one working day, so the
    # amount is found within this many days (each holiday may cost a week more).
    minutes = math.ceil(amount / timedelta(minutes=1))
    for _ in range(7 * (minutes + len(calendar.holidays) + 2)):
        if calendar.is_working_day(day):
            opens, closes = calendar.day_bounds(day)
            begin = max(moment, opens)
            if begin < closes:
                if begin + remaining <= closes:
                    return begin + remaining
                remaining -= closes - begin
        day += timedelta(days=1)
        moment = calendar.at(day, time(0))
    raise ValueError(f"no {amount} of working time in the calendar")


def latest_repeat(
    calendar: Calendar, start: datetime, every: timedelta, since: datetime, until: datetime
) -> tuple[datetime, int] | None:
    """Of the instants every `every` of working time after `start`, the latest in
    (since, until] and its count (1 for the first): follow-ups, chases."""
    moment, count, latest = start, 0, None
    while True:
        moment = add_working_time(calendar, moment, every)
        count += 1
        if moment > until:
            return latest
        if moment > since:
            latest = (moment, count)


def working_time_between(calendar: Calendar, start: datetime, end: datetime) -> timedelta:
    """How much working time lies between two instants (nights, days off: none)."""
    total = timedelta(0)
    day = calendar.local_day(start)
    last = calendar.local_day(end)
    while day <= last:
        if calendar.is_working_day(day):
            opens, closes = calendar.day_bounds(day)
            begin, finish = max(start, opens), min(end, closes)
            if finish > begin:
                total += finish - begin
        day += timedelta(days=1)
    return total
