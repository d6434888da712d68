"""Which calendar feeds the settings name: a person's own (`user:<id>`) and the shared
ones (`shared:<name>`), each with its source and the title people see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.settings import Settings

USER_PREFIX = "user:"
SHARED_PREFIX = "shared:"


@dataclass(frozen=True)
class Feed:
    key: str
    source: str  # as VA Desk reads it; shown only through sources.redacted
    title: str


def user_feed_key(user_id: str) -> str:
    return f"{USER_PREFIX}{user_id}"


def shared_feed_key(name: str) -> str:
    return f"{SHARED_PREFIX}{name}"


def feed_keys_for(settings: Settings, user_id: str) -> list[str]:
    """The person's own calendar feed key(s): none when they set no calendar."""
    if settings.user_settings(user_id).calendar is None:
        return []
    return [user_feed_key(user_id)]


def shared_feed_keys(settings: Settings) -> list[str]:
    """The shared calendars' keys, in the file's order."""
    return [shared_feed_key(name) for name in settings.calendars.shared]


def configured_feeds(settings: Settings, names: dict[str, str] | None = None) -> list[Feed]:
    """Every feed the settings name, people's first; `names` (user id to display name)
    titles a person's calendar "Olivia's calendar"."""
    names = names or {}
    feeds = [
        Feed(user_feed_key(user_id), user.calendar, f"{names.get(user_id, user_id)}'s calendar")
        for user_id, user in settings.users.items()
        if user.calendar is not None
    ]
    feeds += [
        Feed(shared_feed_key(name), calendar.url, settings.calendars.title_of(name))
        for name, calendar in settings.calendars.shared.items()
    ]
    return feeds
