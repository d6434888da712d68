"""What a step shows and tells once it is taken: every step changes the brief in the VA's
DM; a submission or a question is a message of its own to the assigner, kept where it was
posted and sent again while Slack refuses it; a review or an answer changes that message
in place; and the person waiting on the step hears of it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlmodel import Session

from bot.services.delegation.assignments import last_note, task_of
from bot.services.delegation.steps import reviews_work
from bot.services.errors import AlreadyDone
from store.models import Assignment, Task

if TYPE_CHECKING:
    from bot.settings import Settings

# action -> the message it sends the assigner: the submission to review, the question to
# answer. Where it was posted is stored; while Slack refuses it, it is sent again.
SENT_TO_ASSIGNER = {"submit": "review", "ask": "question"}
# action -> the message to the assigner it changes in place.
UPDATED = {"approve": "review", "revise": "review", "answer": "question"}
# action -> who hears of it in a message of their own.
TOLD = {
    "acknowledge": "assigner",
    "answer": "assignee",
    "approve": "assignee",
    "revise": "assignee",
}


@dataclass(frozen=True)
class StepNews:
    """A step just taken, with what its messages show: `sent` and `updated` name the
    message to the assigner (`review` or `question`) it posts or changes, `told` the
    person it tells (a user id)."""

    action: str
    assignment: Assignment
    task: Task
    sent: str | None
    updated: str | None
    told: str | None
    note: str | None  # what the step said
    submission: str | None  # the latest submission
    question: str | None  # the latest question
    submitter_reviews: bool  # the VA reviews others' work too (not their own)


def step_news(session: Session, settings: Settings, assignment_id: int, action: str) -> StepNews:
    """The news of a step, read once its unit of work is committed."""
    assignment = session.get(Assignment, assignment_id)
    if assignment is None:
        raise AlreadyDone("That assignment is no longer in VA Desk.")
    return StepNews(
        action=action,
        assignment=assignment,
        task=task_of(session, assignment),
        sent=SENT_TO_ASSIGNER.get(action),
        updated=UPDATED.get(action),
        told=_told(assignment, action),
        note=last_note(session, assignment, action),
        submission=last_note(session, assignment, "submit"),
        question=last_note(session, assignment, "ask"),
        submitter_reviews=reviews_work(
            session, settings, assignment.team_id, assignment.assignee_id
        ),
    )


def _told(assignment: Assignment, action: str) -> str | None:
    who = TOLD.get(action)
    if who == "assigner":
        return assignment.assigner_id
    if who == "assignee":
        return assignment.assignee_id
    return None


def owed_to_assigner(assignment: Assignment, which: str) -> bool:
    """Whether the submission (`review`) or the question (`question`) still has to reach
    the assigner: Slack refused it and its step is not overtaken (the work is still
    submitted, the question still open)."""
    if which == "review":
        return assignment.state == "submitted" and assignment.review_ts is None
    return assignment.open_question is not None and assignment.question_ts is None
