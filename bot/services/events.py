"""Slack redelivers events it thinks were missed; each is handled once. Thread answers
remember the event id; client-channel messages remember their ts (`ChannelMessage`).
Slack retries for minutes, not days: what is older than a day is forgotten, at most
once an hour per process, by whichever listener comes first."""

from __future__ import annotations

from datetime import datetime, timedelta
from weakref import WeakKeyDictionary

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import col

from bot import clock
from store.db import session_scope
from store.models import ChannelMessage, ProcessedEvent

REMEMBER_FOR = timedelta(days=1)
PRUNE_EVERY = timedelta(hours=1)
_next_prune: WeakKeyDictionary[Engine, datetime] = WeakKeyDictionary()


def first_delivery(engine: Engine, event_id: str) -> bool:
    """Record the event id; False when it was already recorded."""
    now = clock.now()
    forget_old_now_and_then(engine)
    try:
        with session_scope(engine) as session:
            session.add(ProcessedEvent(event_id=event_id, received_at=now))
    except sa.exc.IntegrityError:
        return False
    return True


def forget_old_now_and_then(engine: Engine) -> None:
    now = clock.now()
    due = _next_prune.get(engine)
    if due is None or now >= due:
        _next_prune[engine] = now + PRUNE_EVERY
        forget_old_events(engine)


def forget_old_events(engine: Engine) -> int:
    """Drop event ids and counted messages older than REMEMBER_FOR; how many went."""
    cutoff = clock.now() - REMEMBER_FOR
    # A ts is seconds since 1970 with six decimals: until 2286 they sort as text.
    oldest_ts = f"{cutoff.timestamp():.6f}"
    with session_scope(engine) as session:
        events = session.exec(
            sa.delete(ProcessedEvent).where(col(ProcessedEvent.received_at) < cutoff)
        ).rowcount
        messages = session.exec(
            sa.delete(ChannelMessage).where(col(ChannelMessage.ts) < oldest_ts)
        ).rowcount
        return events + messages
