"""The whole picture of a contact or a client, answered from VA Desk's own records (the
card of `/contact <name>` and of `/find`): where the contact stands in the pipeline, the
open work for them and their client with its latest follow-ups, the open client chat and
its response-time state, open escalations, delegated work not acknowledged yet, the last
CSAT rating and, for whoever may invoice, the client's unbilled hours and last invoice.

It shows only what the person may see: a colleague's delegated task is listed without
its brief (its follow-ups and an escalation's summary stay out), and billing is left out
for anyone who may not invoice. Every query is bounded by an index and a limit, so the
picture of a client with years of work costs what a new one does.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from bot import clock
from bot.services import contacts
from bot.services.access import may_read
from bot.services.billing.invoices import check_may_invoice, last_invoice_of, unbilled_of_client
from bot.services.calendars import workspace_calendar
from bot.services.chats import target_due
from bot.services.errors import NotFound, PermissionDenied
from bot.services.people import Actor
from bot.services.rows import saved_id
from store.models import (
    CLOSED_STATUSES,
    TASK_STATUSES,
    Assignment,
    Client,
    Contact,
    ContactEvent,
    Conversation,
    CsatPrompt,
    Escalation,
    FollowUp,
    Invoice,
    Task,
)

if TYPE_CHECKING:
    from bot.settings import Settings
    from bot.settings.schema import PipelineStage

OPEN_STATUSES = tuple(status for status in TASK_STATUSES if status not in CLOSED_STATUSES)
TASKS_SHOWN = 8
FOLLOWUPS_PER_TASK = 2
HISTORY_SHOWN = 5
CONTACTS_SHOWN = 10  # a client's contacts
ESCALATIONS_SHOWN = 5
UNACKNOWLEDGED_SHOWN = 5


@dataclass(frozen=True)
class OpenTask:
    """An open task of the contact or its client, with its latest follow-ups (newest
    first). `hidden`: work delegated to a colleague, shown without its brief."""

    task: Task
    followups: tuple[FollowUp, ...]
    hidden: bool


@dataclass(frozen=True)
class ClientChat:
    """The open client conversation and where its first response stands: `answered`,
    `waiting` (due at `due`), `near breach` or `breached` (the target passed unanswered)."""

    conversation: Conversation
    state: str
    due: datetime


@dataclass(frozen=True)
class OpenEscalation:
    escalation: Escalation
    task_number: int
    hidden: bool  # on a colleague's delegated task: its summary stays out


@dataclass(frozen=True)
class Unacknowledged:
    """Delegated work its VA has not acknowledged yet."""

    assignment: Assignment
    task: Task


@dataclass(frozen=True)
class LastRating:
    rating: int
    rated_at: datetime
    rater_id: str | None
    task_number: int


@dataclass(frozen=True)
class Billing:
    """This month so far (the workspace's calendar): billable time on no invoice, and the
    client's latest invoice of any status."""

    first_day: date
    last_day: date
    unbilled_seconds: int
    last_invoice: Invoice | None


@dataclass(frozen=True)
class Picture:
    """Everything the card shows, already filtered by what `actor` may see. A contact's
    picture has `contact` (and its client, if any); a client's has `client` and its
    `contacts`."""

    now: datetime
    contact: Contact | None
    client: Client | None
    stage: PipelineStage | None  # None: a contact's stage since removed from the settings
    days_in_stage: int | None
    tag: str | None
    history: tuple[ContactEvent, ...]
    contacts: tuple[Contact, ...]
    more_contacts: bool
    tasks: tuple[OpenTask, ...]
    more_tasks: bool
    chat: ClientChat | None
    escalations: tuple[OpenEscalation, ...]
    unacknowledged: tuple[Unacknowledged, ...]
    rating: LastRating | None
    billing: Billing | None
    may_change: bool  # the actor may edit and move the contact

    @property
    def name(self) -> str:
        if self.contact is not None:
            return self.contact.name
        return self.client.name if self.client is not None else ""


@dataclass(frozen=True)
class _Scope:
    """Whose work the picture gathers: the contact's tasks and its client's."""

    team_id: str
    contact_id: int | None
    client_id: int | None

    def conditions(self) -> list[Any]:
        """One condition on tasks per index: the contact's (a contact's tasks are its
        workspace's; naming the workspace too would let SQLite, which keeps no
        statistics, pick the workspace's open tasks instead), the client's."""
        parts = []
        if self.contact_id is not None:
            parts.append(col(Task.contact_id) == self.contact_id)
        if self.client_id is not None:
            parts.append(
                sa.and_(col(Task.team_id) == self.team_id, col(Task.client_id) == self.client_id)
            )
        return parts

    def condition(self) -> Any:
        return sa.or_(*self.conditions())


def build_picture(
    session: Session,
    settings: Settings,
    actor: Actor,
    *,
    contact: Contact | None = None,
    client: Client | None = None,
) -> Picture:
    """The picture of a contact (with its client's work) or of a client (with its
    contacts), as `actor` may see it."""
    if contact is None and client is None:
        raise ValueError("build_picture needs a contact or a client")
    if contact is not None and client is None:
        client = contacts.client_of(session, contact)
    for row in (contact, client):
        if row is not None and row.team_id != actor.team_id:
            raise NotFound("That contact is not in VA Desk (anymore).")
    now = clock.now()
    scope = _Scope(
        actor.team_id,
        saved_id(contact) if contact is not None else None,
        saved_id(client) if client is not None else None,
    )
    tasks, more_tasks = _open_tasks(session, scope)
    escalations = _open_escalations(session, scope)
    unacknowledged = _unacknowledged(session, scope)
    listed = [*tasks, *(task for _escalation, task in escalations)]
    delegated = _delegated(session, [task.id for task in listed])
    hidden = {task.id for task in listed if not may_read(actor, task, task.id in delegated)}
    followups = _latest_followups(session, [t.id for t in tasks if t.id not in hidden])
    people, more_contacts = _contacts_of(session, scope) if contact is None else ((), False)
    return Picture(
        now=now,
        contact=contact,
        client=client,
        stage=contacts.stage_of(settings, contact) if contact is not None else None,
        days_in_stage=contacts.days_in_stage(contact, now) if contact is not None else None,
        tag=contacts.current_tag(session, contact) if contact is not None else None,
        history=tuple(contacts.events_of(session, contact, HISTORY_SHOWN)) if contact else (),
        contacts=people,
        more_contacts=more_contacts,
        tasks=tuple(
            OpenTask(t, tuple(followups.get(saved_id(t), ())), t.id in hidden) for t in tasks
        ),
        more_tasks=more_tasks,
        chat=_client_chat(session, contact, scope, now),
        escalations=tuple(OpenEscalation(e, t.number, t.id in hidden) for e, t in escalations),
        unacknowledged=tuple(Unacknowledged(a, t) for a, t in unacknowledged),
        rating=_last_rating(session, scope),
        billing=_billing(session, settings, actor, client, now) if client is not None else None,
        may_change=contact is not None and contacts.may_change_contact(actor, contact),
    )


def _due_order() -> tuple[Any, ...]:
    return (col(Task.due).is_(None), col(Task.due), col(Task.number))


def _open_tasks(session: Session, scope: _Scope) -> tuple[list[Task], bool]:
    """The open tasks for the contact and for its client, soonest due first (one query
    each, so each uses its own index); whether there are more than are shown."""
    found: dict[int, Task] = {}
    for condition in scope.conditions():
        query = (
            select(Task)
            .where(condition, col(Task.status).in_(OPEN_STATUSES))
            .order_by(*_due_order())
            .limit(TASKS_SHOWN + 1)
        )
        for task in session.exec(query):
            found.setdefault(saved_id(task), task)
    ordered = sorted(found.values(), key=lambda t: (t.due is None, t.due or date.min, t.number))
    return ordered[:TASKS_SHOWN], len(ordered) > TASKS_SHOWN


def _delegated(session: Session, task_ids: Iterable[int | None]) -> set[int]:
    """Which of these tasks are delegated work (they have an assignment)."""
    wanted = sorted({task_id for task_id in task_ids if task_id is not None})
    if not wanted:
        return set()
    query = select(Assignment.task_id).where(col(Assignment.task_id).in_(wanted))
    return set(session.exec(query).all())


def _latest_followups(session: Session, task_ids: list[int | None]) -> dict[int, list[FollowUp]]:
    """Each task's latest follow-ups, newest first, in one query."""
    wanted = sorted({task_id for task_id in task_ids if task_id is not None})
    if not wanted:
        return {}
    rank = (
        sa.func.row_number()
        .over(
            partition_by=col(FollowUp.task_id),
            order_by=(col(FollowUp.created_at).desc(), col(FollowUp.id).desc()),
        )
        .label("rank")
    )
    ranked = select(FollowUp, rank).where(col(FollowUp.task_id).in_(wanted)).subquery()
    latest = aliased(FollowUp, ranked)
    query = (
        select(latest)
        .where(ranked.c.rank <= FOLLOWUPS_PER_TASK)
        .order_by(ranked.c.task_id, ranked.c.rank)
    )
    found: dict[int, list[FollowUp]] = {}
    for followup in session.exec(query):
        found.setdefault(followup.task_id, []).append(followup)
    return found


def _open_escalations(session: Session, scope: _Scope) -> list[tuple[Escalation, Task]]:
    """Unresolved escalations of the contact's or client's tasks, newest first."""
    query = (
        select(Escalation, Task)
        .join(Task, col(Task.id) == Escalation.task_id)
        .where(
            Escalation.team_id == scope.team_id,
            col(Escalation.resolved_at).is_(None),
            scope.condition(),
        )
        .order_by(col(Escalation.created_at).desc(), col(Escalation.id).desc())
        .limit(ESCALATIONS_SHOWN)
    )
    return [(escalation, task) for escalation, task in session.exec(query).all()]


def _unacknowledged(session: Session, scope: _Scope) -> list[tuple[Assignment, Task]]:
    """Delegated work for the contact or client still waiting for its VA, oldest first."""
    query = (
        select(Assignment, Task)
        .join(Task, col(Task.id) == Assignment.task_id)
        .where(Assignment.team_id == scope.team_id, Assignment.state == "assigned")
        .where(scope.condition())
        .order_by(col(Assignment.created_at), col(Assignment.id))
        .limit(UNACKNOWLEDGED_SHOWN)
    )
    return [(assignment, task) for assignment, task in session.exec(query).all()]


def _contacts_of(session: Session, scope: _Scope) -> tuple[tuple[Contact, ...], bool]:
    """A client's contacts, the most recently touched first."""
    query = (
        select(Contact)
        .where(Contact.team_id == scope.team_id, Contact.client_id == scope.client_id)
        .order_by(col(Contact.last_touch_at).desc(), col(Contact.id).desc())
        .limit(CONTACTS_SHOWN + 1)
    )
    found = list(session.exec(query))
    return tuple(found[:CONTACTS_SHOWN]), len(found) > CONTACTS_SHOWN


def sla_state(conversation: Conversation, now: datetime) -> str:
    """Where a conversation's first response stands (see ClientChat)."""
    if conversation.first_response_at is not None:
        return "answered"
    if conversation.breached_at is not None or target_due(conversation) <= now:
        return "breached"
    if conversation.near_breach_at is not None:
        return "near breach"
    return "waiting"


def _open_conversation(session: Session, team_id: str, condition: Any) -> Conversation | None:
    return session.exec(
        select(Conversation)
        .where(Conversation.team_id == team_id, condition, col(Conversation.closed_at).is_(None))
        .order_by(col(Conversation.opened_at).desc(), col(Conversation.id).desc())
        .limit(1)
    ).first()


def _client_chat(
    session: Session, contact: Contact | None, scope: _Scope, now: datetime
) -> ClientChat | None:
    """The open conversation the contact opened, else their client's latest open one."""
    found = None
    if contact is not None and contact.slack_user_id:
        opener = col(Conversation.opened_by) == contact.slack_user_id
        found = _open_conversation(session, scope.team_id, opener)
    if found is None and scope.client_id is not None:
        of_client = col(Conversation.client_id) == scope.client_id
        found = _open_conversation(session, scope.team_id, of_client)
    if found is None:
        return None
    return ClientChat(found, sla_state(found, now), target_due(found))


def _last_rating(session: Session, scope: _Scope) -> LastRating | None:
    """The latest CSAT rating given on a task of the contact or client (one query per
    index: from a contact's few tasks, or a client's, to their prompts)."""
    found: list[tuple[CsatPrompt, int]] = []
    for condition in scope.conditions():
        row = session.exec(
            select(CsatPrompt, Task.number)
            .join(Task, col(Task.id) == CsatPrompt.task_id)
            .where(condition)
            .where(col(CsatPrompt.rated_at).is_not(None), col(CsatPrompt.rating).is_not(None))
            .order_by(col(CsatPrompt.rated_at).desc(), col(CsatPrompt.id).desc())
            .limit(1)
        ).first()
        if row is not None:
            found.append((row[0], row[1]))
    if not found:
        return None
    prompt, number = max(found, key=lambda pair: (pair[0].rated_at, pair[0].id))
    assert prompt.rating is not None and prompt.rated_at is not None
    return LastRating(prompt.rating, prompt.rated_at, prompt.rater_id, number)


def _billing(
    session: Session, settings: Settings, actor: Actor, client: Client, now: datetime
) -> Billing | None:
    """The client's month of unbilled time and its last invoice, for whoever may
    invoice; None for everyone else, and for a client never billed with nothing to bill."""
    try:
        check_may_invoice(settings, actor.role)
    except PermissionDenied:
        return None
    today = workspace_calendar(settings).local_day(now)
    first = today.replace(day=1)
    client_id = saved_id(client)
    seconds = unbilled_of_client(session, settings, actor.team_id, client_id, first, today)
    last = last_invoice_of(session, actor.team_id, client_id)
    if not seconds and last is None:
        return None
    return Billing(first, today, seconds, last)
