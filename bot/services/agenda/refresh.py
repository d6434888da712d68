"""Bringing the stored copy of each calendar feed up to date: read the feeds that are due
(every `[calendars] refresh_minutes`, or at their back-off after a failure), keep the
last good copy when a read fails, and store what the copy expands to over the window.

A read happens outside any transaction; what it found is stored in one transaction per
feed, under the feed's own lock, so two processes refreshing at once store one copy. The
occurrences of a feed are replaced as a whole when it changed or when the window moved;
every UID it shows is recorded the first time (its first good read is the baseline, not
"new bookings").
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from bot.services.agenda.feeds import Feed, configured_feeds
from bot.services.agenda.fetch import FeedError, Fetched, fetch
from bot.services.agenda.ical import Occurrence, expand, read_calendar, uids
from bot.services.agenda.sources import fingerprint, redacted
from bot.services.people import zones_and_names
from store.db import session_scope
from store.models import CalendarBookingSeen, CalendarFeed, CalendarOccurrence
from store.sql import advisory_lock, insert_many

if TYPE_CHECKING:
    from bot.settings import Settings

logger = logging.getLogger(__name__)

WINDOW_BEFORE = timedelta(days=2)  # yesterday in every zone
WINDOW_AFTER = timedelta(days=37)  # five weeks ahead in every zone
FIRST_RETRY = timedelta(minutes=1)
MAX_BACKOFF = timedelta(hours=6)
WORKERS = 4


@dataclass(frozen=True)
class FeedRead:
    """What became of one feed on a refresh: read | unchanged | rewindowed | failed."""

    key: str
    shown: str  # the source as it may be shown (redacted)
    outcome: str
    detail: str = ""


@dataclass(frozen=True)
class _Plan:
    feed: Feed
    zone: ZoneInfo
    fetch: bool  # read the feed (else only re-expand the stored copy)
    fresh: bool  # a new feed or a changed address: nothing stored counts
    etag: str | None
    last_modified: str | None
    expand: bool  # store the occurrences again: the window moved, or the owner's zone


def window(now: datetime) -> tuple[datetime, datetime]:
    """The UTC range stored as occurrences: from two days before today (UTC) to 37 after."""
    midnight = datetime.combine(now.astimezone(UTC).date(), time(0), UTC)
    return midnight - WINDOW_BEFORE, midnight + WINDOW_AFTER


def backoff(failures: int, refresh_minutes: int, asked: float | None = None) -> timedelta:
    """When to try a failing feed again: a minute after the first failure, doubling, at
    most the refresh interval or six hours (whichever is longer); later if the server said."""
    cap = max(MAX_BACKOFF, timedelta(minutes=refresh_minutes))
    delay: timedelta = min(FIRST_RETRY * 2 ** max(failures - 1, 0), cap)
    return max(delay, timedelta(seconds=asked or 0))


def _plan(
    row: CalendarFeed | None,
    feed: Feed,
    zone: ZoneInfo,
    now: datetime,
    settings: Settings,
    force: bool,
) -> _Plan | None:
    fresh = row is None or row.source_fingerprint != fingerprint(feed.source)
    if row is None or fresh:
        return _Plan(feed, zone, True, True, None, None, False)
    every = timedelta(minutes=settings.calendars.refresh_minutes)
    if row.retry_at is not None:
        due = row.retry_at <= now
    else:
        due = row.checked_at is None or row.checked_at + every <= now
    moved = row.expanded_from is not None and (
        row.expanded_from != window(now)[0] or row.zone != zone.key
    )
    if not (due or force or moved):
        return None
    return _Plan(feed, zone, due or force, False, row.etag, row.last_modified, moved)


def refresh_feeds(
    engine: Engine, settings: Settings, team_id: str, now: datetime, *, force: bool = False
) -> list[FeedRead]:
    """Read every feed that is due (all of them with `force`), a few at a time."""
    plans = plan_refresh(engine, settings, team_id, now, force=force)
    if not plans:
        return []
    with ThreadPoolExecutor(max_workers=min(WORKERS, len(plans))) as pool:
        return list(pool.map(lambda plan: _refresh(engine, settings, plan, now), plans))


def plan_refresh(
    engine: Engine, settings: Settings, team_id: str, now: datetime, *, force: bool = False
) -> list[_Plan]:
    if not configured_feeds(settings):
        return []
    with session_scope(engine) as session:
        people = [user_id for user_id, user in settings.users.items() if user.calendar]
        known = zones_and_names(session, settings, team_id, people)
        feeds = configured_feeds(settings, {uid: name for uid, (_, name) in known.items()})
        rows = {
            row.feed_key: row
            for row in session.exec(
                select(CalendarFeed)
                .where(col(CalendarFeed.feed_key).in_([f.key for f in feeds]))
                .options(defer(CalendarFeed.body))  # type: ignore[arg-type]
            )
        }
        workspace = ZoneInfo(settings.workspace.timezone)
        plans = []
        for feed in feeds:
            owner = feed.key.removeprefix("user:")
            zone = known[owner][0] if owner in known else workspace
            plan = _plan(rows.get(feed.key), feed, zone, now, settings, force)
            if plan is not None:
                plans.append(plan)
    return plans


def next_check(engine: Engine, settings: Settings, after: datetime) -> datetime | None:
    """When a feed is next due to be read (None: no feed is configured)."""
    feeds = configured_feeds(settings)
    if not feeds:
        return None
    every = timedelta(minutes=settings.calendars.refresh_minutes)
    with session_scope(engine) as session:
        rows = {
            row.feed_key: row
            for row in session.exec(
                select(CalendarFeed)
                .where(col(CalendarFeed.feed_key).in_([f.key for f in feeds]))
                .options(defer(CalendarFeed.body))  # type: ignore[arg-type]
            )
        }
    times = []
    for feed in feeds:
        row = rows.get(feed.key)
        if (
            row is None
            or row.checked_at is None
            or row.source_fingerprint != fingerprint(feed.source)
        ):
            return after
        times.append(row.retry_at or row.checked_at + every)
    return max(after, min(times))


def _refresh(engine: Engine, settings: Settings, plan: _Plan, now: datetime) -> FeedRead:
    feed, shown = plan.feed, redacted(plan.feed.source)
    try:
        fetched = (
            fetch(
                feed.source,
                etag=plan.etag,
                last_modified=plan.last_modified,
                timeout=settings.calendars.timeout_seconds,
                max_bytes=settings.calendars.max_feed_bytes,
            )
            if plan.fetch
            else Fetched(None, plan.etag, plan.last_modified)
        )
        body = fetched.body
        if body is None and plan.expand:
            body = _stored_body(engine, feed.key)
        expanded = _expanded(body, now, plan.zone) if body is not None else None
    except FeedError as error:
        with session_scope(engine) as session:
            failures, retry_at = _store_failure(session, settings, plan, now, error)
        logger.warning(
            "calendar %s (%s) %s (failure %d in a row; tried again at %s UTC, its last "
            "good copy shown meanwhile)",
            feed.key,
            shown,
            error.reason,
            failures,
            f"{retry_at:%Y-%m-%d %H:%M}",
        )
        return FeedRead(feed.key, shown, "failed", error.reason)
    with session_scope(engine) as session:
        outcome = _store_copy(session, plan, fetched, body, expanded, now)
    if expanded is None:
        return FeedRead(feed.key, shown, outcome, "the stored copy is current")
    return FeedRead(feed.key, shown, outcome, f"{len(expanded[0])} occurrence(s) in the window")


def _stored_body(engine: Engine, feed_key: str) -> bytes | None:
    with session_scope(engine) as session:
        body = session.exec(
            select(CalendarFeed.body).where(CalendarFeed.feed_key == feed_key)
        ).first()
    return body


def _expanded(body: bytes, now: datetime, zone: ZoneInfo) -> tuple[list[Occurrence], set[str]]:
    start, end = window(now)
    try:
        calendar = read_calendar(body)
        return expand(calendar, start, end, zone), uids(calendar)
    except FeedError:
        raise
    except Exception as error:  # a feed the libraries choke on is a bad feed, not a crash
        raise FeedError(f"could not be read as a calendar ({type(error).__name__})") from None


def _locked_row(session: Session, plan: _Plan) -> CalendarFeed:
    """The feed's row under its lock, made (or started afresh, for a changed address)."""
    advisory_lock(session, f"calendar-feed:{plan.feed.key}")
    row = session.exec(
        select(CalendarFeed)
        .where(CalendarFeed.feed_key == plan.feed.key)
        .options(defer(CalendarFeed.body))  # type: ignore[arg-type]
    ).first()
    source = fingerprint(plan.feed.source)
    if row is None:
        row = CalendarFeed(feed_key=plan.feed.key, source_fingerprint=source)
        session.add(row)
    elif row.source_fingerprint != source:
        for table in (CalendarOccurrence, CalendarBookingSeen):
            session.execute(delete(table).where(col(table.feed_key) == plan.feed.key))
        for name in (
            "etag",
            "last_modified",
            "good_at",
            "body",
            "error",
            "retry_at",
            "expanded_from",
            "expanded_to",
        ):
            setattr(row, name, None)
        row.source_fingerprint, row.failures = source, 0
    row.title = plan.feed.title[:200]
    return row


def _store_failure(
    session: Session, settings: Settings, plan: _Plan, now: datetime, error: FeedError
) -> tuple[int, datetime]:
    row = _locked_row(session, plan)
    row.checked_at = now
    row.error = error.reason
    row.failures += 1
    wait = backoff(row.failures, settings.calendars.refresh_minutes, error.retry_after)
    row.retry_at = now + wait
    return row.failures, row.retry_at


def _store_copy(
    session: Session,
    plan: _Plan,
    fetched: Fetched,
    body: bytes | None,
    expanded: tuple[list[Occurrence], set[str]] | None,
    now: datetime,
) -> str:
    row = _locked_row(session, plan)
    first_read = row.good_at is None
    outcome = "read" if fetched.body is not None else "unchanged" if plan.fetch else "rewindowed"
    if plan.fetch:
        row.checked_at = row.good_at = now
        row.error, row.failures, row.retry_at = None, 0, None
        row.etag, row.last_modified = fetched.etag, fetched.last_modified
    if fetched.body is not None:
        row.body = fetched.body
    if expanded is None or body is None:
        return outcome
    occurrences, seen = expanded
    start, end = window(now)
    session.execute(
        delete(CalendarOccurrence).where(col(CalendarOccurrence.feed_key) == row.feed_key)
    )
    insert_many(session, CalendarOccurrence, [_row(row.feed_key, o) for o in occurrences])
    row.zone, row.expanded_from, row.expanded_to = plan.zone.key, start, end
    _record_seen(session, row.feed_key, seen, now, baseline=first_read)
    return outcome


def _row(feed_key: str, o: Occurrence) -> dict[str, object]:
    return {
        "feed_key": feed_key,
        "uid": o.uid,
        "recurrence_id": o.recurrence_id,
        "start_at": o.start_at,
        "end_at": o.end_at,
        "all_day": o.all_day,
        "first_day": o.first_day,
        "last_day": o.last_day,
        "summary": o.summary,
        "location": o.location,
        "status": o.status,
    }


def _record_seen(
    session: Session, feed_key: str, seen: set[str], now: datetime, baseline: bool
) -> None:
    known = set(
        session.exec(
            select(CalendarBookingSeen.uid).where(CalendarBookingSeen.feed_key == feed_key)
        )
    )
    new = sorted(seen - known)
    insert_many(
        session,
        CalendarBookingSeen,
        [
            {"feed_key": feed_key, "uid": uid, "first_seen_at": now, "baseline": baseline}
            for uid in new
        ],
    )
