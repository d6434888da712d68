"""Text as Slack shows it: date tokens that localize, verbatim user text, and the limits
on what people may type."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from bot.services.errors import InputError

# Slack's plain-text inputs hold at most 3,000 characters: with one limit for every kind
# of notes, a form can always show a note whole, so saving it never shortens it.
NOTES_LIMIT = 3000
QUOTE_LIMIT = 60


def time_token(instant: datetime) -> str:
    """A Slack date token, so each reader sees the time in their own zone."""
    fallback = instant.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(instant.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"


def escape(text: str) -> str:
    """Show user text verbatim: Slack reads &, < and > as markup otherwise."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def truncate(text: str, limit: int) -> str:
    """Shorten for display only; the stored text is untouched."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def quoted(text: str) -> str:
    """What someone typed, quoted in a reply: inert (no live mention) and short."""
    return f"'{escape(truncate(text.strip(), QUOTE_LIMIT))}'"


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
