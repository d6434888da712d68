"""The `/agenda` grammar: `[today|tomorrow|week|YYYY-MM-DD] [@person]`, in either order.

The words name days, not instants: which day "today" is depends on whose agenda it is
(their own zone), so the parser says what was asked and `days_asked` turns it into the
first local day and how many days once that person's today is known."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from bot.services.errors import InputError
from bot.services.parsing.markup import USER_MENTION_RE
from bot.services.text import day_text, quoted

DAY_WORDS = ("today", "tomorrow", "week")
WEEK_DAYS = 7
# A day further than this from today is refused: no one plans that far, and the feeds
# are expanded on the fly outside their stored window.
MAX_DAYS_AWAY = 366
AGENDA_WORDS_HINT = (
    "use `today`, `tomorrow`, `week` (7 days from today) or a date as `YYYY-MM-DD`, "
    "and `@person` for someone else's agenda"
)
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class AgendaAsk:
    """What `/agenda` was asked for: a day word (`today`, `tomorrow`, `week`, or
    `date` with `day`) and whose agenda (None: the asker's own)."""

    word: str = "today"
    day: date | None = None
    subject_id: str | None = None


def parse_agenda_words(text: str) -> AgendaAsk:
    """Read `/agenda`'s words; anything else is refused with the words it accepts."""
    word: str | None = None
    day: date | None = None
    subject: str | None = None
    for token in text.split():
        mention = USER_MENTION_RE.fullmatch(token)
        if mention:
            if subject is not None and subject != mention[1]:
                raise InputError("Name one person; `/agenda @person` shows one agenda.")
            subject = mention[1]
            continue
        lowered = token.lower()
        if lowered in DAY_WORDS or _DATE_RE.fullmatch(lowered):
            if word is not None:
                raise InputError(f"Name one day or `week`, not two; {AGENDA_WORDS_HINT}.")
            word, day = _day_word(token)
            continue
        raise InputError(f"I don't know {quoted(token)} here; {AGENDA_WORDS_HINT}.")
    return AgendaAsk(word or "today", day, subject)


def _day_word(token: str) -> tuple[str, date | None]:
    lowered = token.lower()
    if lowered in DAY_WORDS:
        return lowered, None
    try:
        return "date", date.fromisoformat(lowered)
    except ValueError:
        raise InputError(f"{quoted(token)} is not a valid date; {AGENDA_WORDS_HINT}.") from None


def days_asked(ask: AgendaAsk, today: date) -> tuple[date, int]:
    """The first local day and the number of days the words ask for, from `today` (the
    subject's own today); a date over a year away is refused."""
    if ask.word == "tomorrow":
        return today + timedelta(days=1), 1
    if ask.word == "week":
        return today, WEEK_DAYS
    if ask.word == "date" and ask.day is not None:
        if abs((ask.day - today).days) > MAX_DAYS_AWAY:
            raise InputError(
                f"{day_text(ask.day)} is more than {MAX_DAYS_AWAY} days from today; "
                "give a day within a year."
            )
        return ask.day, 1
    return today, 1
