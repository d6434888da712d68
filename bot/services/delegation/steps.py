"""The lifecycle's steps, one state machine: acknowledge, ask and answer, submit, approve
or request revisions. Who may take each, from which states, and what each changes; a step
the state does not allow is refused with a sentence naming the state and who put it there."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlmodel import Session, select

from bot import clock
from bot.services.delegation.assignments import (
    get_assignment,
    last_event,
    record_event,
    task_of,
)
from bot.services.errors import AlreadyDone, FieldErrors, PermissionDenied
from bot.services.parsing import format_task_id
from bot.services.people import Actor, role_and_phase
from bot.services.rows import saved_id
from bot.services.tasks import complete_task
from bot.services.text import NOTES_LIMIT, time_token
from store.models import Assignment

if TYPE_CHECKING:
    from bot.settings import Settings

STATE_WORDS = {
    "assigned": "waiting for the VA's acknowledgment",
    "questioned": "waiting for an answer to the VA's question",
    "acknowledged": "acknowledged, in progress",
    "submitted": "submitted for review",
    "revisions": "sent back for revisions",
    "approved": "approved",
}
# The same states as the VA the work was given to reads them, in their own brief.
STATE_WORDS_FOR_VA = {
    **STATE_WORDS,
    "assigned": "waiting for your acknowledgment",
    "questioned": "waiting for an answer to your question",
}
# action: (the states it may start from, the state it leads to (None: unchanged), who)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str | None, str]] = {
    "acknowledge": (("assigned", "questioned"), "acknowledged", "assignee"),
    "ask": (("assigned", "questioned", "acknowledged", "revisions"), None, "assignee"),
    "answer": (("assigned", "questioned", "acknowledged", "revisions"), None, "reviewer"),
    "submit": (("acknowledged", "revisions"), "submitted", "assignee"),
    "approve": (("submitted",), "approved", "reviewer"),
    "revise": (("submitted",), "revisions", "reviewer"),
}


def reviews_work(session: Session, settings: Settings, team_id: str, user_id: str) -> bool:
    """Whether the person approves others' work (a supervisor or an owner)."""
    return role_and_phase(session, settings, team_id, user_id)[0] in ("owner", "supervisor")


def check_step(session: Session, actor: Actor, assignment: Assignment, action: str) -> None:
    """Refuse a step the person or the state does not allow, saying why."""
    allowed_from, _, who = TRANSITIONS[action]
    ref = format_task_id(task_of(session, assignment).number)
    if who == "assignee" and actor.user_id != assignment.assignee_id:
        raise PermissionDenied(f"{ref} is <@{assignment.assignee_id}>'s; only they can do that.")
    if who == "reviewer":
        if not actor.is_manager:
            raise PermissionDenied(f"A supervisor or owner does that on {ref}.")
        if actor.user_id == assignment.assignee_id:
            raise PermissionDenied("Nobody reviews their own work.")
    if action == "answer" and not assignment.open_question:
        raise AlreadyDone(f"There is no open question on {ref}.")
    if assignment.state not in allowed_from:
        words = STATE_WORDS_FOR_VA if actor.user_id == assignment.assignee_id else STATE_WORDS
        if assignment.state in ("assigned", "questioned"):  # waiting on someone, not done
            raise AlreadyDone(f"{ref} is {words[assignment.state]}.")
        last = last_event(session, assignment)
        by = f" by <@{last.actor_id}> {time_token(last.at)}" if last else ""
        raise AlreadyDone(f"{ref} is already {words[assignment.state]}{by}.")


def step(
    session: Session, actor: Actor, assignment_id: int, action: str, note: str | None = None
) -> Assignment:
    """Take one step of the lifecycle (under a row lock, so a double click takes one)."""
    assignment = get_assignment(session, actor.team_id, assignment_id, lock=True)
    check_step(session, actor, assignment, action)
    note = (note or "").strip() or None
    required = {
        "ask": ("question", "Write the question."),
        "answer": ("answer", "Write the answer."),
        "submit": ("deliverables", "Say what you deliver (or link it)."),
        "revise": ("feedback", "Say what to revise: the VA works from it."),
    }
    if action in required and not note:
        field, reason = required[action]
        raise FieldErrors({field: reason})
    if note and len(note) > NOTES_LIMIT:
        raise FieldErrors(
            {required.get(action, ("note",))[0]: f"At most {NOTES_LIMIT:,} characters."}
        )
    before = assignment.state
    after = TRANSITIONS[action][1] or before
    now = clock.now()
    if action == "ask":
        assignment.open_question = note
        after = "questioned" if before == "assigned" else before
    elif action == "answer":
        assignment.open_question = None
        after = "assigned" if before == "questioned" else before
    elif action == "acknowledge":
        assignment.acknowledged_at = assignment.acknowledged_at or now
    elif action == "revise":
        assignment.revisions += 1
    elif action == "approve":
        assignment.approved_at = now
        complete_task(
            session, actor, task_of(session, assignment).number, note or "Approved on review."
        )
    assignment.state = after
    session.add(assignment)
    record_event(session, assignment, actor, action, before, after, note)
    session.flush()
    return assignment


def answer_in_thread(
    session: Session, actor: Actor, channel: str, thread_ts: str, text: str
) -> Assignment | None:
    """A reply in the thread of a question VA Desk asked the assigner is the answer; None
    when the thread is not one of those questions."""
    assignment = session.exec(
        select(Assignment).where(
            Assignment.team_id == actor.team_id,
            Assignment.question_channel == channel,
            Assignment.question_ts == thread_ts,
        )
    ).first()
    if assignment is None:
        return None
    return step(session, actor, saved_id(assignment), "answer", text)
