"""CSAT prompts as a scheduled job (`csat-prompts`): one prompt in the client channel
after a client task is done."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from bot.scheduling.jobs import Due, Job, JobContext, outgoing
from bot.scheduling.notify import Message, Outgoing
from bot.services import csat
from bot.services.rows import saved_id
from bot.services.schedules import Slot
from bot.views.csat import prompt_blocks, prompt_text
from store.db import session_scope

CSAT_PROMPTS = "csat-prompts"


class CsatPromptJob(Job):
    name = CSAT_PROMPTS
    summary = "the CSAT prompt in a client channel after a client task is done ([clients] csat)"

    def due(self, ctx: JobContext, team_id: str, since: datetime, until: datetime) -> list[Due]:
        with session_scope(ctx.engine) as session:
            found = csat.prompts_due(session, ctx.settings, team_id, since, until)
        far = until + timedelta(days=1)
        return [
            Due(self.name, team_id, f"T-{p.task.id}", Slot(done, far, far), p)
            for p in found
            if (done := p.task.completed_at) is not None  # found because it is done
        ]

    def next_run(self, ctx: JobContext, team_id: str, after: datetime) -> datetime | None:
        return after  # checked on every tick

    def messages(self, ctx: JobContext, due: Due) -> list[Outgoing]:
        prompt_due: csat.PromptDue = due.subject
        made: list[int] = []

        def compose(session: Session) -> Message:
            prompt = csat.open_prompt(session, due.team_id, prompt_due.task, prompt_due.channel)
            made.append(saved_id(prompt))
            return Message(
                prompt_text(prompt, prompt_due.task), prompt_blocks(prompt, prompt_due.task)
            )

        def after_post(session: Session, channel: str, ts: str | None) -> None:
            csat.record_posted(session, made[0], ts)

        return [outgoing(due, due.recipient, compose, after_post, channel=prompt_due.channel)]
