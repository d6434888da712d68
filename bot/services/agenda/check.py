"""Reading every configured feed once, storing nothing: what `vadesk doctor` says about
each calendar (read and how many events, or which sentence it failed with)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.services.agenda.feeds import Feed, configured_feeds
from bot.services.agenda.fetch import FeedError, fetch
from bot.services.agenda.ical import read_calendar, uids
from bot.services.agenda.sources import redacted

if TYPE_CHECKING:
    from bot.settings import Settings

WORKERS = 4


@dataclass(frozen=True)
class FeedCheck:
    key: str
    shown: str  # the source, redacted
    ok: bool
    detail: str  # "read: 12 events (3.4 KB)" or the failure's sentence


def check_feed(settings: Settings, feed: Feed) -> FeedCheck:
    shown = redacted(feed.source)
    try:
        fetched = fetch(
            feed.source,
            etag=None,
            last_modified=None,
            timeout=settings.calendars.timeout_seconds,
            max_bytes=settings.calendars.max_feed_bytes,
        )
        body = fetched.body or b""
        events = len(uids(read_calendar(body)))
    except FeedError as error:
        return FeedCheck(feed.key, shown, False, error.reason)
    return FeedCheck(feed.key, shown, True, f"read: {events} event(s), {len(body) / 1024:.1f} KB")


def check_feeds(settings: Settings) -> list[FeedCheck]:
    """Every configured feed read now, in the file's order (people's, then shared)."""
    feeds = configured_feeds(settings)
    if not feeds:
        return []
    with ThreadPoolExecutor(max_workers=min(WORKERS, len(feeds))) as pool:
        return list(pool.map(lambda feed: check_feed(settings, feed), feeds))
