"""Recurring assignments: a series repeats daily (working days), weekly or monthly; each
occurrence is its own task, made at the start of the VA's working day."""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from bot import clock
from bot.services.calendars import person_calendar
from bot.services.delegation.assignments import record_event, task_of
from bot.services.people import resolve_actor
from bot.services.rows import saved_id
from bot.services.schedules import Calendar
from bot.services.tasks import NewTask, create_task
from store.models import Assignment

if TYPE_CHECKING:
    from bot.settings import Settings

RECURRENCES = ("none", "daily", "weekly", "monthly")


def occurrence_day(calendar: Calendar, first: date, recurrence: str, k: int) -> date:
    """The day occurrence k of a series starts (k = 0: the first): the k-th working day
    after, or k weeks or k months later (the month's last day when it is shorter), moved
    to the next working day when it falls on a day off."""
    if recurrence == "daily":
        day, left = first, k
        while left:
            day += timedelta(days=1)
            left -= calendar.is_working_day(day)
    elif recurrence == "weekly":
        day = first + timedelta(weeks=k)
    else:
        month = first.month - 1 + k
        year, month = first.year + month // 12, month % 12 + 1
        day = date(year, month, min(first.day, monthrange(year, month)[1]))
    while not calendar.is_working_day(day):
        day += timedelta(days=1)
    return day


@dataclass(frozen=True)
class OccurrenceDue:
    head: Assignment
    occurrence: int
    at: datetime


def _latest_of_series(session: Session, head: Assignment) -> Assignment:
    latest = session.exec(
        select(Assignment)
        .where((col(Assignment.series_id) == head.id) | (col(Assignment.id) == head.id))
        .order_by(col(Assignment.occurrence).desc())
    ).first()
    return latest or head


def occurrences_due(
    session: Session, settings: Settings, team_id: str, until: datetime
) -> list[OccurrenceDue]:
    """The next occurrence of each recurring series once its day's work starts (the VA's
    calendar); a series whose latest task was cancelled has ended."""
    heads = session.exec(
        select(Assignment).where(
            Assignment.team_id == team_id,
            Assignment.recurrence != "none",
            col(Assignment.series_id).is_(None),
        )
    ).all()
    found: list[OccurrenceDue] = []
    for head in heads:
        latest = _latest_of_series(session, head)
        if task_of(session, latest).status == "cancelled":
            continue
        calendar = person_calendar(session, settings, team_id, head.assignee_id)
        first = calendar.local_day(head.created_at)
        k = latest.occurrence + 1
        day = occurrence_day(calendar, first, head.recurrence, k)
        at = calendar.at(day, calendar.start)
        if at <= until:
            found.append(OccurrenceDue(head, k, at))
    return found


def create_occurrence(
    session: Session, settings: Settings, head_id: int, k: int
) -> Assignment | None:
    """Occurrence k of the series: its own task, acknowledged when the series was (the VA
    acknowledges a recurring assignment once). None when it exists already."""
    head = session.get(Assignment, head_id)
    if head is None:  # assignments are never deleted; a head_id names one
        return None
    latest = _latest_of_series(session, head)
    if latest.occurrence != k - 1:
        return None
    calendar = person_calendar(session, settings, head.team_id, head.assignee_id)
    first = calendar.local_day(head.created_at)
    day = occurrence_day(calendar, first, head.recurrence, k)
    assigner = resolve_actor(session, settings, head.team_id, head.assigner_id)
    head_task = task_of(session, head)
    task = create_task(
        session,
        assigner,
        NewTask(
            title=head_task.title,
            description=head_task.description,
            assignee_id=head.assignee_id,
            due=head.deadline + (day - first),
            category=head_task.category,
        ),
    )
    state = "acknowledged" if head.acknowledged_at else "assigned"
    occurrence = Assignment(
        team_id=head.team_id,
        task_id=saved_id(task),
        assigner_id=head.assigner_id,
        assignee_id=head.assignee_id,
        objective=head.objective,
        deliverables=head.deliverables,
        resources=head.resources,
        deadline=head.deadline + (day - first),
        recurrence=head.recurrence,
        series_id=head.id,
        occurrence=k,
        state=state,
        acknowledged_at=head.acknowledged_at,
        created_at=clock.now(),
    )
    session.add(occurrence)
    session.flush()
    record_event(session, occurrence, assigner, "recur", state, state, f"occurrence {k}")
    return occurrence
