"""Task and time entry ids as people type them (T-12, E-12) and as VA Desk shows them."""

from __future__ import annotations

import re

from bot.services.errors import InputError, NotFound
from bot.services.text import quoted, truncate

MAX_ID = 2**31 - 1  # the largest id an SQL INTEGER column holds


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


def format_entry_id(entry_id: int) -> str:
    """Show a time entry id the way people type it: E-12."""
    return f"E-{entry_id}"


def format_task_id(number: int) -> str:
    """Show a task number the way people type it: T-12."""
    return f"T-{number}"
