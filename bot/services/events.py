"""Slack redelivers events it thinks were missed; each event id is handled once."""

from __future__ import annotations

from datetime import datetime, timedelta
from weakref import WeakKeyDictionary

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot import clock
from store.db import session_scope
from store.models import ProcessedEvent

# Slack retries a delivery for minutes, not days; older ids are forgotten.
REMEMBER_FOR = timedelta(days=1)


PRUNE_EVERY = timedelta(hours=1)
_next_prune: WeakKeyDictionary[Engine, datetime] = WeakKeyDictionary()


def first_delivery(engine: Engine, event_id: str) -> bool:
    """Record the event id; False when it was already recorded. Ids older than a day
    are dropped now and then (at most hourly per process)."""
    now = clock.now()
    due = _next_prune.get(engine)
    if due is None or now >= due:
        _next_prune[engine] = now + PRUNE_EVERY
        forget_old_events(engine)
    try:
        with session_scope(engine) as session:
            session.add(ProcessedEvent(event_id=event_id, received_at=now))
    except sa.exc.IntegrityError:
        return False
    return True


def forget_old_events(engine: Engine) -> int:
    """Drop ids older than REMEMBER_FOR; returns how many were dropped."""
    with session_scope(engine) as session:
        result = session.execute(
            sa.delete(ProcessedEvent).where(ProcessedEvent.received_at < clock.now() - REMEMBER_FOR)
        )
        return result.rowcount
