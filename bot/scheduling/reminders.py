"""Timer nudges and focus blocks as one scheduled job (`reminders`), looked at on every
tick: a timer past working hours or running too long, a focus block that changes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlmodel import Session

from bot import clock
from bot.scheduling.jobs import Due, Job, JobContext, outgoing
from bot.scheduling.notify import Message, Outgoing
from bot.services import focus, reminders
from bot.services.schedules import Slot
from bot.views.focus import focus_blocks, focus_text
from bot.views.reminders import nudge_blocks, nudge_text
from store.db import session_scope

REMINDERS = "reminders"
FOCUS = "reminders:focus"


class RemindersJob(Job):
    name = REMINDERS
    summary = "timer nudges (past working hours, over [timers] nudge_after_hours), focus blocks"

    def due(self, ctx: JobContext, team_id: str, since: datetime, until: datetime) -> list[Due]:
        with session_scope(ctx.engine) as session:
            nudges = reminders.nudges_due(session, ctx.settings, team_id, since, until)
            sessions = focus.sessions_due(session, team_id, since, until)
        far = until + timedelta(days=1)  # useful as long as the timer runs
        dues = [
            Due(
                f"{REMINDERS}:{nudge.key}",
                team_id,
                nudge.entry.user_id,
                Slot(nudge.at, far, far),
                nudge,
            )
            for nudge in nudges
        ]
        dues += [
            Due(FOCUS, team_id, s.user_id, Slot(s.next_change_at, far, far), s.id) for s in sessions
        ]
        return dues

    def next_run(self, ctx: JobContext, team_id: str, after: datetime) -> datetime | None:
        return after  # checked on every tick

    def messages(self, ctx: JobContext, due: Due) -> list[Outgoing]:
        if due.job == FOCUS:
            return [outgoing(due, due.recipient, _focus_change(due.subject))]
        nudge: reminders.Nudge = due.subject
        hours = ctx.settings.timers.nudge_after_hours

        def compose(session: Session) -> Message:
            return Message(nudge_text(nudge, hours), nudge_blocks(nudge, hours))

        return [outgoing(due, due.recipient, compose)]


def _focus_change(focus_id: int) -> Callable[[Session], Message | None]:
    """Move a focus session along (inside the claim: once) and say where it stands."""

    def compose(session: Session) -> Message | None:
        change = focus.advance(session, focus_id, clock.now())
        if change is None:
            return None
        return Message(focus_text(change), focus_blocks(change))

    return compose
