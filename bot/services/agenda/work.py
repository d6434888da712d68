"""The agenda's work, besides appointments: what falls due for a person over some local
days — their open tasks, the follow-ups on them, delegated work's deadlines (given to
them or by them), their contacts' next steps, and the client chats they hold that are
near or past their response target.

Work due on a date has no time of its own; it falls due at the end of the person's
working day on that date (their calendar's hours, in their zone), which is when a
meeting can stand in its way. A chat's target is an instant. Work overdue before the
first day is listed on today's, when today is one of the days asked for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import or_
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session, col, select

from bot.services.access import delegated_task
from bot.services.chat_assignment import held_by
from bot.services.chats import client_names, target_due
from bot.services.crm_home import next_steps_due
from bot.services.kpis import OPEN_STATUSES
from bot.services.parsing import format_task_id
from bot.services.schedules import Calendar
from store.models import Assignment, FollowUp, Task

TASK, FOLLOW_UP, DELEGATED, NEXT_STEP, CHAT = "task", "follow-up", "delegated", "next step", "chat"
# Work of one kind listed at most; the rest is counted ("and 12 more tasks").
KIND_LIMIT = 60


@dataclass(frozen=True)
class WorkItem:
    """Something due: its kind, the local day it is listed on, when it falls due, what
    it is (as written: views escape it) and what it names."""

    kind: str
    day: date  # the local day it is listed on: its due day, or today when overdue
    due_day: date
    due_at: datetime  # aware UTC: a chat's target, else the end of that working day
    title: str
    ref: str = ""  # T-12, the contact's name, the client's name
    person: str | None = None  # delegated work: the other side (its VA, or its assigner)
    given_by_subject: bool = False  # delegated work the person gave to someone else
    overdue: bool = False
    link: str | None = None


@dataclass(frozen=True)
class DaySpan:
    """The local days asked for, and whether overdue work is listed (today among them)."""

    first: date
    last: date
    today: date
    calendar: Calendar  # the person's: zone and working hours

    @property
    def with_overdue(self) -> bool:
        return self.first <= self.today <= self.last

    def listed_on(self, due: date) -> date | None:
        """The day work due on `due` is listed on, None when it is not listed at all."""
        if self.first <= due <= self.last:
            return due
        if due < self.first and self.with_overdue:
            return self.today
        return None

    def due_at(self, due: date) -> datetime:
        return self.calendar.at(due, self.calendar.end)


@dataclass(frozen=True)
class Work:
    items: list[WorkItem]
    more: dict[str, int]  # kind: how many were left out


def work_due(session: Session, team_id: str, user_id: str, span: DaySpan, now: datetime) -> Work:
    """Everything of the person's that falls due over the span, each kind at most
    KIND_LIMIT (oldest due first); what was left out, counted by kind."""
    found: list[WorkItem] = []
    more: dict[str, int] = {}
    steps, steps_left_out = _next_steps(session, team_id, user_id, span)
    for kind, items in (
        (TASK, _tasks(session, team_id, user_id, span)),
        (FOLLOW_UP, _follow_ups(session, team_id, user_id, span)),
        (DELEGATED, _delegated(session, team_id, user_id, span)),
        (NEXT_STEP, steps),
        (CHAT, _chats(session, team_id, user_id, span, now)),
    ):
        found.extend(items[:KIND_LIMIT])
        if len(items) > KIND_LIMIT:
            more[kind] = len(items) - KIND_LIMIT
    if steps_left_out:
        more[NEXT_STEP] = steps_left_out
    found.sort(key=lambda item: (item.day, item.due_at, item.kind, item.ref))
    return Work(found, more)


def _item(
    span: DaySpan,
    kind: str,
    due: date,
    title: str,
    ref: str,
    *,
    person: str | None = None,
    given: bool = False,
    link: str | None = None,
) -> WorkItem | None:
    """Work due on a date, listed on its day (or today, overdue); None if not listed."""
    day = span.listed_on(due)
    if day is None:
        return None
    return WorkItem(
        kind, day, due, span.due_at(due), title, ref, person, given, due < span.today, link
    )


def _due_window(span: DaySpan, column: Any) -> list[ColumnElement[bool]]:
    """A date column due over the span, or before it when overdue work is listed."""
    due = col(column)
    conditions = [due.is_not(None), due <= span.last]
    if not span.with_overdue:
        conditions.append(due >= span.first)
    return conditions


def _tasks(session: Session, team_id: str, user_id: str, span: DaySpan) -> list[WorkItem]:
    """The person's open tasks due over the span (or overdue), by the assignee's index;
    delegated ones are listed as delegated work instead."""
    tasks = session.exec(
        select(Task)
        .where(
            Task.team_id == team_id,
            Task.assignee_id == user_id,
            col(Task.status).in_(OPEN_STATUSES),
            *_due_window(span, Task.due),
            ~delegated_task(),
        )
        .order_by(col(Task.due), col(Task.number))
    )
    found = []
    for task in tasks:
        assert task.due is not None  # the query's condition
        item = _item(
            span, TASK, task.due, task.title, format_task_id(task.number),
            link=task.source_permalink,
        )  # fmt: skip
        if item is not None:
            found.append(item)
    return found


def _follow_ups(session: Session, team_id: str, user_id: str, span: DaySpan) -> list[WorkItem]:
    """Follow-ups due over the span on the person's open tasks."""
    rows = session.exec(
        select(FollowUp, Task)
        .join(Task, col(Task.id) == FollowUp.task_id)
        .where(
            Task.team_id == team_id,
            Task.assignee_id == user_id,
            col(Task.status).in_(OPEN_STATUSES),
            *_due_window(span, FollowUp.due),
        )
        .order_by(col(FollowUp.due), col(FollowUp.id))
    )
    found = []
    for followup, task in rows:
        assert followup.due is not None
        item = _item(span, FOLLOW_UP, followup.due, followup.text, format_task_id(task.number))
        if item is not None:
            found.append(item)
    return found


def _delegated(session: Session, team_id: str, user_id: str, span: DaySpan) -> list[WorkItem]:
    """Delegated work not approved whose deadline falls over the span: given to the
    person, or given by them to someone else (its task not cancelled or done)."""
    rows = session.exec(
        select(Assignment, Task)
        .join(Task, col(Task.id) == Assignment.task_id)
        .where(
            Assignment.team_id == team_id,
            Assignment.state != "approved",
            or_(col(Assignment.assignee_id) == user_id, col(Assignment.assigner_id) == user_id),
            col(Task.status).in_(OPEN_STATUSES),
            *_due_window(span, Assignment.deadline),
        )
        .order_by(col(Assignment.deadline), col(Task.number))
    )
    found = []
    for assignment, task in rows:
        given = assignment.assignee_id != user_id
        other = assignment.assignee_id if given else assignment.assigner_id
        item = _item(
            span, DELEGATED, assignment.deadline, task.title, format_task_id(task.number),
            person=other, given=given,
        )  # fmt: skip
        if item is not None:
            found.append(item)
    return found


def _next_steps(
    session: Session, team_id: str, user_id: str, span: DaySpan
) -> tuple[list[WorkItem], int]:
    """The person's contacts whose next step is due over the span (the App Home's query,
    from the first day, or from any day before when today is listed, to the last), at
    most KIND_LIMIT; and how many more there are."""
    since = None if span.with_overdue else span.first
    contacts, total = next_steps_due(session, team_id, user_id, span.last, KIND_LIMIT, since)
    found = []
    for contact in contacts:
        if contact.next_step_due is None:
            continue
        item = _item(
            span, NEXT_STEP, contact.next_step_due, contact.next_step or "next step",
            contact.name,
        )  # fmt: skip
        if item is not None:
            found.append(item)
    return found, total - len(contacts)


def _chats(
    session: Session, team_id: str, user_id: str, span: DaySpan, now: datetime
) -> list[WorkItem]:
    """The client chats the person holds, still unanswered, whose response target falls
    before the span's end: past it (overdue) or coming."""
    found = []
    names: dict[int, str] | None = None
    for conversation in held_by(session, team_id, user_id):
        if conversation.first_response_at is not None:
            continue
        due = target_due(conversation)
        local = span.calendar.local_day(due)
        day = span.listed_on(local)
        if day is None:
            continue
        if names is None:
            names = client_names(session, team_id)
        client = names.get(conversation.client_id or 0, conversation.channel_id)
        found.append(
            WorkItem(
                CHAT,
                day,
                local,
                due,
                "",
                ref=client,
                overdue=due <= now,
                link=conversation.permalink,
            )
        )
    return found
