"""The `/task add` grammar: `<title> [#client|#channel] [@user] [due <date>] [!high|!low]
[#tag]`, options anywhere in the text, each taken out of the title by its own step."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from bot.services.errors import InputError
from bot.services.parsing.dates import DATE_HINT, looks_like_date, parse_date
from bot.services.parsing.markup import (
    cut_out,
    person_and_channel,
    tag_words,
    take_client_word,
)
from bot.services.text import escape, quoted

TASK_ADD_GRAMMAR = "/task add <title> [#client|#channel] [@user] [due <date>] [!high|!low] [#tag]"
PRIORITIES = ("high", "normal", "low")
MAX_TITLE_LENGTH = 500

_DUE_RE = re.compile(r"(?<!\S)due\s+(\S+)(?!\S)", re.IGNORECASE)
_PRIORITY_RE = re.compile(r"(?<!\S)!([A-Za-z]+)(?!\S)")

Spans = list[tuple[int, int]]


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


def parse_task_add(text: str, *, today: date, client_keys: Collection[str] = ()) -> TaskDraft:
    """Read `<title> [#client|#channel] [@user] [due <date>] [!high|!low] [#tag]`, options
    anywhere.

    Links and other Slack markup in the title are left alone; only escaped
    channel/user mentions, `due <date>`, `!priority`, a `#word` that is one of
    `client_keys` and a `#tag` word are taken out of it (a `#` before a number stays:
    "Invoice #123").
    """
    masked, assignee_id, channel_id, remove = person_and_channel(
        text, "A task", "assignee", "channel"
    )
    due, due_spans = _due_date(masked, today)
    priority, priority_spans = _priority(masked)
    masked, client_key, client_spans = take_client_word(masked, client_keys, "A task")
    tags = tag_words(masked)
    remove += due_spans + priority_spans + client_spans + [span for span, _word in tags]
    return TaskDraft(
        title=_title(cut_out(text, remove)),
        channel_id=channel_id,
        assignee_id=assignee_id,
        due=due,
        priority=priority or "normal",
        tag=tags[0][1] if tags else None,
        client_key=client_key,
    )


def _due_date(masked: str, today: date) -> tuple[date | None, Spans]:
    """`due <date>`, once; "due" before a word that is no date is part of the title."""
    due: date | None = None
    spans: Spans = []
    for match in _DUE_RE.finditer(masked):
        word = match[1].rstrip(",.;:")
        try:
            value = parse_date(word, today=today, direction="future")
        except InputError:
            if looks_like_date(word):
                raise InputError(f"{quoted(word)} after 'due' is not a date; {DATE_HINT}") from None
            continue  # "due" is just a word in the title ("Pay what is due to Acme")
        if due is not None:
            raise InputError(
                f"A task has one due date; you wrote 'due' twice ({due.isoformat()} "
                f"and {value.isoformat()})."
            )
        due = value
        spans.append(match.span())
    return due, spans


def _priority(masked: str) -> tuple[str | None, Spans]:
    """`!high`, `!normal` or `!low`, one of them (repeating it is fine)."""
    priority: str | None = None
    spans: Spans = []
    for match in _PRIORITY_RE.finditer(masked):
        word = match[1].lower()
        if word not in PRIORITIES:
            raise InputError(f"{quoted(match[0])} is not a priority; use !high, !low or !normal")
        if priority is not None and priority != word:
            raise InputError(f"A task has one priority; you wrote !{priority} and !{word}.")
        priority = word
        spans.append(match.span())
    return priority, spans


def _title(title: str) -> str:
    """What is left once the options are out: the title, which a task needs."""
    if not title:
        raise InputError(f"A task needs a title: {escape(TASK_ADD_GRAMMAR)}")
    if len(title) > MAX_TITLE_LENGTH:
        raise InputError(
            f"A task title can be at most {MAX_TITLE_LENGTH} characters; this one has "
            f"{len(title)}. Put the details in the description."
        )
    return title
