"""The `/timer log` grammar: `[T-12] <duration> [date] [notes]`."""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from datetime import date, timedelta

from bot.services.errors import InputError
from bot.services.parsing.dates import parse_date
from bot.services.parsing.durations import parse_duration
from bot.services.parsing.ids import parse_task_id
from bot.services.text import escape

LOG_GRAMMAR = "/timer log T-12 <duration> [date] [notes], e.g. /timer log T-12 45m yesterday"


@dataclass
class TimeLogDraft:
    """What `/timer log` understood: which task, how long, which day, and notes."""

    task_number: int
    duration: timedelta
    day: date
    notes: str


def parse_timer_log(text: str, *, today: date, max_hours: float = 24) -> TimeLogDraft:
    """`T-12 <duration> [date] [notes]`; a third word that is no date starts the notes,
    unless it starts with a digit, like a mistyped date (then it is refused)."""
    words = text.split()
    if len(words) < 2:
        raise InputError(f"Usage: {escape(LOG_GRAMMAR)}")
    number = parse_task_id(words[0])
    duration = parse_duration(words[1], max_hours=max_hours)
    day, notes_from = today, 2
    if len(words) > 2:
        try:
            day, notes_from = parse_date(words[2], today=today, direction="past"), 3
        except InputError:
            if words[2][:1].isdigit():
                raise
    return TimeLogDraft(number, duration, day, " ".join(words[notes_from:]))


@dataclass
class UntaskedLog:
    """`/timer log <duration> [date] [notes]` with no task: what the log-time form opens
    with (the task is chosen there)."""

    duration: str | None
    day: date
    notes: str


def parse_untasked_log(text: str, *, today: date, max_hours: float = 24) -> UntaskedLog | None:
    """None when the text starts with a task id, or with a word that is neither a task id
    nor a duration (parse_timer_log says what is wrong with it)."""
    words = text.split()
    if not words:
        return UntaskedLog(None, today, "")
    if re.fullmatch(r"(?:[Tt]-?)?\d+", words[0]):
        return None
    try:
        parse_duration(words[0], max_hours=max_hours)
    except InputError:
        return None
    day, notes_from = today, 1
    if len(words) > 1:
        with contextlib.suppress(InputError):  # no date: the notes start there
            day, notes_from = parse_date(words[1], today=today, direction="past"), 2
    return UntaskedLog(words[0], day, " ".join(words[notes_from:]))
