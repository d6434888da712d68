"""Delegation as scheduled jobs: chasing assignments nobody acknowledged, sending again
what Slack refused to deliver (`assignment-chase`), and making the next occurrence of a
recurring assignment (`assignment-recurrence`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from bot.scheduling.jobs import Due, Job, JobContext, outgoing
from bot.scheduling.notify import Message, Outgoing
from bot.services import delegation
from bot.services.rows import saved_id
from bot.services.schedules import Slot
from bot.views import delegation as delegation_views
from bot.views.delegation import brief_blocks, brief_text, chase_text
from store.db import session_scope
from store.models import Assignment

ASSIGNMENT_CHASE = "assignment-chase"
ASSIGNMENT_RECURRENCE = "assignment-recurrence"


class AssignmentChaseJob(Job):
    name = ASSIGNMENT_CHASE
    summary = "assignments not acknowledged, chased every [delegation] chase_after_business_hours"

    def due(self, ctx: JobContext, team_id: str, since: datetime, until: datetime) -> list[Due]:
        with session_scope(ctx.engine) as session:
            found = delegation.chases_due(session, ctx.settings, team_id, since, until)
            undelivered = delegation.undelivered_due(session, ctx.settings, team_id, since, until)
        far = until + timedelta(days=1)  # useful until acknowledged
        dues = [
            Due(self.name, team_id, f"A-{c.assignment.id}", Slot(c.at, far, far), c) for c in found
        ]
        dues += [
            Due(f"{self.name}:{u.which}", team_id, f"A-{u.assignment.id}", Slot(u.at, far, far), u)
            for u in undelivered
        ]
        return dues

    def next_run(self, ctx: JobContext, team_id: str, after: datetime) -> datetime | None:
        return after  # checked on every tick

    def messages(self, ctx: JobContext, due: Due) -> list[Outgoing]:
        if isinstance(due.subject, delegation.Undelivered):
            return [self._again(ctx, due, due.subject)]
        chase: delegation.Chase = due.subject
        if chase.assignment.va_ts is None:  # Slack refused the brief when it was assigned
            return [self._brief(due, saved_id(chase.assignment), chase.assignment.assignee_id)]

        def compose(session: Session) -> Message:
            return Message(chase_text(chase), thread_ts=chase.assignment.va_ts)

        return [outgoing(due, due.recipient, compose, channel=chase.assignment.va_channel)]

    @staticmethod
    def _again(ctx: JobContext, due: Due, undelivered: delegation.Undelivered) -> Outgoing:
        """A submission or question Slack refused to deliver to the assigner, again."""
        assignment_id, which = saved_id(undelivered.assignment), undelivered.which

        def compose(session: Session) -> Message | None:
            assignment = session.get(Assignment, assignment_id)
            if assignment is None or not delegation.owed_to_assigner(assignment, which):
                return None
            task = delegation.task_of(session, assignment)
            submission = delegation.last_note(session, assignment, "submit")
            submitter_reviews = delegation.reviews_work(
                session, ctx.settings, assignment.team_id, assignment.assignee_id
            )
            return Message(
                *delegation_views.sent_message(
                    which, assignment, task, submission, submitter_reviews
                )
            )

        def after_post(session: Session, channel: str, ts: str | None) -> None:
            delegation.record_message(session, assignment_id, which, channel, ts)

        assigner = undelivered.assignment.assigner_id
        return outgoing(due, due.recipient, compose, after_post, channel=assigner)

    @staticmethod
    def _brief(due: Due, assignment_id: int, assignee: str) -> Outgoing:
        """The brief itself, sent late: the VA acknowledges with its buttons."""

        def compose(session: Session) -> Message | None:
            assignment = session.get(Assignment, assignment_id)
            if assignment is None or assignment.va_ts is not None:
                return None
            task = delegation.task_of(session, assignment)
            return Message(brief_text(assignment, task), brief_blocks(assignment, task))

        def after_post(session: Session, channel: str, ts: str | None) -> None:
            delegation.record_message(session, assignment_id, "va", channel, ts)

        return outgoing(due, due.recipient, compose, after_post, channel=assignee)


class AssignmentRecurrenceJob(Job):
    name = ASSIGNMENT_RECURRENCE
    summary = "the next occurrence of recurring assignments, at the VA's workday start"

    def due(self, ctx: JobContext, team_id: str, since: datetime, until: datetime) -> list[Due]:
        with session_scope(ctx.engine) as session:
            found = delegation.occurrences_due(session, ctx.settings, team_id, until)
        far = until + timedelta(days=1)  # an occurrence missed while down is still made
        return [Due(self.name, team_id, f"A-{o.head.id}", Slot(o.at, far, far), o) for o in found]

    def next_run(self, ctx: JobContext, team_id: str, after: datetime) -> datetime | None:
        return after  # checked on every tick

    def messages(self, ctx: JobContext, due: Due) -> list[Outgoing]:
        due_occurrence: delegation.OccurrenceDue = due.subject
        head = due_occurrence.head
        made: list[int] = []

        def compose(session: Session) -> Message | None:
            occurrence = delegation.create_occurrence(
                session, ctx.settings, saved_id(head), due_occurrence.occurrence
            )
            if occurrence is None:
                return None
            made.append(saved_id(occurrence))
            task = delegation.task_of(session, occurrence)
            return Message(brief_text(occurrence, task), brief_blocks(occurrence, task))

        def after_post(session: Session, channel: str, ts: str | None) -> None:
            delegation.record_message(session, made[0], "va", channel, ts)

        return [outgoing(due, due.recipient, compose, after_post, channel=head.assignee_id)]
