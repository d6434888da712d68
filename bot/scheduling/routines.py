"""The SOP routines as scheduled jobs: each routine's checklist, posted to each person of
its audience (or its channel) at the slots of its schedule in their calendar."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.routine_extras import routine_extra
from bot.scheduling.jobs import Due, Job, JobContext, outgoing
from bot.scheduling.notify import Message, Outgoing
from bot.services import routines
from bot.services.routine_catalog import Routine
from bot.services.rows import saved_id
from bot.views.routines import checklist_blocks, checklist_text
from store.db import session_scope

ROUTINE_PREFIX = "routine:"


class RoutineJob(Job):
    def __init__(self, routine: Routine) -> None:
        self.routine = routine
        self.name = ROUTINE_PREFIX + routine.name
        where = "the channel" if routine.to_channel else "each of"
        self.summary = f"{routine.title}: {routine.schedule}, to {where} {routine.audience}"

    def due(self, ctx: JobContext, team_id: str, since: datetime, until: datetime) -> list[Due]:
        with session_scope(ctx.engine) as session:
            found = routines.routine_slots(
                session, ctx.settings, team_id, self.routine, since, until
            )
        return [Due(self.name, team_id, d.recipient, d.slot, d) for d in found]

    def next_run(self, ctx: JobContext, team_id: str, after: datetime) -> datetime | None:
        with session_scope(ctx.engine) as session:
            return routines.next_routine_slot(session, ctx.settings, team_id, self.routine, after)

    def messages(self, ctx: JobContext, due: Due) -> list[Outgoing]:
        routine_due: routines.RoutineDue = due.subject
        settings = ctx.settings

        def compose(session: Session) -> Message:
            run = routines.open_run(session, due.team_id, routine_due)
            items = routines.run_items(run)
            ticks = routines.ticks_of(session, saved_id(run))
            morning = routines.morning_tasks_of(session, settings, run)
            extra = routine_extra(session, settings, run)
            return Message(
                checklist_text(run, items, ticks),
                checklist_blocks(run, items, ticks, morning, extra),
            )

        def after_post(session: Session, channel: str, ts: str | None) -> None:
            run = routines.open_run(session, due.team_id, routine_due)
            run.channel_id, run.message_ts = channel, ts
            session.add(run)

        return [outgoing(due, due.recipient, compose, after_post)]
