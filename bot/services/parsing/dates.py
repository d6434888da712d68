"""Days and times of day as people type them: today, a weekday, YYYY-MM-DD; 9:00, 5:30pm."""

from __future__ import annotations

import difflib
import re
from datetime import date, time, timedelta
from typing import Literal

from bot.services.errors import InputError
from bot.services.text import quoted

DATE_HINT = "use today, yesterday, tomorrow, a weekday (mon, tuesday, ...) or YYYY-MM-DD"
TIME_HINT = "use 9:00, 17:30, 9am or 5:30pm"

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_RELATIVE_DAYS = {"today": 0, "yesterday": -1, "tomorrow": 1}


def _weekday_index(word: str) -> int | None:
    for index, name in enumerate(_WEEKDAYS):
        if word in (name, name[:3]):
            return index
    return None


def parse_date(text: str, *, today: date, direction: Literal["future", "past"] = "future") -> date:
    """Read today/yesterday/tomorrow, a weekday or YYYY-MM-DD.

    A weekday means the next one from today (today included) for "future" and the
    most recent one (today included) for "past".
    """
    if direction not in ("future", "past"):
        raise ValueError(f"direction must be 'future' or 'past', not {direction!r}")
    raw = text.strip()
    word = raw.lower()
    if word in _RELATIVE_DAYS:
        return today + timedelta(days=_RELATIVE_DAYS[word])
    weekday = _weekday_index(word)
    if weekday is not None:
        if direction == "future":
            return today + timedelta(days=(weekday - today.weekday()) % 7)
        return today - timedelta(days=(today.weekday() - weekday) % 7)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", word):
        try:
            return date.fromisoformat(word)
        except ValueError:
            raise InputError(f"{quoted(raw)} is not a valid date; {DATE_HINT}") from None
    raise InputError(f"{quoted(raw)} is not a date; {DATE_HINT}")


def parse_clock_time(text: str) -> time:
    """Read a time of day: 9:00, 09:00, 17:30, 9am, 5pm, 5:30pm."""
    raw = text.strip()
    word = re.sub(r"\s+", "", raw.lower()).replace(".", "")
    match = re.fullmatch(r"(\d{1,2})(?::(\d{2}))?(am|pm)?", word)
    if match:
        hour, minute, meridiem = int(match[1]), int(match[2] or 0), match[3]
        if meridiem:
            if 1 <= hour <= 12 and minute <= 59:
                hour = hour % 12 + (12 if meridiem == "pm" else 0)
                return time(hour, minute)
        elif match[2] is not None and hour <= 23 and minute <= 59:
            return time(hour, minute)
    raise InputError(f"{quoted(raw)} is not a time of day; {TIME_HINT}")


def looks_like_date(word: str) -> bool:
    """Whether a word after "due" was meant as a date (digits, or a misspelt day)."""
    lowered = word.lower()
    if re.fullmatch(r"[\d/.-]+", lowered) and any(ch.isdigit() for ch in lowered):
        return True
    candidates = [*_WEEKDAYS, *(name[:3] for name in _WEEKDAYS), *_RELATIVE_DAYS]
    return bool(difflib.get_close_matches(lowered, candidates, n=1, cutoff=0.8))
