"""The response-time targets of client conversations, as the `sla-sweep` job checks them.

An unanswered conversation reaches near breach at `near_breach_ratio` of its target
(15 business minutes, or 4 business hours for an asynchronous request) and breach at
the target itself, both counted on the client's business-hours clock from the client's
message. Each is recorded once, when the job reaches it. An answered conversation the
client has gone quiet in closes after `close_after_idle_minutes`; queued conversations
go to VAs who came on shift or were freed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, cast

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlmodel import Session, col, select

from bot.services import chat_assignment
from bot.services.chats import calendar_of, close_if_idle, idle_close_at, record_event, target_due
from bot.services.rows import saved_id
from bot.services.schedules import Calendar, add_working_time
from store.models import Conversation

if TYPE_CHECKING:
    from bot.settings import Settings

NEAR_BREACH, BREACH, IDLE, FROM_QUEUE = "near-breach", "breach", "idle", "from-queue"
QUEUED = "queued"


@dataclass(frozen=True)
class TargetDue:
    conversation: Conversation | None  # None: breaches or idle closes, all in one
    kind: str  # near-breach | breach | idle | from-queue | queued
    at: datetime
    to: str | None = None  # from-queue: the VA with room
    ids: tuple[int, ...] = ()  # breach, idle, queued: the conversations

    @property
    def key(self) -> str:
        """What the sweep's delivery is claimed under: one per conversation and kind, and
        one for each minute's breaches, idle closes and newly queued."""
        if self.conversation is None:
            return f"{self.kind}:{self.at:%Y-%m-%dT%H:%M}"
        return f"{self.kind}:C-{self.conversation.id}"


def target_minutes(settings: Settings, conversation: Conversation) -> float:
    if conversation.asynchronous:
        return settings.sla.acknowledge_business_hours * 60
    return float(settings.sla.first_response_minutes)


def near_breach_at(settings: Settings, conversation: Conversation, calendar: Calendar) -> datetime:
    minutes = target_minutes(settings, conversation) * settings.sla.near_breach_ratio
    return add_working_time(calendar, conversation.opened_at, timedelta(minutes=minutes))


def sweep_due(
    session: Session, settings: Settings, team_id: str, until: datetime
) -> list[TargetDue]:
    """What the sweep has to do up to `until`; nothing is changed here."""
    calendars: dict[str, Calendar] = {}
    found: list[TargetDue] = []
    idle: list[int] = []
    breached: list[int] = []
    open_rows = session.exec(
        select(Conversation).where(
            Conversation.team_id == team_id, col(Conversation.closed_at).is_(None)
        )
    )
    for conversation in open_rows:
        channel = conversation.channel_id
        if channel not in calendars:
            calendars[channel] = calendar_of(session, settings, conversation)
        calendar = calendars[channel]
        if conversation.first_response_at is not None:
            closes = idle_close_at(settings, conversation, calendar)
            if closes is not None and closes <= until:
                idle.append(saved_id(conversation))
            continue
        due = target_due(conversation)
        if conversation.breached_at is None and due <= until:
            breached.append(saved_id(conversation))
        elif conversation.near_breach_at is None and conversation.breached_at is None:
            near = near_breach_at(settings, conversation, calendar)
            if near <= until:
                found.append(TargetDue(conversation, NEAR_BREACH, near))
    minute = until.replace(second=0, microsecond=0)
    # Breaches of one sweep go out as one post: the supervisor channel takes 1 post/s.
    if breached:
        found.append(TargetDue(None, BREACH, minute, ids=tuple(breached)))
    if idle:
        found.append(TargetDue(None, IDLE, minute, ids=tuple(idle)))
    moves = _queue_moves(session, settings, team_id, until)
    moving = {move.conversation.id for move in moves if move.conversation is not None}
    unannounced = tuple(i for i in _unannounced(session, team_id) if i not in moving)
    if unannounced:
        found.append(TargetDue(None, QUEUED, minute, ids=unannounced))
    return found + moves


def _unannounced(session: Session, team_id: str) -> tuple[int, ...]:
    ids = tuple(
        session.exec(
            select(col(Conversation.id))
            .where(
                Conversation.team_id == team_id,
                col(Conversation.closed_at).is_(None),
                col(Conversation.assignee_id).is_(None),
                col(Conversation.queue_announced_at).is_(None),
            )
            .order_by(col(Conversation.opened_at), col(Conversation.id))
        )
    )
    return cast(tuple[int, ...], ids)  # a primary key is never NULL


def record_announced(
    session: Session, conversation_ids: tuple[int, ...], now: datetime
) -> list[Conversation]:
    """Stamp the queued conversations as announced to the supervisors (once); those
    stamped now, still waiting."""
    changed = session.exec(
        sa.update(Conversation)
        .where(
            col(Conversation.id).in_(conversation_ids),
            col(Conversation.queue_announced_at).is_(None),
            col(Conversation.assignee_id).is_(None),
            col(Conversation.closed_at).is_(None),
        )
        .values(queue_announced_at=now)
        .returning(col(Conversation.id))
    ).scalars()
    ids = list(changed)
    if not ids:
        return []
    return list(
        session.exec(
            select(Conversation)
            .where(col(Conversation.id).in_(ids))
            .order_by(col(Conversation.opened_at), col(Conversation.id))
            .execution_options(populate_existing=True)
        )
    )


def _queue_moves(
    session: Session, settings: Settings, team_id: str, until: datetime
) -> list[TargetDue]:
    waiting = chat_assignment.queued(session, team_id)
    if not waiting:
        return []
    counts = chat_assignment.open_counts(session, team_id)
    shifts = chat_assignment.Shifts(session, settings, team_id, until)
    moves: list[TargetDue] = []
    for conversation in waiting:
        va = chat_assignment.choose_va(session, settings, conversation, counts, shifts)
        if va is None:
            break
        counts[va] = counts.get(va, 0) + 1
        moves.append(TargetDue(conversation, FROM_QUEUE, until, va))
    return moves


def record_near_breach(session: Session, conversation_id: int, at: datetime) -> Conversation | None:
    """Stamp the near breach (once); None if it no longer applies."""
    return _stamp(session, conversation_id, col(Conversation.near_breach_at), "near_breach", at)


def record_breaches(session: Session, conversation_ids: tuple[int, ...]) -> list[Conversation]:
    """Stamp each breach (once, at its due time); the conversations stamped now."""
    stamped = []
    for conversation in session.exec(
        select(Conversation).where(col(Conversation.id).in_(conversation_ids))
    ).all():
        row = _stamp(
            session,
            saved_id(conversation),
            col(Conversation.breached_at),
            "breach",
            target_due(conversation),
        )
        if row is not None:
            stamped.append(row)
    return stamped


def _stamp(
    session: Session,
    conversation_id: int,
    column: Mapped[datetime | None],
    kind: str,
    at: datetime,
) -> Conversation | None:
    changed = session.exec(
        sa.update(Conversation)
        .where(
            col(Conversation.id) == conversation_id,
            col(Conversation.closed_at).is_(None),
            col(Conversation.first_response_at).is_(None),
            column.is_(None),
        )
        .values({column: at})
    ).rowcount
    if not changed:
        return None
    conversation = session.get_one(Conversation, conversation_id, populate_existing=True)
    record_event(session, conversation, kind, at)
    return conversation


def close_idle(
    session: Session, settings: Settings, conversation_ids: tuple[int, ...], now: datetime
) -> int:
    """Close those still idle (each at the instant it went idle); how many closed."""
    closed = 0
    rows = session.exec(
        select(Conversation).where(
            col(Conversation.id).in_(conversation_ids), col(Conversation.closed_at).is_(None)
        )
    )
    for conversation in rows.all():
        calendar = calendar_of(session, settings, conversation)
        closed += close_if_idle(session, settings, conversation, calendar, now)
    return closed


def give_from_queue(
    session: Session, settings: Settings, conversation_id: int, va: str, now: datetime
) -> Conversation | None:
    """Assign a queued conversation to the VA the sweep chose, if both still hold."""
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        return None
    chat_assignment.serialize_placements(session, conversation.team_id)
    session.refresh(conversation)
    if conversation.closed_at is not None or conversation.assignee_id is not None:
        return None
    if not chat_assignment.has_room(session, settings, conversation.team_id, va):
        return None
    chat_assignment.assign(session, conversation, va, now, "assigned", actor="vadesk")
    return conversation
