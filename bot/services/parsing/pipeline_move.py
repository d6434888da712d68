"""The options at the end of `/pipeline move <name> <stage> [note] [amount <amount>]
[close <date>]`: the deal's amount and its expected close date, taken off the end of the
text (in either order, each once) so that the words before them are the name, the stage
and the note. `amount` before a word without a digit, and `close` before a word that is no
date, are words of the note ("close the file" stays in it)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bot.services.errors import InputError
from bot.services.parsing.dates import DATE_HINT, looks_like_date, parse_date
from bot.services.text import quoted

MOVE_GRAMMAR = "/pipeline move <name> <stage> [note] [amount <amount>] [close <date>]"
_LAST_OPTION_RE = re.compile(r"(?:^|\s)(amount|close)\s+(\S+)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class MoveOptions:
    """What is left of the text (name, stage, note) and the options taken off its end."""

    text: str
    amount: str | None = None  # as typed; the pipeline service reads it in the currency
    close: date | None = None


def _close_date(word: str, today: date) -> date | None:
    try:
        return parse_date(word, today=today, direction="future")
    except InputError:
        if looks_like_date(word):
            raise InputError(f"{quoted(word)} after 'close' is not a date; {DATE_HINT}") from None
        return None


def take_move_options(text: str, *, today: date) -> MoveOptions:
    """Take `amount <amount>` and `close <date>` off the end of the text."""
    amount: str | None = None
    close: date | None = None
    while match := _LAST_OPTION_RE.search(text):
        keyword, word = match[1].lower(), match[2]
        if keyword == "amount":
            if amount is not None or not any(ch.isdigit() for ch in word):
                break
            amount = word
        else:
            if close is not None:
                break
            close = _close_date(word, today)
            if close is None:
                break
        text = text[: match.start()]
    return MoveOptions(text.strip(), amount, close)
