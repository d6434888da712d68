"""What every section of `vadesk.toml` is built from: the base model, the refusal with a
sentence, and the field types several sections share (ids, hours, days, time zones,
schedules, amounts of working time).

Every field reads the value as TOML gives it ("09:00-17:00", ["mon", "tue"]) or as Python
code passes it (a tuple of times), and refuses anything else with a sentence.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import date, datetime, time
from typing import Annotated, Any, TypeAlias
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer, WithJsonSchema
from pydantic_core import PydanticCustomError

from bot.services.schedules import (
    DAY_NAMES,
    FULL_DAY_NAMES,
    ScheduleError,
    day_index,
    parse_schedule,
)
from bot.services.schedules import (
    GRAMMAR as SCHEDULE_GRAMMAR,
)

USER_ID_RE = re.compile(r"^[UW][A-Z0-9]+$")
CHANNEL_ID_RE = re.compile(r"^[CGD][A-Z0-9]+$")
# What the database stores (store/models/) and Slack shows; a longer value could not be
# saved or posted, so start-up refuses it.
MAX_ID_CHARS = 32  # a Slack user or channel id
# Durations are working time; the longest is a working week of seven full days.
WEEK_MINUTES = 7 * 24 * 60
WEEK_HOURS = 7 * 24
MIN_HOURS = 0.25  # a quarter of an hour: the least a chase, target or timer limit can be
HOURS_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


class SettingProblem(Exception):
    """A problem that involves more than one key; pydantic lets it through unwrapped."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(f"{key}: {reason}")
        self.key = key
        self.reason = reason


class Section(BaseModel):
    """A table of `vadesk.toml`: frozen once read, and no key it does not know."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def describe(value: Any) -> str:
    """Show a TOML value the way the user wrote it, for error messages."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list | tuple):
        return "an array"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def refuse(reason: str) -> PydanticCustomError:
    """The error a field raises: its reason is the sentence the loader shows."""
    return PydanticCustomError("setting", "{reason}", {"reason": reason})


def string_value(value: Any) -> str:
    if not isinstance(value, str):
        raise refuse(f"must be a string, got {describe(value)}")
    return value


def nonempty_text(value: Any) -> str:
    text = string_value(value).strip()
    if not text:
        raise refuse("must not be empty")
    return text


def string_list(value: Any) -> list[str]:
    if not isinstance(value, list | tuple):
        raise refuse(f"must be an array of strings, got {describe(value)}")
    for item in value:
        if not isinstance(item, str):
            raise refuse(f"must be an array of strings, got {describe(item)} in it")
    return list(value)


def _timezone(value: Any) -> str:
    name = string_value(value).strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise refuse(f"unknown time zone {name!r}") from None
    return name


def _hours(value: Any) -> tuple[time, time]:
    if isinstance(value, tuple) and len(value) == 2 and all(isinstance(t, time) for t in value):
        start, end = value
        text = f"{start:%H:%M}-{end:%H:%M}"
    else:
        text = string_value(value)
        match = HOURS_RE.match(text)
        if not match:
            raise refuse(f'must look like "09:00-17:00", got {describe(value)}')
        h1, m1, h2, m2 = (int(part) for part in match.groups())
        if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
            raise refuse(f"has an invalid time of day in {text!r} (00:00 to 23:59)")
        start, end = time(h1, m1), time(h2, m2)
    if start >= end:
        raise refuse(f"the end must be after the start (no overnight ranges), got {text!r}")
    return start, end


def _days(value: Any) -> tuple[int, ...]:
    if isinstance(value, tuple) and all(isinstance(d, int) and 0 <= d <= 6 for d in value):
        names: list[str] = [DAY_NAMES[d] for d in value]
    else:
        names = string_list(value)
    if not names:
        raise refuse("must name at least one day")
    days: set[int] = set()
    for name in names:
        day = day_index(name)
        if day is None:
            raise refuse(f"unknown day {name!r}; use {', '.join(DAY_NAMES)}")
        days.add(day)
    return tuple(sorted(days))


def _dates(value: Any) -> tuple[date, ...]:
    if not isinstance(value, list | tuple):
        raise refuse(f"must be an array of dates (YYYY-MM-DD), got {describe(value)}")
    result: set[date] = set()
    for item in value:
        if isinstance(item, date) and not isinstance(item, datetime):
            result.add(item)
            continue
        if isinstance(item, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", item.strip()):
            try:
                result.add(date.fromisoformat(item.strip()))
                continue
            except ValueError:
                raise refuse(f"{item!r} is not a valid date") from None
        raise refuse(f'must be dates like "2026-12-25", got {describe(item)}')
    return tuple(sorted(result))


def _user_id(value: Any) -> str:
    text = string_value(value).strip()
    if not USER_ID_RE.match(text) or len(text) > MAX_ID_CHARS:
        raise refuse(
            f"{text[:40]!r} is not a Slack user id "
            f"(they look like U0123ABCD, at most {MAX_ID_CHARS} characters)"
        )
    return text


def _user_ids(value: Any) -> tuple[str, ...]:
    return tuple(dict.fromkeys(_user_id(item) for item in string_list(value)))


def _channel_id(value: Any) -> str:
    text = string_value(value).strip()
    if not CHANNEL_ID_RE.match(text) or len(text) > MAX_ID_CHARS:
        raise refuse(
            f"{text[:40]!r} is not a Slack channel id "
            f"(they look like C0123ABCD, at most {MAX_ID_CHARS} characters)"
        )
    return text


def _schedule(value: Any) -> str:
    try:
        return str(parse_schedule(string_value(value)))
    except ScheduleError as error:
        raise refuse(str(error)) from None


def whole_number(high: int, what: str) -> BeforeValidator:
    """A whole number from 1 to `high`; `what` says why `high` is the most."""

    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise refuse(f"must be a positive integer, got {describe(value)}")
        if value > high:
            raise refuse(f"must be at most {high:,} ({what}), got {describe(value)}")
        return value

    return BeforeValidator(check)


def whole_number_schema(high: int) -> WithJsonSchema:
    return WithJsonSchema({"type": "integer", "minimum": 1, "maximum": high})


def text_of_at_most(limit: int, why: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        text = nonempty_text(value)
        if len(text) > limit:
            raise refuse(f"has {len(text)} characters; at most {limit} ({why})")
        return text

    return check


def number_between(low: float, high: float, what: str) -> BeforeValidator:
    """A number from `low` to `high`; `what` completes "must be ..." in the refusal."""

    def check(value: Any) -> float:
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or not low <= value <= high
        ):
            raise refuse(f"must be {what}, got {describe(value)}")
        return float(value)

    return BeforeValidator(check)


def number_schema(low: float, high: float) -> WithJsonSchema:
    return WithJsonSchema({"type": "number", "minimum": low, "maximum": high})


def any_case(*words: str) -> str:
    """A JSON Schema pattern for these words in any case (its regexes have no flags)."""
    spelled = ("".join(f"[{ch.upper()}{ch}]" for ch in word) for word in words)
    return rf"^\s*({'|'.join(spelled)})\s*$"


def text_schema(pattern: str, description: str) -> WithJsonSchema:
    return WithJsonSchema({"type": "string", "pattern": pattern, "description": description})


Hours: TypeAlias = Annotated[
    tuple[time, time],
    BeforeValidator(_hours),
    PlainSerializer(lambda hours: f"{hours[0]:%H:%M}-{hours[1]:%H:%M}", return_type=str),
    text_schema(r"^\s*\d{1,2}:\d{2}\s*-\s*\d{1,2}:\d{2}\s*$", 'e.g. "09:00-17:00"'),
]
Days: TypeAlias = Annotated[
    tuple[int, ...],
    BeforeValidator(_days),
    PlainSerializer(lambda days: [DAY_NAMES[d] for d in days], return_type=list[str]),
    WithJsonSchema(
        {
            "type": "array",
            "minItems": 1,
            "items": {"type": "string", "pattern": any_case(*FULL_DAY_NAMES, *DAY_NAMES)},
        }
    ),
]
Dates: TypeAlias = Annotated[
    tuple[date, ...],
    BeforeValidator(_dates),
    WithJsonSchema({"type": "array", "items": {"type": "string", "format": "date"}}),
]
TimeZoneName: TypeAlias = Annotated[
    str,
    BeforeValidator(_timezone),
    WithJsonSchema({"type": "string", "description": 'an IANA time zone, e.g. "Asia/Manila"'}),
]
UserId: TypeAlias = Annotated[
    str, BeforeValidator(_user_id), text_schema(USER_ID_RE.pattern, "user id")
]
UserIds: TypeAlias = Annotated[
    tuple[str, ...],
    BeforeValidator(_user_ids),
    WithJsonSchema({"type": "array", "items": {"type": "string", "pattern": USER_ID_RE.pattern}}),
]
ChannelId: TypeAlias = Annotated[
    str, BeforeValidator(_channel_id), text_schema(CHANNEL_ID_RE.pattern, "channel id")
]
ScheduleText: TypeAlias = Annotated[
    str,
    BeforeValidator(_schedule),
    WithJsonSchema({"type": "string", "description": f"one of {SCHEDULE_GRAMMAR}"}),
]
WorkingMinutes: TypeAlias = Annotated[
    int,
    whole_number(WEEK_MINUTES, "7 days of working time"),
    whole_number_schema(WEEK_MINUTES),
]
WorkingHours: TypeAlias = Annotated[
    float,
    number_between(
        MIN_HOURS,
        WEEK_HOURS,
        f"a number of hours from {MIN_HOURS} to {WEEK_HOURS} (7 days of working time)",
    ),
    number_schema(MIN_HOURS, WEEK_HOURS),
]
