"""Timer nudges: a timer still running when its working day ended, or running longer
than `[timers] nudge_after_hours`, earns its person one DM per reason, until they say
**Keep running** (no more nudges for that entry) or stop it. Reasons that fall due
together (a long timer that is also past working hours) make one DM naming both.

A nudge about a running timer is sent whatever the hour: the timer itself says the
person is (or was meant to be) at work, and billable time is at stake.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from bot import clock
from bot.services.calendars import away_until, is_away, person_calendar
from bot.services.errors import AlreadyDone
from bot.services.parsing import format_entry_id, format_task_id
from bot.services.people import Actor
from bot.services.text import shown
from bot.services.timers import own_entry
from store.models import Task, TimeEntry, TimerSilence

if TYPE_CHECKING:
    from bot.settings import Settings

AFTER_HOURS = "after-hours"
LONG_TIMER = "long-timer"


@dataclass(frozen=True)
class Nudge:
    reasons: tuple[str, ...]  # AFTER_HOURS and/or LONG_TIMER, in that order
    at: datetime  # when it fell due (the later reason's time)
    entry: TimeEntry
    task: Task

    @property
    def key(self) -> str:
        """What its delivery is claimed under: one per reason, or per pair."""
        return "+".join(self.reasons)


def nudges_due(
    session: Session, settings: Settings, team_id: str, since: datetime, until: datetime
) -> list[Nudge]:
    """Nudges that fell due in (since, until] for timers running now and not silenced."""
    rows = session.exec(
        select(TimeEntry, Task)
        .join(Task, col(Task.id) == TimeEntry.task_id)
        .outerjoin(TimerSilence, col(TimerSilence.entry_id) == TimeEntry.id)
        .where(
            TimeEntry.team_id == team_id,
            col(TimeEntry.ended_at).is_(None),
            col(TimerSilence.entry_id).is_(None),
        )
    ).all()
    limit = timedelta(hours=settings.timers.nudge_after_hours)
    away = away_until(session, team_id, list({entry.user_id for entry, _ in rows}))
    found = []
    for entry, task in rows:
        calendar = person_calendar(session, settings, team_id, entry.user_id)
        if is_away(away, entry.user_id, calendar.local_day(until)):
            continue
        due: dict[str, datetime] = {}
        # The end of the working day the timer was started in, if it started inside one.
        if calendar.is_working_time(entry.started_at):
            day_end = calendar.at(calendar.local_day(entry.started_at), calendar.end)
            if since < day_end <= until:
                due[AFTER_HOURS] = day_end
        long_at = entry.started_at + limit
        if since < long_at <= until:
            due[LONG_TIMER] = long_at
        if due:
            found.append(Nudge(tuple(due), max(due.values()), entry, task))
    return found


def keep_running(session: Session, actor: Actor, entry_id: int) -> str:
    """Silence the nudges of this entry; say so."""
    entry = own_entry(session, actor, entry_id)
    if entry.ended_at is not None:
        raise AlreadyDone(f"{format_entry_id(entry_id)} is already stopped; nothing to keep.")
    if session.get(TimerSilence, entry_id) is None:
        session.add(TimerSilence(entry_id=entry_id, user_id=actor.user_id, at=clock.now()))
    task = session.get_one(Task, entry.task_id)
    return (
        f"OK, your timer on *{format_task_id(task.number)}* {shown(task.title, 80)} "
        "keeps running; no more reminders about it. Stop it with `/timer stop` when you are "
        "done."
    )
