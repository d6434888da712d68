"""Tasks: every client interaction is one, and completing one needs notes (SOP)."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot import clock
from bot.services import audit, timers
from bot.services.access import check_may_change_task, check_may_read
from bot.services.billing.billable import NotBillable, why_not_billable
from bot.services.contact_writers import touch_for_task
from bot.services.errors import AlreadyDone, InputError, NotFound
from bot.services.parsing import format_task_id, parse_task_id
from bot.services.people import Actor, client_for_channel, ensure_workspace
from bot.services.rows import saved_id
from bot.services.task_numbers import take_task_number
from bot.services.text import NOTES_LIMIT, checked_text, escape, quoted, time_token
from store.models import (
    CLOSED_STATUSES,
    PRIORITIES,
    TASK_STATUSES,
    Client,
    FollowUp,
    Task,
    TimeEntry,
)
from store.prepared import Prepared, built, loaded
from store.sql import insert_row, update_row

if TYPE_CHECKING:
    from bot.settings import Settings

MAX_TITLE_LENGTH = 500
TASK_REF = re.compile(r"^[Tt]-?\d+$")
STATUS_WORDS = {
    "open": "open",
    "in_progress": "in progress",
    "waiting": "waiting",
    "done": "done",
    "cancelled": "cancelled",
}


@dataclass
class NewTask:
    """What a person asks for when creating a task (command, modal or shortcut)."""

    title: str
    description: str | None = None
    client_id: int | None = None
    channel_id: str | None = None
    assignee_id: str | None = None
    due: date | None = None
    priority: str = "normal"
    category: str | None = None
    source_permalink: str | None = None
    tag: str | None = None  # a label of the taxonomy (bot/services/tags.py resolves it)
    billable: bool = True  # off: its time is never billed (the form's Billable box)


@dataclass
class TaskDetails:
    task: Task
    client: Client | None
    followups: list[FollowUp] = field(default_factory=list)
    tracked: timedelta = timedelta(0)
    running_by: list[str] = field(default_factory=list)
    not_billable: NotBillable | None = None  # why its time is not billed, if it is not


@dataclass(frozen=True)
class TaskPlace:
    """Whose a new task is and where it belongs."""

    client_id: int | None
    channel_id: str | None


def _client_by_key(session: Session, settings: Settings, team_id: str, key: str) -> Client:
    query = select(Client).where(Client.team_id == team_id, Client.key == key)
    row = session.exec(query).first()
    if row is None:  # settings newer than the rows (they are synced at start)
        ensure_workspace(session, settings, team_id)
        row = session.exec(query).first()
    if row is None:
        raise NotFound(f"There is no client #{key} in this workspace.")
    return row


def place_of_new_task(
    session: Session,
    settings: Settings,
    team_id: str,
    *,
    client_key: str | None = None,
    named_channel: str | None = None,
    typed_in: str | None = None,
) -> TaskPlace:
    """The client of a new task: the one named with `#key`, else the one whose channel was
    named with `#channel`, else the one whose channel the task was made in. Its channel:
    the one named, else the one it was made in when that is its client's."""
    named = _client_by_key(session, settings, team_id, client_key) if client_key else None
    of_named_channel = client_for_channel(session, team_id, named_channel)
    if named is not None and of_named_channel is not None and named.id != of_named_channel.id:
        raise InputError(
            f"A task has one client; you wrote #{named.key} ({escape(named.name)}) and "
            f"<#{named_channel}>, the channel of {escape(of_named_channel.name)}."
        )
    of_typed_in = client_for_channel(session, team_id, typed_in)
    client = named or of_named_channel or (of_typed_in if named_channel is None else None)
    channel = named_channel
    if channel is None and client is not None and of_typed_in is not None:
        channel = typed_in if of_typed_in.id == client.id else None
    return TaskPlace(client.id if client else None, channel)


def create_task(session: Session, actor: Actor, new: NewTask) -> Task:
    """Create a task with the next `T-n` number of the workspace."""
    title = checked_text(new.title, "title", MAX_TITLE_LENGTH)
    if not title:
        raise InputError("A task needs a title.")
    if new.priority not in PRIORITIES:
        raise InputError(f"Priority must be one of {', '.join(PRIORITIES)}.")
    if new.client_id is not None:
        client = session.get(Client, new.client_id)
        if client is None or client.team_id != actor.team_id:
            raise NotFound("That client is not registered in this workspace.")
    number = take_task_number(session, actor.team_id)
    now = clock.now()
    values = {
        "team_id": actor.team_id,
        "number": number,
        "title": title,
        "description": checked_text(new.description, "description", NOTES_LIMIT),
        "client_id": new.client_id,
        "channel_id": new.channel_id,
        "assignee_id": new.assignee_id or actor.user_id,
        "creator_id": actor.user_id,
        "due": new.due,
        "priority": new.priority,
        "category": checked_text(new.category, "category", 100),
        "source_permalink": new.source_permalink,
        "tag": new.tag,
        "billable": new.billable,
        "created_at": now,
        "updated_at": now,
    }
    task = built(Task, values)
    insert_row(session, task)
    return task


def status_word(status: str) -> str:
    """A status as people write it: "in progress", not in_progress."""
    return STATUS_WORDS.get(status, status)


def parse_status(text: str) -> str:
    """Read a status as typed: in progress, in-progress and in_progress are the same."""
    key = "_".join(text.lower().replace("-", " ").replace("_", " ").split())
    if key not in TASK_STATUSES:
        words = ", ".join(STATUS_WORDS[s] for s in TASK_STATUSES)
        raise InputError(f"Unknown status {quoted(text)}; use one of {words}.")
    return key


# Built once: `/timer start T-n` and `/task done T-n` read a task by its number each time.
_TASKS = Task.__table__  # type: ignore[attr-defined]
_TASK_BY_NUMBER = sa.select(*_TASKS.c).where(
    _TASKS.c.team_id == sa.bindparam("team_id"), _TASKS.c.number == sa.bindparam("number")
)
_TASK_BY_NUMBER_READ = Prepared(_TASK_BY_NUMBER)
_TASK_BY_NUMBER_LOCKED = Prepared(_TASK_BY_NUMBER.with_for_update())


def get_task(session: Session, team_id: str, number: int, for_update: bool = False) -> Task:
    """The task `T-number`; `for_update` makes concurrent changes of it wait their turn."""
    query = _TASK_BY_NUMBER_LOCKED if for_update else _TASK_BY_NUMBER_READ
    row = query.first(session, {"team_id": team_id, "number": number})
    if row is None:
        raise NotFound(f"There is no {format_task_id(number)} in this workspace.")
    return loaded(session, Task, row._asdict())


def list_tasks(
    session: Session,
    actor: Actor,
    scope: str = "mine",
    user_id: str | None = None,
    today: date | None = None,
    tag: str | None = None,
) -> list[Task]:
    """Open tasks: mine (default), all, overdue, or one user's; only those with `tag`
    when given."""
    query = select(Task).where(
        Task.team_id == actor.team_id, col(Task.status).not_in(CLOSED_STATUSES)
    )
    if tag is not None:
        query = query.where(Task.tag == tag)
    if scope == "mine":
        query = query.where(Task.assignee_id == actor.user_id)
    elif scope == "user":
        query = query.where(Task.assignee_id == user_id)
    elif scope == "overdue":
        today = today or clock.now().astimezone(actor.zone).date()
        query = query.where(col(Task.due).is_not(None), col(Task.due) < today)
        if not actor.is_manager:
            query = query.where(Task.assignee_id == actor.user_id)
    elif scope != "all":
        raise InputError(f"Unknown list {quoted(scope)}; use mine, all, overdue or @user.")
    priority_order = sa.case({"high": 0, "normal": 1, "low": 2}, value=Task.priority)
    query = query.order_by(col(Task.due).is_(None), col(Task.due), priority_order, col(Task.number))
    return list(session.exec(query))


def task_details(
    session: Session, actor: Actor, number: int, non_billable: Collection[str] = ()
) -> TaskDetails:
    """The task's card; `non_billable`: the categories marked non-billable."""
    task = get_task(session, actor.team_id, number)
    check_may_read(session, actor, task)
    followups = list(
        session.exec(select(FollowUp).where(FollowUp.task_id == task.id).order_by(col(FollowUp.id)))
    )
    entries = session.exec(select(TimeEntry).where(TimeEntry.task_id == task.id)).all()
    now = clock.now()
    tracked = sum(((e.ended_at or now) - e.started_at for e in entries), timedelta(0))
    running = [e.user_id for e in entries if e.ended_at is None]
    client = session.get(Client, task.client_id) if task.client_id else None
    return TaskDetails(
        task, client, followups, tracked, running, why_not_billable(task, non_billable)
    )


def check_not_done(task: Task) -> None:
    """A second Done says who completed the task and when."""
    if task.status == "done":
        raise AlreadyDone(
            f"{format_task_id(task.number)} was already completed by <@{task.completed_by}>"
            + (f" {time_token(task.completed_at)}" if task.completed_at else "")
            + "."
        )


def task_to_complete(session: Session, actor: Actor, number: int, for_update: bool = False) -> Task:
    """The task someone may complete now: not done yet, and theirs to change. Asked
    before the notes form opens, and again when it is submitted."""
    task = get_task(session, actor.team_id, number, for_update)
    check_not_done(task)
    check_may_change_task(actor, task)
    return task


@dataclass
class Completion:
    task: Task
    stopped: list[timers.StoppedEntry]


def complete_task(session: Session, actor: Actor, number: int, notes: str | None) -> Completion:
    """Mark done with completion notes; any running timer on the task is finalized."""
    task = task_to_complete(session, actor, number, for_update=True)
    notes = checked_text(notes, "completion notes", NOTES_LIMIT)
    if not notes:
        raise InputError(
            "Completing a task needs notes on what was done "
            f"(SOP): /task done {format_task_id(task.number)} &lt;notes&gt;"
        )
    now = clock.now()
    stopped = timers.finalize_task_timers(session, task, now)
    old_status = task.status
    done = {"status": "done", "notes": notes, "completed_by": actor.user_id}
    update_row(session, task, {**done, "completed_at": now, "updated_at": now})
    touch_for_task(session, task, now)
    audit.record(
        session,
        actor,
        "task",
        saved_id(task),
        "complete",
        {"status": old_status},
        {"status": "done", "notes": notes},
    )
    return Completion(task, stopped)


def set_status(session: Session, actor: Actor, number: int, status: str) -> Completion:
    """Move a task between statuses; done goes through complete_task for its notes."""
    status = parse_status(status)
    task = get_task(session, actor.team_id, number, for_update=True)
    if status == "done":
        raise InputError(
            "Completing a task needs notes on what was done: "
            f"/task done {format_task_id(task.number)} &lt;notes&gt;"
        )
    if task.status == status:
        raise AlreadyDone(f"{format_task_id(task.number)} is already {status_word(status)}.")
    check_may_change_task(actor, task)
    now = clock.now()
    stopped = timers.finalize_task_timers(session, task, now) if status == "cancelled" else []
    old_status = task.status
    task.status = status
    if old_status == "done":
        task.completed_at = None
        task.completed_by = None
    task.updated_at = now
    session.add(task)
    audit.record(
        session,
        actor,
        "task",
        saved_id(task),
        "status",
        {"status": old_status},
        {"status": status},
    )
    return Completion(task, stopped)


def add_followup(
    session: Session, actor: Actor, number: int, text: str, due: date | None = None
) -> tuple[Task, FollowUp]:
    task = get_task(session, actor.team_id, number, for_update=True)
    check_may_change_task(actor, task)
    checked = checked_text(text, "follow-up", NOTES_LIMIT)
    if not checked:
        raise InputError(
            "Say what the follow-up is: "
            f"/task followup {format_task_id(number)} &lt;text&gt; [due &lt;date&gt;]"
        )
    followup = FollowUp(
        task_id=saved_id(task),
        author_id=actor.user_id,
        text=checked,
        due=due,
        created_at=clock.now(),
    )
    task.updated_at = followup.created_at
    session.add(followup)
    session.add(task)
    session.flush()
    return task, followup


def task_for_timer(
    session: Session,
    actor: Actor,
    target: str,
    settings: Settings | None = None,
    typed_in: str | None = None,
) -> tuple[Task, bool]:
    """`/timer start` takes a task id or free text; free text becomes a new task of mine,
    the client's when typed in a client's channel."""
    target = target.strip()
    if not target:
        raise InputError(
            "Say what to time: /timer start T-12 or /timer start &lt;what you are doing&gt;"
        )
    if TASK_REF.match(target):
        return get_task(session, actor.team_id, parse_task_id(target)), False
    place = (
        place_of_new_task(session, settings, actor.team_id, typed_in=typed_in)
        if settings is not None
        else TaskPlace(None, None)
    )
    new = NewTask(title=target, client_id=place.client_id, channel_id=place.channel_id)
    return create_task(session, actor, new), True
