"""The audit trail: who changed what, when, from which value to which, and why."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from sqlmodel import Session, col, select

from bot import clock
from bot.services.people import Actor
from store.models import AuditRecord
from store.prepared import built
from store.sql import insert_row


def _plain(value: Any) -> Any:
    """Instants as UTC ISO 8601, so the trail reads the same whoever made the change."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _dump(values: dict[str, Any] | None) -> str | None:
    if values is None:
        return None
    plain = {key: _plain(value) for key, value in values.items()}
    return json.dumps(plain, ensure_ascii=False, sort_keys=True)


def record(
    session: Session,
    actor: Actor,
    entity: str,
    entity_id: int,
    action: str,
    old: dict[str, Any] | None,
    new: dict[str, Any] | None,
    reason: str | None = None,
) -> AuditRecord:
    return record_by(
        session, actor.team_id, actor.user_id, entity, entity_id, action, old, new, reason
    )


def record_by(
    session: Session,
    team_id: str,
    actor_id: str,
    entity: str,
    entity_id: int,
    action: str,
    old: dict[str, Any] | None,
    new: dict[str, Any] | None,
    reason: str | None = None,
) -> AuditRecord:
    """`record` for a change whose actor is known by id only (a service called with
    the acting person's id, such as an invoice finalized or voided)."""
    entry = built(
        AuditRecord,
        {
            "team_id": team_id,
            "actor_id": actor_id,
            "at": clock.now(),
            "entity": entity,
            "entity_id": entity_id,
            "action": action,
            "old_value": _dump(old),
            "new_value": _dump(new),
            "reason": reason,
        },
    )
    insert_row(session, entry)
    return entry


def trail(session: Session, team_id: str, entity: str, entity_id: int) -> list[AuditRecord]:
    return list(
        session.exec(
            select(AuditRecord)
            .where(
                AuditRecord.team_id == team_id,
                AuditRecord.entity == entity,
                AuditRecord.entity_id == entity_id,
            )
            .order_by(col(AuditRecord.id))
        )
    )
