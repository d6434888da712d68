"""Escalation follow-ups as a scheduled job (`escalation-followups`): an open escalation
followed up in its thread after its business minutes, or posted late if Slack refused it
when it was raised."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from bot.scheduling.jobs import Due, Job, JobContext, outgoing
from bot.scheduling.notify import Message, Outgoing
from bot.services import escalations
from bot.services.rows import saved_id
from bot.services.schedules import Slot
from bot.views.escalations import escalation_blocks, escalation_text, follow_up_text
from store.db import session_scope
from store.models import Escalation, Task

ESCALATION_FOLLOW_UPS = "escalation-followups"


class EscalationFollowUpJob(Job):
    name = ESCALATION_FOLLOW_UPS
    summary = "open escalations followed up in their thread (urgent 30, normal 240 business min)"

    def due(self, ctx: JobContext, team_id: str, since: datetime, until: datetime) -> list[Due]:
        with session_scope(ctx.engine) as session:
            found = escalations.follow_ups_due(session, ctx.settings, team_id, since, until)
        far = until + timedelta(days=1)  # useful while the escalation is open
        return [
            Due(self.name, team_id, f"ESC-{f.escalation.id}", Slot(f.at, far, far), f)
            for f in found
        ]

    def next_run(self, ctx: JobContext, team_id: str, after: datetime) -> datetime | None:
        return after  # checked on every tick

    def messages(self, ctx: JobContext, due: Due) -> list[Outgoing]:
        follow_up: escalations.FollowUp = due.subject
        escalation = follow_up.escalation
        if escalation.message_ts is None:  # Slack refused it when it was raised
            channel = ctx.settings.channels.escalations
            return [self._first_post(due, saved_id(escalation), channel)] if channel else []

        def compose(session: Session) -> Message:
            return Message(follow_up_text(follow_up), thread_ts=escalation.message_ts)

        return [outgoing(due, due.recipient, compose, channel=escalation.channel_id)]

    @staticmethod
    def _first_post(due: Due, escalation_id: int, channel: str) -> Outgoing:
        """The escalation's own message, posted late: whoever takes it needs its buttons."""

        def compose(session: Session) -> Message | None:
            escalation = session.get(Escalation, escalation_id)
            if escalation is None or escalation.message_ts is not None:
                return None
            task = session.get(Task, escalation.task_id) if escalation.task_id else None
            return Message(escalation_text(escalation), escalation_blocks(escalation, task))

        def after_post(session: Session, channel: str, ts: str | None) -> None:
            escalations.record_posted(session, escalation_id, channel, ts)

        return outgoing(due, due.recipient, compose, after_post, channel=channel)
