"""Slack redelivers events it thinks were missed; each event id is handled once."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot import clock
from store.db import session_scope
from store.models import ProcessedEvent


def first_delivery(engine: Engine, event_id: str) -> bool:
    """Record the event id; False when it was already recorded."""
    try:
        with session_scope(engine) as session:
            session.add(ProcessedEvent(event_id=event_id, received_at=clock.now()))
    except sa.exc.IntegrityError:
        return False
    return True
