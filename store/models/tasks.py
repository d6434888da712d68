"""Tasks and the time spent on them: follow-ups, time entries, timer nudges silenced,
focus sessions, and the audit of every change."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from store.models.columns import utc_column

TASK_STATUSES = ("open", "in_progress", "waiting", "done", "cancelled")


CLOSED_STATUSES = ("done", "cancelled")


PRIORITIES = ("high", "normal", "low")


ENTRY_SOURCES = ("timer", "manual", "edited")


class Task(SQLModel, table=True):
    __table_args__ = (
        sa.UniqueConstraint("team_id", "number"),
        sa.Index("ix_task_team_assignee_due", "team_id", "assignee_id", "due"),
        sa.Index("ix_task_team_status_due", "team_id", "status", "due"),
        sa.Index("ix_task_team_tag", "team_id", "tag"),
        # A client's open tasks (the picture of a contact or a client).
        sa.Index("ix_task_team_client_status", "team_id", "client_id", "status"),
        sa.Index("ix_task_team_onboarding", "team_id", "onboarding", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(foreign_key="workspace.id", max_length=32, index=True)
    number: int
    title: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    description: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    status: str = Field(default="open", max_length=16, index=True)
    category: str | None = Field(default=None, max_length=100)
    client_id: int | None = Field(default=None, foreign_key="client.id")
    channel_id: str | None = Field(default=None, max_length=32)
    assignee_id: str | None = Field(default=None, max_length=32, index=True)
    creator_id: str = Field(max_length=32)
    due: date | None = None
    priority: str = Field(default="normal", max_length=8)
    source_permalink: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    notes: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    completed_by: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(sa_column=utc_column())
    updated_at: datetime = Field(sa_column=utc_column())
    completed_at: datetime | None = Field(default=None, sa_column=utc_column(True))
    tag: str | None = Field(default=None, max_length=130)  # "Category – Subcategory"
    # Off: the task's time is never billed (`/task billable T-n off`).
    billable: bool = Field(default=True)
    # The contact the task is for (onboarding, re-engagement, a task made from the card).
    contact_id: int | None = Field(default=None, foreign_key="contact.id", index=True)
    # An item of a client's or contact's onboarding ([onboarding] items), made by VA Desk:
    # the weekly onboarding check lists those not done yet.
    onboarding: bool = Field(default=False)


class FollowUp(SQLModel, table=True):
    __tablename__ = "followup"

    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id", index=True)
    author_id: str = Field(max_length=32)
    text: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    due: date | None = None
    created_at: datetime = Field(sa_column=utc_column())


class TimeEntry(SQLModel, table=True):
    """A span of work. A running timer is the user's one entry without an end."""

    __tablename__ = "time_entry"
    __table_args__ = (
        sa.Index(
            "uq_time_entry_one_running",
            "team_id",
            "user_id",
            unique=True,
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        ),
        sa.Index("ix_time_entry_user_start", "team_id", "user_id", "started_at"),
        sa.Index("ix_time_entry_user_end", "team_id", "user_id", "ended_at"),
        # Running timers by start (the digest's long-running timers, the nudges): SQLite,
        # without statistics, otherwise walks the whole of ix_time_entry_user_end.
        sa.Index(
            "ix_time_entry_running",
            "team_id",
            "started_at",
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(foreign_key="workspace.id", max_length=32)
    user_id: str = Field(max_length=32)
    task_id: int = Field(foreign_key="task.id", index=True)
    started_at: datetime = Field(sa_column=utc_column())
    ended_at: datetime | None = Field(default=None, sa_column=utc_column(True))
    source: str = Field(default="timer", max_length=8)
    billable: bool = Field(default=True)
    notes: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    created_at: datetime = Field(sa_column=utc_column())
    # The finalized invoice that bills this entry, which locks it; cleared by a void.
    invoice_id: int | None = Field(default=None, foreign_key="invoice.id", index=True)


class AuditRecord(SQLModel, table=True):
    """Who changed what, when, from which value to which, and why."""

    __tablename__ = "audit_record"

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32, index=True)
    actor_id: str = Field(max_length=32)
    at: datetime = Field(sa_column=utc_column())
    entity: str = Field(max_length=32)
    entity_id: int = Field(index=True)
    action: str = Field(max_length=32)
    old_value: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    new_value: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    reason: str | None = Field(default=None, sa_column=sa.Column(sa.Text))


class TimerSilence(SQLModel, table=True):
    """ "Keep running" on a timer nudge: no more nudges for this entry."""

    __tablename__ = "timer_silence"

    entry_id: int = Field(foreign_key="time_entry.id", primary_key=True)
    user_id: str = Field(max_length=32)
    at: datetime = Field(sa_column=utc_column())


class FocusSession(SQLModel, table=True):
    """`/timer start T-n pomodoro`: 25-minute focus blocks (one time entry each) with
    5-minute breaks, until the person stops or switches timers."""

    __tablename__ = "focus_session"
    __table_args__ = (sa.Index("ix_focus_session_next", "ended_at", "next_change_at"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    user_id: str = Field(max_length=32)
    task_id: int = Field(foreign_key="task.id")
    started_at: datetime = Field(sa_column=utc_column())
    next_change_at: datetime = Field(sa_column=utc_column())  # the next break or return
    on_break: bool = Field(default=False)
    blocks: int = Field(default=1)
    ended_at: datetime | None = Field(default=None, sa_column=utc_column(True))
