"""Text as Slack shows it: date tokens that localize, verbatim user text, and the limits
on what people may type."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime

from bot.services.errors import InputError

# Slack's plain-text inputs hold at most 3,000 characters: with one limit for every kind
# of notes, a form can always show a note whole, so saving it never shortens it.
NOTES_LIMIT = 3000
QUOTE_LIMIT = 60
# A cell starting with one of these is read as a formula by spreadsheet tools.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def time_token(instant: datetime) -> str:
    """A Slack date token, so each reader sees the time in their own zone."""
    fallback = instant.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(instant.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"


# One way to write a calendar day in every reply and post: the weekday people plan by and
# the date they type back into commands. A day is no instant, so no Slack date token (it
# would show the day before to readers west of UTC).
DAY_FORMAT = "%a %Y-%m-%d"


def day_text(day: date) -> str:
    """`Mon 2026-11-30` (isoformat: strftime writes year 1 as `1`)."""
    return f"{day:%a} {day.isoformat()}"


def local_span(
    start: datetime, end: datetime | None, day: str = DAY_FORMAT, ongoing: str = "running"
) -> str:
    """`Wed 2026-11-25 17:00–18:30`; over midnight the end's day too: `Wed 2026-11-25 17:00
    – Thu 2026-11-26 14:30` (both already in the reader's zone), never `17:00–14:30`."""
    if end is None:
        return f"{start:{day} %H:%M}–{ongoing}"
    if end.date() == start.date():
        return f"{start:{day} %H:%M}–{end:%H:%M}"
    return f"{start:{day} %H:%M} – {end:{day} %H:%M}"


def counted(count: int, singular: str, plural: str | None = None) -> str:
    """'1 unfinished checklist', '2 unfinished checklists': never 'checklist(s)'."""
    return f"{count} {singular if count == 1 else plural or singular + 's'}"


def escape(text: str) -> str:
    """Show user text verbatim: Slack reads &, < and > as markup otherwise."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def truncate(text: str, limit: int) -> str:
    """Plain text shortened for display only (not mrkdwn: a cut may fall anywhere); the
    stored text is untouched."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


# The one rule for text in Slack: what a person typed is escaped first, then fitted to
# the limit of where it goes, so the limit counts what Slack receives (`&` is `&amp;`).
# Mrkdwn is fitted by `shown` (cut with "…") or `split_mrkdwn` (over several sections,
# bot.views.blocks.line_sections); neither cuts inside an entity or a `<…>` token.


def _inside_markup(mrkdwn: str, at: int) -> int | None:
    """Where the entity (`&amp;`) or token (`<@U1>`, a link, a date) that `at` falls
    inside starts; None when a cut at `at` leaves both whole."""
    start = None
    amp = mrkdwn.rfind("&", max(0, at - 4), at)  # the longest entity, &amp;, is 5 long
    if amp != -1 and mrkdwn.find(";", amp, at) == -1:
        start = amp
    opening = mrkdwn.rfind("<", 0, at)
    if opening != -1 and mrkdwn.find(">", opening, at) == -1:
        start = opening if start is None else min(start, opening)
    return start


def _break_at(mrkdwn: str, limit: int) -> int:
    """Where a piece of at most `limit` characters ends: at the last newline, else the
    last space, of its second half; else as late as no entity or token is cut."""
    for separator in ("\n", " "):
        at = mrkdwn.rfind(separator, limit // 2, limit)
        while at != -1 and _inside_markup(mrkdwn, at) is not None:
            at = mrkdwn.rfind(separator, limit // 2, at)
        if at != -1:
            return at
    start = _inside_markup(mrkdwn, limit)
    return start if start else limit  # a token longer than the piece is cut anyway


def shown(text: str, limit: int) -> str:
    """What a person typed, as mrkdwn of at most `limit` characters: escaped first, then
    cut with "…" (show the whole one click away)."""
    return fit(escape(text), limit)


def fit(mrkdwn: str, limit: int) -> str:
    """Mrkdwn (its user text already escaped) of at most `limit` characters, cut with "…"."""
    if len(mrkdwn) <= limit:
        return mrkdwn
    return mrkdwn[: _break_at(mrkdwn, limit - 1)].rstrip() + "…"


def split_mrkdwn(mrkdwn: str, limit: int) -> list[str]:
    """Mrkdwn (its user text already escaped) in pieces of at most `limit` characters,
    broken at a newline or space where one is near, never inside an entity or token."""
    pieces = []
    while len(mrkdwn) > limit:
        end = _break_at(mrkdwn, limit)
        pieces.append(mrkdwn[:end].rstrip())
        mrkdwn = mrkdwn[end:].lstrip(" \n")
    pieces.append(mrkdwn)
    return [piece for piece in pieces if piece.strip()]


def quoted(text: str) -> str:
    """What someone typed, quoted in a reply: inert (no live mention) and short."""
    return f"'{shown(text.strip(), QUOTE_LIMIT)}'"


def unescape(text: str) -> str:
    """Slack sends &, < and > typed by a person as entities; store what they typed."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def checked_text(value: str | None, what: str, limit: int) -> str | None:
    """Trimmed text, None when empty; longer than `limit` is refused, never cut."""
    if value is None:
        return None
    value = value.strip()
    if len(value) > limit:
        raise InputError(
            f"The {what} {'are' if what.endswith('s') else 'is'} {len(value):,} characters "
            f"long; the limit is {limit:,}."
        )
    return value or None


_SLACK_MARKUP = re.compile(r"<([@#!])?([^<>|]*)(?:\|([^<>]*))?>")


def readable(mrkdwn: str, name_of: Callable[[str], str | None]) -> str:
    """Slack's markup as a person reads it in a console: `<@U1>` as @name (or @U1),
    `<#C1|x>` as #x, a date token as its fallback, a link as its label and address."""

    def plain(match: re.Match[str]) -> str:
        sigil, target, label = match.group(1), match.group(2), match.group(3)
        if sigil == "@":
            return "@" + (name_of(target) or target)
        if sigil == "#":
            return "#" + (label or target)
        if sigil == "!":
            return label or "@" + target.split("^")[0]
        return f"{label} ({target})" if label else target

    return unescape(_SLACK_MARKUP.sub(plain, mrkdwn))


def spreadsheet_safe(text: str) -> str:
    """Keep text verbatim in a CSV cell but never let a spreadsheet run it as a formula."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def from_spreadsheet(cell: str) -> str:
    """A cell `spreadsheet_safe` wrote, read back as the text it kept: the `'` it put
    before a formula's first character is dropped (a cell read in is stored, not run)."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(_FORMULA_STARTS) else cell
