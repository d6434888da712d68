"""Client chats' response-time targets as a scheduled job (`sla-sweep`): near-breach DMs,
breaches and newly queued chats posted to `[channels] digest`, idle conversations closed,
queued chats given to VAs with room. Each stamp is recorded inside the claim, once."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from bot import clock
from bot.scheduling.jobs import Due, Job, JobContext, outgoing
from bot.scheduling.notify import Message, Outgoing
from bot.services import chat_targets, chats
from bot.services.rows import saved_id
from bot.services.schedules import Slot
from bot.views.chats import (
    assigned_blocks,
    assigned_text,
    breach_blocks,
    breaches_text,
    near_breach_blocks,
    near_breach_text,
    queue_post,
)
from store.db import session_scope

SLA_SWEEP = "sla-sweep"


class SlaSweepJob(Job):
    name = SLA_SWEEP
    summary = (
        "client chats: near-breach DMs; breaches and newly queued chats posted to "
        "[channels] digest; idle closes; queued chats to VAs with room"
    )

    def due(self, ctx: JobContext, team_id: str, since: datetime, until: datetime) -> list[Due]:
        with session_scope(ctx.engine) as session:
            found = chat_targets.sweep_due(session, ctx.settings, team_id, until)
        far = until + timedelta(days=1)  # useful while the conversation is open
        return [Due(self.name, team_id, t.key, Slot(t.at, far, far), t) for t in found]

    def next_run(self, ctx: JobContext, team_id: str, after: datetime) -> datetime | None:
        return after  # checked on every tick

    def messages(self, ctx: JobContext, due: Due) -> list[Outgoing]:
        target: chat_targets.TargetDue = due.subject
        conversation = target.conversation  # of a near breach or a hand-out; else None
        settings = ctx.settings

        def near_breach(session: Session) -> Message | None:
            if conversation is None:
                return None
            row = chat_targets.record_near_breach(session, saved_id(conversation), target.at)
            if row is None or not conversation.assignee_id:
                return None  # queued: the supervisors were told when it was queued
            waited = settings.sla.near_breach_ratio * chat_targets.target_minutes(settings, row)
            name, now = chats.client_name(session, row), clock.now()
            opening = chats.opening_texts(session, [saved_id(row)]).get(saved_id(row))
            return Message(
                near_breach_text(row, name, waited, now),
                near_breach_blocks(row, name, waited, now, opening),
            )

        def breach(session: Session) -> Message | None:
            rows = chat_targets.record_breaches(session, target.ids)
            if not rows or not settings.channels.digest:
                return None
            names = chats.client_names(session, due.team_id)
            openings = chats.opening_texts(session, [saved_id(row) for row in rows])
            return Message(breaches_text(rows, names), breach_blocks(rows, names, openings))

        def queued(session: Session) -> Message | None:
            rows = chat_targets.record_announced(session, target.ids, clock.now())
            if not rows or not settings.channels.digest:
                return None
            names = chats.client_names(session, due.team_id)
            cap = settings.sla.max_open_chats_per_va
            text, blocks = queue_post(rows, names, cap, clock.now())
            return Message(text, blocks)

        def idle(session: Session) -> None:
            chat_targets.close_idle(session, settings, target.ids, clock.now())
            return None

        def from_queue(session: Session) -> Message | None:
            if conversation is None or target.to is None:
                return None
            row = chat_targets.give_from_queue(
                session, settings, saved_id(conversation), target.to, clock.now()
            )
            if row is None:
                return None
            name = chats.client_name(session, row)
            now = clock.now()
            return Message(assigned_text(row, name, now), assigned_blocks(row, name, now))

        compose, channel = {
            chat_targets.NEAR_BREACH: (
                near_breach,
                conversation.assignee_id if conversation else None,
            ),
            chat_targets.BREACH: (breach, settings.channels.digest),
            chat_targets.IDLE: (idle, None),
            chat_targets.QUEUED: (queued, settings.channels.digest),
            chat_targets.FROM_QUEUE: (from_queue, target.to),
        }[target.kind]
        # Nowhere to post (no VA yet, no digest channel): the stamp is still recorded.
        return [outgoing(due, due.recipient, compose, channel=channel or "-")]
