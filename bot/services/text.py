"""Text as Slack shows it: date tokens that localize, and verbatim user text."""

from __future__ import annotations

from datetime import datetime


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


def unescape(text: str) -> str:
    """Slack sends &, < and > typed by a person as entities; store what they typed."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
