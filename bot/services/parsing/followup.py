"""The `/task followup` grammar: `T-12 <text> [due <date>]`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.services.errors import InputError
from bot.services.parsing.dates import looks_like_date, parse_date
from bot.services.parsing.ids import parse_task_id


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
            if looks_like_date(tail.strip()):
                raise  # a mistyped date, not words of the follow-up
    return FollowUpDraft(parse_task_id(ref), rest, due)
