"""An assignment's rows: finding it (for the people who may see it), its task, its steps
as recorded, where its messages were posted, and a VA's open work."""

from __future__ import annotations

from sqlmodel import Session, col, select

from bot import clock
from bot.services.errors import AlreadyDone, PermissionDenied
from bot.services.people import Actor
from bot.services.rows import saved_id
from store.models import Assignment, AssignmentEvent, Task


def record_event(
    session: Session,
    assignment: Assignment,
    actor: Actor,
    action: str,
    from_state: str,
    to_state: str,
    note: str | None,
) -> None:
    session.add(
        AssignmentEvent(
            assignment_id=saved_id(assignment),
            actor_id=actor.user_id,
            at=clock.now(),
            action=action,
            from_state=from_state,
            to_state=to_state,
            note=note,
        )
    )


def get_assignment(
    session: Session, team_id: str, assignment_id: int, lock: bool = False
) -> Assignment:
    assignment = session.get(Assignment, assignment_id, with_for_update=lock)
    if assignment is None or assignment.team_id != team_id:
        raise AlreadyDone("That assignment is no longer in VA Desk.")
    return assignment


def task_of(session: Session, assignment: Assignment) -> Task:
    task = session.get(Task, assignment.task_id)
    if task is None:  # the task's row is the assignment's foreign key: never deleted
        raise AlreadyDone("That task is no longer in VA Desk.")
    return task


def readable(session: Session, actor: Actor, assignment_id: int) -> Assignment:
    """The assignment, for its VA, whoever assigned it, supervisors and owners."""
    assignment = get_assignment(session, actor.team_id, assignment_id)
    involved = actor.user_id in (assignment.assignee_id, assignment.assigner_id)
    if not involved and not actor.is_manager:
        raise PermissionDenied(
            "Only its VA, whoever assigned it, supervisors and owners see this work."
        )
    return assignment


def last_event(
    session: Session, assignment: Assignment, action: str | None = None
) -> AssignmentEvent | None:
    """The assignment's latest step (of `action`, when given)."""
    query = select(AssignmentEvent).where(AssignmentEvent.assignment_id == assignment.id)
    if action is not None:
        query = query.where(AssignmentEvent.action == action)
    return session.exec(query.order_by(col(AssignmentEvent.id).desc())).first()


def last_note(session: Session, assignment: Assignment, action: str) -> str | None:
    event = last_event(session, assignment, action)
    return event.note if event else None


def record_message(
    session: Session, assignment_id: int, which: str, channel: str | None, ts: str | None
) -> None:
    """Remember where the brief (`va`), the latest submission (`review`) or the latest
    question (`question`) was posted (None: Slack refused it, so it is sent again)."""
    assignment = session.get(Assignment, assignment_id)
    setattr(assignment, f"{which}_channel", channel)
    setattr(assignment, f"{which}_ts", ts)
    session.add(assignment)


def open_for(
    session: Session, team_id: str, user_id: str, limit: int
) -> list[tuple[Assignment, Task]]:
    """The person's delegated work not approved yet, newest first, with its tasks."""
    rows = session.exec(
        select(Assignment, Task)
        .join(Task, col(Task.id) == Assignment.task_id)
        .where(
            Assignment.team_id == team_id,
            Assignment.assignee_id == user_id,
            Assignment.state != "approved",
        )
        .order_by(col(Assignment.created_at).desc())
        .limit(limit)
    ).all()
    return [(assignment, task) for assignment, task in rows]
