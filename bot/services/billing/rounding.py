"""Billed time from raw time. Raw seconds are never changed: rounding makes a new figure,
only when an invoice is drafted, by the client's `Rounding`."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from bot.services.billing.terms import Rounding


def whole_seconds(duration: timedelta) -> int:
    """An entry's raw time as VA Desk bills it: whole seconds (a fraction of a second,
    which only a timer's clock reading carries, is not billed)."""
    return max(0, int(duration.total_seconds()))


def round_seconds(seconds: int, increment_minutes: int, direction: str) -> int:
    """`seconds` to a multiple of the increment: up (any part of an increment counts as
    a whole one), nearest (a half counts as a whole one) or down. 0 keeps the seconds."""
    if seconds < 0:
        raise ValueError("time cannot be negative")
    if not increment_minutes:
        return seconds
    step = increment_minutes * 60
    whole, part = divmod(seconds, step)
    if direction == "up":
        whole += 1 if part else 0
    elif direction == "nearest":
        whole += 1 if 2 * part >= step else 0
    elif direction != "down":
        raise ValueError(f"unknown rounding direction {direction!r}")
    return whole * step


def billed_seconds(entry_seconds: Iterable[int], rounding: Rounding) -> int:
    """One line's billed time from its entries' raw seconds: each entry rounded and then
    added up (`per = "entry"`), or added up and then rounded (`per = "total"`)."""
    increment, direction = rounding.increment_minutes, rounding.direction
    if rounding.per == "entry":
        return sum(round_seconds(seconds, increment, direction) for seconds in entry_seconds)
    return round_seconds(sum(entry_seconds), increment, direction)
