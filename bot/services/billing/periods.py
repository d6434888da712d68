"""The days an invoice bills, as people type them after `/invoice draft <client>`: this
month (the default), last month, a month (YYYY-MM), or from one day to another. Months are
whole calendar months (a retainer bills one), so "this month" runs to its last day: only
time already tracked can be in it."""

from __future__ import annotations

import re
from calendar import monthrange
from datetime import date, timedelta

from bot.services.errors import InputError
from bot.services.parsing.dates import parse_date
from bot.services.text import quoted

PERIOD_HINT = "use this month, last month, a month as YYYY-MM, or from <day> to <day>"


def month_of(day: date) -> tuple[date, date]:
    """The calendar month `day` lies in, first and last day."""
    first = day.replace(day=1)
    return first, first.replace(day=monthrange(first.year, first.month)[1])


def is_calendar_month(first_day: date, last_day: date) -> bool:
    return (first_day, last_day) == month_of(first_day)


def describe_period(first_day: date, last_day: date) -> str:
    """ "November 2026" for a calendar month, "2026-11-02 to 2026-11-15" otherwise."""
    if is_calendar_month(first_day, last_day):
        return f"{first_day:%B %Y}"
    if first_day == last_day:
        return first_day.isoformat()
    return f"{first_day.isoformat()} to {last_day.isoformat()}"


def _month(text: str) -> tuple[date, date]:
    year, month = int(text[:4]), int(text[5:])
    if not 1 <= month <= 12 or year < 1:
        raise InputError(f"{quoted(text)} is not a month; months look like 2026-11.")
    return month_of(date(year, month, 1))


def _span(text: str, today: date) -> tuple[date, date] | None:
    match = re.fullmatch(r"from\s+(\S+)\s+to\s+(\S+)", text, flags=re.IGNORECASE)
    if match is None:
        return None
    first = parse_date(match[1], today=today, direction="past")
    return first, parse_date(match[2], today=today, direction="past")


def billing_period(text: str, today: date) -> tuple[date, date]:
    """The first and last day (inclusive) that `text` names; `today` is the asker's.
    A period that starts after today, or ends before it starts, is refused."""
    words = " ".join(text.split()).lower()
    if words in ("", "this month"):
        period = month_of(today)
    elif words == "last month":
        period = month_of(today.replace(day=1) - timedelta(days=1))
    elif re.fullmatch(r"\d{4}-\d{2}", words):
        period = _month(words)
    else:
        span = _span(words, today)
        if span is None:
            raise InputError(f"{quoted(text.strip())} is not a period; {PERIOD_HINT}.")
        period = span
    first, last = period
    if last < first:
        raise InputError(
            f"The period ends on {last.isoformat()}, before it starts ({first.isoformat()}); "
            "put the earlier day first."
        )
    if first > today:
        raise InputError(
            f"The period starts on {first.isoformat()}, after today ({today.isoformat()}); "
            "an invoice bills time already tracked."
        )
    return first, last
