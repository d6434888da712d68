"""Routines from the SOPs: who gets which checklist when, the checklist runs, their
ticks, and the morning's task list in Eisenhower order.

A routine goes to each person of its audience at the slots of its schedule in that
person's own calendar (see `bot.services.schedules`), never on a day they are out of
office; a routine for a channel follows the workspace's calendar. A run takes ticks
until it closes (midnight local, or the next hourly check), from its owner only (for a
channel routine, from anyone on the roster).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from bot import clock
from bot.services.calendars import away_until, is_away, person_calendar, workspace_calendar
from bot.services.errors import NotFound, PermissionDenied, VADeskError
from bot.services.kpis import OPEN_STATUSES
from bot.services.people import roster
from bot.services.routine_catalog import AUDIENCES, Routine
from bot.services.rows import saved_id
from bot.services.schedules import Calendar, Slot, next_slot, parse_schedule, slots_between
from store.models import RoutineRun, RoutineTick, Task

if TYPE_CHECKING:
    from bot.settings import Settings


class RoutineClosed(VADeskError):
    """A tick on a checklist whose time is over."""


def audience_of(
    session: Session, settings: Settings, team_id: str, routine: Routine
) -> tuple[str, ...]:
    """The people (or the one channel) a routine goes to."""
    if routine.audience in AUDIENCES:
        return roster(session, settings, team_id).members(routine.audience)
    return (routine.audience,)


def recipient_calendar(
    session: Session, settings: Settings, team_id: str, routine: Routine, recipient: str
) -> Calendar:
    if routine.to_channel:
        return workspace_calendar(settings)
    return person_calendar(session, settings, team_id, recipient)


@dataclass(frozen=True)
class RoutineDue:
    routine: Routine
    recipient: str
    slot: Slot


def routine_slots(
    session: Session,
    settings: Settings,
    team_id: str,
    routine: Routine,
    since: datetime,
    until: datetime,
) -> list[RoutineDue]:
    """Every slot of the routine in (since, until], per recipient, minus days away."""
    schedule = parse_schedule(routine.schedule)
    recipients = list(audience_of(session, settings, team_id, routine))
    away = {} if routine.to_channel else away_until(session, team_id, recipients)
    found = []
    for recipient in recipients:
        calendar = recipient_calendar(session, settings, team_id, routine, recipient)
        for slot in slots_between(schedule, calendar, since, until):
            if not is_away(away, recipient, calendar.local_day(slot.at)):
                found.append(RoutineDue(routine, recipient, slot))
    return found


def next_routine_slot(
    session: Session, settings: Settings, team_id: str, routine: Routine, after: datetime
) -> datetime | None:
    """The routine's next slot for anyone in its audience."""
    schedule = parse_schedule(routine.schedule)
    upcoming = []
    for recipient in audience_of(session, settings, team_id, routine):
        calendar = recipient_calendar(session, settings, team_id, routine, recipient)
        slot = next_slot(schedule, calendar, after)
        if slot is not None:
            upcoming.append(slot.at)
    return min(upcoming, default=None)


def open_run(session: Session, team_id: str, due: RoutineDue) -> RoutineRun:
    """The run of this slot, created on first use with the routine's items as they are."""
    run = session.exec(
        select(RoutineRun).where(
            RoutineRun.team_id == team_id,
            RoutineRun.routine == due.routine.name,
            RoutineRun.owner_id == due.recipient,
            RoutineRun.slot == due.slot.at,
        )
    ).first()
    if run is None:
        run = RoutineRun(
            team_id=team_id,
            routine=due.routine.name,
            title=due.routine.title,
            owner_id=due.recipient,
            slot=due.slot.at,
            closes_at=due.slot.closes_at,
            items=json.dumps(list(due.routine.items)),
        )
        session.add(run)
        session.flush()
    return run


def run_items(run: RoutineRun) -> list[str]:
    items: list[str] = json.loads(run.items)
    return items


def ticks_of(session: Session, run_id: int) -> dict[int, RoutineTick]:
    rows = session.exec(select(RoutineTick).where(RoutineTick.run_id == run_id)).all()
    return {tick.item: tick for tick in rows}


@dataclass(frozen=True)
class TickResult:
    run: RoutineRun
    ticks: dict[int, RoutineTick]
    just_completed: bool


def get_run(session: Session, team_id: str, run_id: int, lock: bool = False) -> RoutineRun | None:
    """The workspace's checklist run of that id; None when there is none (another
    workspace's run is none too)."""
    run = session.get(RoutineRun, run_id, with_for_update=lock)
    return run if run is not None and run.team_id == team_id else None


def record_ticks(
    session: Session,
    settings: Settings,
    team_id: str,
    run_id: int,
    user_id: str,
    ticked: set[int],
) -> TickResult:
    """Make the run's ticked items exactly `ticked` (Slack sends the whole selection),
    keeping who ticked each item first and when."""
    run = get_run(session, team_id, run_id, lock=True)
    if run is None:
        raise NotFound("That checklist is no longer in VA Desk.")
    if run.owner_id != user_id and not (
        run.owner_id.startswith(("C", "G")) and user_id in roster(session, settings, team_id)
    ):
        raise PermissionDenied(
            f"This checklist is <@{run.owner_id}>'s; only they can tick it. Nothing changed."
        )
    now = clock.now()
    if now >= run.closes_at:
        raise RoutineClosed(
            f"*{run.title}* closed at the end of its time; ticks are no longer recorded."
        )
    items = run_items(run)
    ticked = {item for item in ticked if 0 <= item < len(items)}
    ticks = ticks_of(session, run_id)
    for item in set(ticks) - ticked:
        session.delete(ticks.pop(item))
    for item in ticked - set(ticks):
        ticks[item] = RoutineTick(run_id=run_id, item=item, user_id=user_id, ticked_at=now)
        session.add(ticks[item])
    complete = len(ticks) == len(items)
    just_completed = complete and run.completed_at is None
    run.completed_at = (run.completed_at or now) if complete else None
    session.add(run)
    session.flush()
    return TickResult(run, ticks, just_completed)


def runs_between(
    session: Session, team_id: str, start: datetime, end: datetime, owners: list[str] | None = None
) -> list[RoutineRun]:
    """Routine runs posted for slots in [start, end), oldest first."""
    query = select(RoutineRun).where(
        RoutineRun.team_id == team_id,
        RoutineRun.slot >= start,
        RoutineRun.slot < end,
        col(RoutineRun.message_ts).is_not(None),
    )
    if owners is not None:
        query = query.where(col(RoutineRun.owner_id).in_(owners))
    return list(session.exec(query.order_by(col(RoutineRun.slot), col(RoutineRun.id))))


def todays_runs(
    session: Session, team_id: str, user_id: str, calendar: Calendar
) -> list[tuple[RoutineRun, dict[int, RoutineTick]]]:
    """The person's checklists of their local today, with their ticks (App Home)."""
    today = calendar.local_day(clock.now())
    start = calendar.at(today, datetime.min.time())
    end = calendar.at(today + timedelta(days=1), datetime.min.time())
    runs = runs_between(session, team_id, start, end, [user_id])
    return [(run, ticks_of(session, saved_id(run))) for run in runs]


# -- the morning's tasks in Eisenhower order --------------------------------------------

QUADRANTS = {
    (True, True): "Do first",
    (True, False): "Do soon",
    (False, True): "Schedule",
    (False, False): "Later",
}


def quadrant(task: Task, calendar: Calendar, today: date, owners: tuple[str, ...]) -> str:
    """Urgent: due within a business day. Important: high priority or assigned by an owner."""
    next_working = today + timedelta(days=1)
    while not calendar.is_working_day(next_working):
        next_working += timedelta(days=1)
    urgent = task.due is not None and task.due <= next_working
    important = task.priority == "high" or task.creator_id in owners
    return QUADRANTS[(urgent, important)]


@dataclass(frozen=True)
class MorningTasks:
    """The morning checklist's "Due today and overdue" list, as of the local day."""

    tasks: list[tuple[str, Task]]
    today: date


def morning_tasks_of(session: Session, settings: Settings, run: RoutineRun) -> MorningTasks | None:
    """What a person's morning checklist lists under its items (None for any other
    checklist): the same whether it is being posted or shown again after a tick."""
    routine = settings.routine(run.routine)
    if run.routine != "morning" or routine is None or routine.to_channel:
        return None
    calendar = recipient_calendar(session, settings, run.team_id, routine, run.owner_id)
    tasks = tasks_for_the_morning(session, settings, run.team_id, run.owner_id, calendar)
    return MorningTasks(tasks, calendar.local_day(clock.now()))


def tasks_for_the_morning(
    session: Session, settings: Settings, team_id: str, user_id: str, calendar: Calendar
) -> list[tuple[str, Task]]:
    """The person's open tasks due today or overdue: important first, then oldest due."""
    today = calendar.local_day(clock.now())
    tasks = session.exec(
        select(Task).where(
            Task.team_id == team_id,
            Task.assignee_id == user_id,
            col(Task.status).in_(OPEN_STATUSES),
            col(Task.due) <= today,
        )
    ).all()
    order = list(QUADRANTS.values())
    owners = roster(session, settings, team_id).owners
    ranked = [(quadrant(task, calendar, today, owners), task) for task in tasks]
    ranked.sort(key=lambda pair: (order.index(pair[0]), pair[1].due, pair[1].number))
    return ranked


def unfinished_runs(
    session: Session, team_id: str, start: datetime, end: datetime
) -> list[RoutineRun]:
    """Runs of [start, end) not completed: what the digest lists."""
    return [run for run in runs_between(session, team_id, start, end) if run.completed_at is None]
