"""Who may do what to a task: one rule, used by every service that touches tasks.

A VA changes a task (status, completion, follow-ups) when it is theirs: assigned to
them, created by them, or unassigned. Supervisors and owners change any task. Anyone
may track time on an open task while helping a colleague; that never changes the
task's status. Delegated work is different: its brief is for the VA it was given to and
for supervisors and owners, so another VA does not see it.
"""

from __future__ import annotations

from sqlalchemy import exists, or_
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session, col, select

from bot.services.errors import PermissionDenied
from bot.services.parsing import format_task_id
from bot.services.people import Actor
from store.models import Assignment, Task


def may_change_task(actor: Actor, task: Task) -> bool:
    return (
        actor.is_manager
        or task.assignee_id in (None, actor.user_id)
        or task.creator_id == actor.user_id
    )


def check_may_change_task(actor: Actor, task: Task) -> None:
    if not may_change_task(actor, task):
        raise PermissionDenied(
            f"{format_task_id(task.number)} is <@{task.assignee_id}>'s task; only its "
            "assignee, its creator, a supervisor or an owner can change it. You can still "
            f"track time on it while you help: /timer start {format_task_id(task.number)}"
        )


def may_read(actor: Actor, task: Task, delegated: bool) -> bool:
    """Whether the person sees the task's brief: anyone, unless it is work delegated to a
    colleague (`delegated`: the task has an assignment)."""
    return actor.is_manager or task.assignee_id == actor.user_id or not delegated


def delegated_task() -> ColumnElement[bool]:
    """A condition on the task table: the task is delegated work (it has an assignment),
    answered by the assignment's unique task index."""
    return exists().where(col(Assignment.task_id) == col(Task.id))


def readable_tasks(reader: ColumnElement[str]) -> ColumnElement[bool]:
    """`may_read` as a condition on the task table, for a query over many tasks (search)
    by a VA whose user id `reader` is (a bound parameter); managers read every task."""
    return or_(col(Task.assignee_id) == reader, ~delegated_task())


def check_may_read(session: Session, actor: Actor, task: Task) -> None:
    """A delegated task's brief is its VA's, its assigner's, and managers'."""
    if actor.is_manager or task.assignee_id == actor.user_id:
        return
    delegated = session.exec(select(Assignment.id).where(Assignment.task_id == task.id)).first()
    if not may_read(actor, task, delegated is not None):
        raise PermissionDenied(
            f"{format_task_id(task.number)} is work delegated to <@{task.assignee_id}>; its "
            "brief is theirs and their reviewers'."
        )
