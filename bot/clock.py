"""The one source of "now" for VA Desk.

Production reads the system clock. Tests and replays pin it: `set_now()` in
process, or the `VADESK_NOW` environment variable (ISO 8601) for a whole
process, such as a restarted server in an end-to-end test.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

_pinned: datetime | None = None


def parse_instant(text: str) -> datetime:
    """An ISO 8601 instant as an aware UTC datetime (no zone: UTC); ValueError if not one."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def now() -> datetime:
    """Return the current instant as an aware UTC datetime."""
    if _pinned is not None:
        return _pinned
    env_value = os.environ.get("VADESK_NOW")
    if env_value:
        return parse_instant(env_value)
    return system_now()


def system_now() -> datetime:
    """The machine's clock: what `now()` reads when nothing pins it (the test suite
    replaces this to catch a test that depends on today's date)."""
    return datetime.now(UTC)


def is_pinned() -> bool:
    """Whether `set_now` or `VADESK_NOW` pins "now"."""
    return _pinned is not None or bool(os.environ.get("VADESK_NOW"))


def set_now(value: datetime | str | None) -> None:
    """Pin "now" to an instant (or unpin it with None)."""
    global _pinned
    if value is None:
        _pinned = None
    elif isinstance(value, str):
        _pinned = parse_instant(value)
    else:
        _pinned = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
