"""A task's billable switch (`/task billable T-n on|off`, the New task form's Billable
box): supervisors and owners decide what is billed, the change is audited, and it is
refused while an open invoice bills time on the task (`locks.check_task_unlocked`)."""

from __future__ import annotations

from sqlmodel import Session

from bot import clock
from bot.services import audit
from bot.services.billing import locks
from bot.services.errors import AlreadyDone, PermissionDenied
from bot.services.parsing import format_task_id
from bot.services.people import Actor
from bot.services.rows import saved_id
from bot.services.tasks import get_task
from store.models import Task


def set_task_billable(session: Session, actor: Actor, number: int, billable: bool) -> Task:
    """Switch whether time on `T-number` is billed; the old and new value are audited."""
    if not actor.is_manager:
        raise PermissionDenied(
            "Only supervisors and owners decide whether a task's time is billed; ask one "
            f"to switch {format_task_id(number)}."
        )
    task = get_task(session, actor.team_id, number, for_update=True)
    if task.billable == billable:
        state = "billable" if billable else "not billable"
        raise AlreadyDone(f"{format_task_id(task.number)} is already switched to {state}.")
    locks.check_task_unlocked(session, task, "whether it is billable")
    task.billable = billable
    task.updated_at = clock.now()
    session.add(task)
    audit.record(
        session,
        actor,
        "task",
        saved_id(task),
        "billable",
        {"billable": not billable},
        {"billable": billable},
    )
    return task
