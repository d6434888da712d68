"""Chasing: work not acknowledged is chased every `chase_after_business_hours` of the VA's
working time, and a submission or question Slack refused to deliver is sent again on the
assigner's; the digest lists what still waits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot.services.calendars import person_calendar
from bot.services.delegation.assignments import last_event
from bot.services.delegation.news import SENT_TO_ASSIGNER, owed_to_assigner
from bot.services.schedules import latest_repeat
from store.models import Assignment, Task

if TYPE_CHECKING:
    from bot.settings import Settings


@dataclass(frozen=True)
class Chase:
    assignment: Assignment
    task: Task
    at: datetime
    count: int


def chases_due(
    session: Session, settings: Settings, team_id: str, since: datetime, until: datetime
) -> list[Chase]:
    """The latest chase in (since, until] of each assignment still waiting for its VA's
    acknowledgment: every `chase_after_business_hours` of the VA's own working time (a
    brief Slack refused to deliver is sent then instead)."""
    every = timedelta(hours=settings.delegation.chase_after_business_hours)
    found: list[Chase] = []
    waiting = session.exec(
        select(Assignment, Task)
        .join(Task, col(Task.id) == Assignment.task_id)
        .where(
            Assignment.team_id == team_id,
            Assignment.state == "assigned",
        )
    ).all()
    for assignment, task in waiting:
        calendar = person_calendar(session, settings, team_id, assignment.assignee_id)
        latest = latest_repeat(calendar, assignment.created_at, every, since, until)
        if latest is not None:
            found.append(Chase(assignment, task, *latest))
    return found


@dataclass(frozen=True)
class Undelivered:
    """A submission (`review`) or question (`question`) Slack refused to deliver to the
    assigner, due to be sent again."""

    assignment: Assignment
    task: Task
    which: str
    at: datetime


def undelivered_due(
    session: Session, settings: Settings, team_id: str, since: datetime, until: datetime
) -> list[Undelivered]:
    """Submissions and open questions whose message to the assigner Slack refused: sent
    again every `chase_after_business_hours` of the assigner's working time after the
    step, until one is delivered (or the step is overtaken)."""
    every = timedelta(hours=settings.delegation.chase_after_business_hours)
    found: list[Undelivered] = []
    rows = session.exec(
        select(Assignment, Task)
        .join(Task, col(Task.id) == Assignment.task_id)
        .where(
            Assignment.team_id == team_id,
            sa.or_(
                sa.and_(col(Assignment.state) == "submitted", col(Assignment.review_ts).is_(None)),
                sa.and_(
                    col(Assignment.open_question).is_not(None),
                    col(Assignment.question_ts).is_(None),
                ),
            ),
        )
    ).all()
    for assignment, task in rows:
        calendar = person_calendar(session, settings, team_id, assignment.assigner_id)
        for action, which in SENT_TO_ASSIGNER.items():
            if not owed_to_assigner(assignment, which):
                continue
            step = last_event(session, assignment, action)
            start = step.at if step is not None else assignment.created_at
            latest = latest_repeat(calendar, start, every, since, until)
            if latest is not None:
                found.append(Undelivered(assignment, task, which, latest[0]))
    return found


def unacknowledged(session: Session, team_id: str, limit: int) -> list[tuple[Assignment, Task]]:
    """Assignments still waiting for their VA's acknowledgment, oldest first."""
    rows = session.exec(
        select(Assignment, Task)
        .join(Task, col(Task.id) == Assignment.task_id)
        .where(Assignment.team_id == team_id, Assignment.state == "assigned")
        .order_by(col(Assignment.created_at))
        .limit(limit)
    ).all()
    return [(assignment, task) for assignment, task in rows]
