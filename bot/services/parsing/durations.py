"""Durations as people type them (1h30m, 90m, 1.5h, 0:45) and as VA Desk shows them."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.services.errors import InputError
from bot.services.text import quoted

DURATION_HINT = "use 1h30m, 90m, 1.5h or 0:45"

# Digit counts are bounded: a longer number is no duration anyone means (and int()
# refuses numbers of thousands of digits).
_NUMBER = r"(?:\d{1,6}(?:\.\d{1,6})?|\.\d{1,6})"
_HOUR_UNIT = r"(?:h|hr|hrs|hour|hours)"
_MINUTE_UNIT = r"(?:m|min|mins|minute|minutes)"
_UNIT_DURATION_RE = re.compile(
    rf"^(?:(?P<h>{_NUMBER})\s*{_HOUR_UNIT})?\s*"
    rf"(?:(?P<m>{_NUMBER})\s*{_MINUTE_UNIT}|(?P<bare>\d{{1,6}}))?$"
)
_CLOCK_DURATION_RE = re.compile(r"^(?P<h>\d{1,4}):(?P<m>[0-5]\d)$")


def parse_duration(text: str, *, max_hours: float = 24) -> timedelta:
    """Read a duration such as 1h30m, 90m, 1.5h or 0:45 (rounded to the second)."""
    raw = text.strip()
    cleaned = raw.lower()
    negative = cleaned.startswith("-")
    if negative:
        cleaned = cleaned[1:].strip()
    seconds = _duration_seconds(cleaned)
    if seconds is None:
        if re.fullmatch(r"\d{1,6}", raw):
            raise InputError(
                f"'{raw}' is not a duration (add a unit, e.g. {raw}m); {DURATION_HINT}"
            )
        raise InputError(f"{quoted(raw)} is not a duration; {DURATION_HINT}")
    if negative:
        raise InputError(f"{quoted(raw)}: a duration must be positive; {DURATION_HINT}")
    if seconds > max_hours * 3600:
        unit = "hour" if max_hours == 1 else "hours"
        raise InputError(f"{quoted(raw)} is longer than {max_hours:g} {unit}")
    if round(seconds) <= 0:
        raise InputError(f"{quoted(raw)}: a duration must be positive; {DURATION_HINT}")
    return timedelta(seconds=round(seconds))


def _duration_seconds(text: str) -> float | None:
    """Seconds in a unsigned duration, or None when it is not one (bare numbers are not)."""
    if not text:
        return None
    clock = _CLOCK_DURATION_RE.match(text)
    if clock:
        return int(clock["h"]) * 3600 + int(clock["m"]) * 60
    units = _UNIT_DURATION_RE.match(text)
    if not units or not (units["h"] or units["m"]):
        return None
    if units["bare"] and not units["h"]:
        return None
    hours = float(units["h"]) if units["h"] else 0.0
    minutes = float(units["m"] or units["bare"] or 0)
    return hours * 3600 + minutes * 60


def format_duration(td: timedelta) -> str:
    """Show a duration as "1h 30m", "45m", "2h" or "0m" (to the nearest minute)."""
    total_minutes = int(td.total_seconds() / 60 + (0.5 if td >= timedelta(0) else -0.5))
    sign = "-" if total_minutes < 0 else ""
    hours, minutes = divmod(abs(total_minutes), 60)
    if hours and minutes:
        return f"{sign}{hours}h {minutes}m"
    if hours:
        return f"{sign}{hours}h"
    return f"{sign}{minutes}m"
