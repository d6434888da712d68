"""Delegated work: the assignment and each step of it."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from store.models.columns import utc_column

ASSIGNMENT_STATES = ("assigned", "questioned", "acknowledged", "submitted", "revisions", "approved")


class Assignment(SQLModel, table=True):
    """Work an owner or supervisor delegates: the brief, the task it is, and where it
    stands in the SOP's lifecycle (every step is an AssignmentEvent)."""

    __table_args__ = (sa.Index("ix_assignment_team_state", "team_id", "state"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    task_id: int = Field(foreign_key="task.id", unique=True)
    assigner_id: str = Field(max_length=32)
    assignee_id: str = Field(max_length=32)
    objective: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    deliverables: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    resources: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    deadline: date
    recurrence: str = Field(default="none", max_length=8)  # none | daily | weekly | monthly
    series_id: int | None = Field(default=None, foreign_key="assignment.id")  # the first one
    occurrence: int = Field(default=0)  # 0 for the first, then 1, 2, …
    state: str = Field(default="assigned", max_length=16)
    open_question: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    revisions: int = Field(default=0)
    created_at: datetime = Field(sa_column=utc_column())
    acknowledged_at: datetime | None = Field(default=None, sa_column=utc_column(True))
    approved_at: datetime | None = Field(default=None, sa_column=utc_column(True))
    va_channel: str | None = Field(default=None, max_length=32)  # the brief in the VA's DM
    va_ts: str | None = Field(default=None, max_length=32)
    review_channel: str | None = Field(default=None, max_length=32)  # the latest submission
    review_ts: str | None = Field(default=None, max_length=32)
    question_channel: str | None = Field(default=None, max_length=32)  # the latest question
    question_ts: str | None = Field(default=None, max_length=32)


class AssignmentEvent(SQLModel, table=True):
    """One step of an assignment: who, when, from which state to which, what was said."""

    __tablename__ = "assignment_event"

    id: int | None = Field(default=None, primary_key=True)
    assignment_id: int = Field(foreign_key="assignment.id", index=True)
    actor_id: str = Field(max_length=32)
    at: datetime = Field(sa_column=utc_column())
    action: str = Field(max_length=16)
    from_state: str = Field(max_length=16)
    to_state: str = Field(max_length=16)
    note: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
