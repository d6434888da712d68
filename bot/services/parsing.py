"""Parsing of what people type into slash commands: durations, dates, task ids, tasks.

Pure functions so every command reads input the same way; a refusal raises
InputError whose text says what was wrong and what is accepted.
"""

from __future__ import annotations

import contextlib
import difflib
import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Literal

from bot.services.errors import InputError, NotFound
from bot.services.text import escape, quoted, truncate

DURATION_HINT = "use 1h30m, 90m, 1.5h or 0:45"
DATE_HINT = "use today, yesterday, tomorrow, a weekday (mon, tuesday, ...) or YYYY-MM-DD"
TIME_HINT = "use 9:00, 17:30, 9am or 5:30pm"
TASK_ADD_GRAMMAR = "/task add <title> [#client|#channel] [@user] [due <date>] [!high|!low] [#tag]"
PRIORITIES = ("high", "normal", "low")
MAX_TITLE_LENGTH = 500
MAX_ID = 2**31 - 1  # the largest id an SQL INTEGER column holds

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

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_RELATIVE_DAYS = {"today": 0, "yesterday": -1, "tomorrow": 1}

_USER_MENTION_RE = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^<>]*)?>")
_CHANNEL_MENTION_RE = re.compile(r"<#([CGD][A-Z0-9]+)(?:\|[^<>]*)?>")
_ANGLE_TOKEN_RE = re.compile(r"<[^<>]*>")
_DUE_RE = re.compile(r"(?<!\S)due\s+(\S+)(?!\S)", re.IGNORECASE)
_PRIORITY_RE = re.compile(r"(?<!\S)!([A-Za-z]+)(?!\S)")
# `#word` typed as is (a channel arrives escaped as <#C123|name>): a tag, unless it is a
# number ("Invoice #123").
_TAG_RE = re.compile(r"(?<!\S)#([^\s\0]+)")
_NUMBER_WORD_RE = re.compile(r"[\d.,:;!?)]+")


# --------------------------------------------------------------------------- durations


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


# --------------------------------------------------------------------------- dates and times


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


# --------------------------------------------------------------------------- task ids


def _stored_id(digits: str, missing: str) -> int:
    """An id's number; one the database cannot hold names nothing (`missing` + the id)."""
    digits = digits.lstrip("0")
    if not digits or len(digits) > len(str(MAX_ID)) or int(digits) > MAX_ID:
        raise NotFound(f"There is no {missing}{truncate(digits or '0', 20)} in this workspace.")
    return int(digits)


def parse_task_id(text: str) -> int:
    """Read a task id: T-12, t-12, T12 or 12. A number no task can have is not found."""
    raw = text.strip()
    match = re.fullmatch(r"(?:[Tt]-?)?(\d+)", raw)
    if not match:
        raise InputError(f"{quoted(raw)} is not a task id; task ids look like T-12")
    return _stored_id(match[1], "T-")


def parse_entry_id(text: str) -> int:
    """Read a time entry id: E-12, e12, #12 or 12."""
    match = re.fullmatch(r"(?:[Ee]-?|#)?(\d+)", text.strip())
    if not match:
        raise InputError(
            f"{quoted(text)} is not a time entry; entries look like E-12 (see /timer list)."
        )
    return _stored_id(match[1], "time entry E-")


def format_task_id(number: int) -> str:
    """Show a task number the way people type it: T-12."""
    return f"T-{number}"


# --------------------------------------------------------------------------- commands


def split_command(text: str) -> tuple[str, str]:
    """Split "add Call Bob" into ("add", "Call Bob"); ("", "") when empty."""
    parts = text.strip().split(maxsplit=1)
    if not parts:
        return "", ""
    return parts[0].lower(), parts[1].strip() if len(parts) > 1 else ""


def extract_user_id(text: str) -> str | None:
    """The user id of the first escaped mention (<@U123|name> or <@U123>) in the text."""
    match = _USER_MENTION_RE.search(text)
    return match[1] if match else None


def extract_channel_id(text: str) -> str | None:
    """The channel id of the first escaped channel link (<#C123|name> or <#C123>)."""
    match = _CHANNEL_MENTION_RE.search(text)
    return match[1] if match else None


@dataclass
class TaskDraft:
    """What `/task add` understood, before the service checks and stores it."""

    title: str
    channel_id: str | None = None
    assignee_id: str | None = None
    due: date | None = None
    priority: str = "normal"
    tag: str | None = None  # `#word` as typed; bot/services/tags.py resolves it
    client_key: str | None = None  # a `#word` that is a configured client's key


def _mask(text: str, start: int, end: int) -> str:
    """Blank out a span (same length) so later patterns skip it."""
    return text[:start] + "\0" * (end - start) + text[end:]


def _masked_markup(text: str) -> str:
    """The text with every Slack markup token (<...>) blanked out."""
    for token in _ANGLE_TOKEN_RE.finditer(text):
        text = _mask(text, *token.span())
    return text


def _tag_words(masked: str) -> list[tuple[tuple[int, int], str]]:
    """The `#tag` words outside markup (`#` included), with their spans; at most one tag
    is meant."""
    found: list[tuple[tuple[int, int], str]] = []
    for match in _TAG_RE.finditer(masked):
        if _NUMBER_WORD_RE.fullmatch(match[1]):
            continue
        if found and found[0][1].casefold() != match[0].casefold():
            raise InputError(
                f"Name one tag; you wrote {quoted(found[0][1])} and {quoted(match[0])}."
            )
        found.append((match.span(), match[0]))
    return found


def take_tag(text: str) -> tuple[str, str | None]:
    """Split a `#tag` word (not a channel link, not a number) off a command's text:
    (the rest, the tag as typed with its `#`, or None)."""
    found = _tag_words(_masked_markup(text))
    if not found:
        return text, None
    kept, position = [], 0
    for (start, end), _word in found:
        kept.append(text[position:start])
        position = end
    kept.append(text[position:])
    return " ".join(" ".join(kept).split()), found[0][1]


def _client_word(
    masked: str, client_keys: Collection[str]
) -> tuple[str, str | None, list[tuple[int, int]]]:
    """Take the `#key` words of configured clients out of the masked text: (the text with
    them blanked, the key, their spans). A task has one client."""
    keys = {key.casefold() for key in client_keys}
    key: str | None = None
    spans: list[tuple[int, int]] = []
    for match in _TAG_RE.finditer(masked):
        word = match[1].casefold()
        if word not in keys:
            continue
        if key is not None and key != word:
            raise InputError(f"A task has one client; you wrote #{key} and #{word}.")
        key = word
        spans.append(match.span())
        masked = _mask(masked, *match.span())
    return masked, key, spans


def parse_task_add(text: str, *, today: date, client_keys: Collection[str] = ()) -> TaskDraft:
    """Read `<title> [#client|#channel] [@user] [due <date>] [!high|!low] [#tag]`, options
    anywhere.

    Links and other Slack markup in the title are left alone; only escaped
    channel/user mentions, `due <date>`, `!priority`, a `#word` that is one of
    `client_keys` and a `#tag` word are taken out of it (a `#` before a number stays:
    "Invoice #123").
    """
    remove: list[tuple[int, int]] = []
    masked = text
    channel_id: str | None = None
    assignee_id: str | None = None
    due: date | None = None
    priority: str | None = None

    # Slack markup: mentions are options; other tokens (links, <!here>) stay verbatim
    # and are masked so "due ..." or "!..." inside a link label is not read as an option.
    for token in _ANGLE_TOKEN_RE.finditer(text):
        user = _USER_MENTION_RE.fullmatch(token[0])
        channel = _CHANNEL_MENTION_RE.fullmatch(token[0])
        if user:
            if assignee_id is not None and assignee_id != user[1]:
                raise InputError(
                    f"A task has one assignee; you named <@{assignee_id}> and <@{user[1]}>."
                )
            assignee_id = user[1]
            remove.append(token.span())
        elif channel:
            if channel_id is not None and channel_id != channel[1]:
                raise InputError(
                    f"A task has one channel; you named <#{channel_id}> and <#{channel[1]}>."
                )
            channel_id = channel[1]
            remove.append(token.span())
        masked = _mask(masked, *token.span())

    for match in _DUE_RE.finditer(masked):
        word = match[1].rstrip(",.;:")
        try:
            value = parse_date(word, today=today, direction="future")
        except InputError:
            if _looks_like_date(word):
                raise InputError(f"{quoted(word)} after 'due' is not a date; {DATE_HINT}") from None
            continue  # "due" is just a word in the title ("Pay what is due to Acme")
        if due is not None:
            raise InputError(
                f"A task has one due date; you wrote 'due' twice ({due.isoformat()} "
                f"and {value.isoformat()})."
            )
        due = value
        remove.append(match.span())

    for match in _PRIORITY_RE.finditer(masked):
        word = match[1].lower()
        if word not in PRIORITIES:
            raise InputError(f"{quoted(match[0])} is not a priority; use !high, !low or !normal")
        if priority is not None and priority != word:
            raise InputError(f"A task has one priority; you wrote !{priority} and !{word}.")
        priority = word
        remove.append(match.span())

    masked, client_key, client_spans = _client_word(masked, client_keys)
    remove += client_spans
    tags = _tag_words(masked)
    remove += [span for span, _word in tags]

    kept: list[str] = []
    position = 0
    for start, end in sorted(remove):
        kept.append(text[position:start])
        position = end
    kept.append(text[position:])
    title = " ".join(" ".join(kept).split())
    if not title:
        raise InputError(f"A task needs a title: {escape(TASK_ADD_GRAMMAR)}")
    if len(title) > MAX_TITLE_LENGTH:
        raise InputError(
            f"A task title can be at most {MAX_TITLE_LENGTH} characters; this one has "
            f"{len(title)}. Put the details in the description."
        )
    return TaskDraft(
        title=title,
        channel_id=channel_id,
        assignee_id=assignee_id,
        due=due,
        priority=priority or "normal",
        tag=tags[0][1] if tags else None,
        client_key=client_key,
    )


def _looks_like_date(word: str) -> bool:
    """Whether a word after "due" was meant as a date (digits, or a misspelt day)."""
    lowered = word.lower()
    if re.fullmatch(r"[\d/.-]+", lowered) and any(ch.isdigit() for ch in lowered):
        return True
    candidates = [*_WEEKDAYS, *(name[:3] for name in _WEEKDAYS), *_RELATIVE_DAYS]
    return bool(difflib.get_close_matches(lowered, candidates, n=1, cutoff=0.8))


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


@dataclass
class FollowUpDraft:
    """What `/task followup` understood."""

    task_number: int
    text: str
    due: date | None


def parse_followup(text: str, *, today: date) -> FollowUpDraft:
    """`T-12 <text> [due <date>]`: a trailing `due <date>` sets the follow-up's due date,
    as in `/task add`; "... due next" stays text, "... due fridya" is refused."""
    ref, _, rest = text.strip().partition(" ")
    if not ref:
        raise InputError("Usage: /task followup T-12 &lt;text&gt; [due &lt;date&gt;]")
    due = None
    head, marker, tail = rest.rpartition(" due ")
    if marker and len(tail.split()) == 1:
        try:
            due, rest = parse_date(tail, today=today), head
        except InputError:
            if _looks_like_date(tail.strip()):
                raise  # a mistyped date, not words of the follow-up
    return FollowUpDraft(parse_task_id(ref), rest, due)
