"""Days and periods in a person's own time zone, as UTC instants for the database:
today, this week (from Monday) and this month (from the 1st), each up to today."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot import clock
from bot.services.errors import InputError
from bot.services.text import quoted

PERIODS = ("today", "week", "month")


def local_day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The local day as UTC instants: arithmetic within one zone ignores DST changes."""
    start = datetime.combine(day, time(0), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


@dataclass(frozen=True)
class Period:
    name: str
    first: date
    last: date
    start: datetime  # UTC instants of the local days
    end: datetime


def period_of(name: str, zone: ZoneInfo, allowed: tuple[str, ...] = PERIODS) -> Period:
    """The named period up to today, local; a name outside `allowed` is refused."""
    word = name.strip().lower() or "today"
    if word not in allowed:
        choices = ", ".join(allowed[:-1]) + f" or {allowed[-1]}"
        raise InputError(f"Unknown period {quoted(name)}; use {choices}.")
    today = clock.now().astimezone(zone).date()
    first = {
        "today": today,
        "week": today - timedelta(days=today.weekday()),
        "month": today.replace(day=1),
    }[word]
    start, _ = local_day_bounds(first, zone)
    _, end = local_day_bounds(today, zone)
    return Period(word, first, today, start, end)
