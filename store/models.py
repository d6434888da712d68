"""SQLModel tables: the system of record for tasks and billable time.

Instants are stored as naive UTC datetimes (`UTCDateTime` converts on the way
in and out) so SQLite and PostgreSQL agree on comparisons.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


class UTCDateTime(TypeDecorator):
    """Aware datetimes in Python, naive UTC in the database."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def utc_column(nullable: bool = False, index: bool = False) -> sa.Column:
    return sa.Column(UTCDateTime(), nullable=nullable, index=index)


TASK_STATUSES = ("open", "in_progress", "waiting", "done", "cancelled")
CLOSED_STATUSES = ("done", "cancelled")
PRIORITIES = ("high", "normal", "low")
ENTRY_SOURCES = ("timer", "manual", "edited")


class Workspace(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=32)
    name: str | None = Field(default=None, max_length=200)
    next_task_number: int = Field(default=1)
    created_at: datetime = Field(sa_column=utc_column())


class User(SQLModel, table=True):
    __tablename__ = "vauser"

    team_id: str = Field(primary_key=True, foreign_key="workspace.id", max_length=32)
    id: str = Field(primary_key=True, max_length=32)
    display_name: str | None = Field(default=None, max_length=200)
    role: str = Field(default="va", max_length=16)
    timezone: str | None = Field(default=None, max_length=64)
    timezone_checked_at: datetime | None = Field(default=None, sa_column=utc_column(True))
    work_start: str | None = Field(default=None, max_length=5)
    work_end: str | None = Field(default=None, max_length=5)
    phase: str = Field(default="I", max_length=3)
    # Out of office up to and including this day (the person's own calendar); None: in.
    away_until: date | None = None
    # Set by an owner in Slack (/role); None: what vadesk.toml says.
    role_override: str | None = Field(default=None, max_length=16)
    phase_override: str | None = Field(default=None, max_length=3)


class Client(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("team_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(foreign_key="workspace.id", max_length=32, index=True)
    key: str = Field(max_length=64)
    name: str = Field(max_length=200)
    channel_id: str | None = Field(default=None, max_length=32, index=True)
    timezone: str | None = Field(default=None, max_length=64)
    business_hours: str | None = Field(default=None, max_length=11)
    business_days: str | None = Field(default=None, max_length=40)


class Task(SQLModel, table=True):
    __table_args__ = (
        sa.UniqueConstraint("team_id", "number"),
        sa.Index("ix_task_team_assignee_due", "team_id", "assignee_id", "due"),
        sa.Index("ix_task_team_status_due", "team_id", "status", "due"),
        sa.Index("ix_task_team_tag", "team_id", "tag"),
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


class ProcessedEvent(SQLModel, table=True):
    """Slack event ids already handled, so a retried delivery is handled once."""

    __tablename__ = "processed_event"

    event_id: str = Field(primary_key=True, max_length=64)
    received_at: datetime = Field(sa_column=utc_column())


class Delivery(SQLModel, table=True):
    """One message of scheduled work: claimed (inserted) before it is posted, so a
    (team, job, slot, recipient) is posted at most once by any number of processes."""

    __tablename__ = "delivery"
    __table_args__ = (
        sa.UniqueConstraint(
            "team_id", "job", "slot", "recipient", name="uq_delivery_team_job_slot_recipient"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    job: str = Field(max_length=80)
    slot: datetime = Field(sa_column=utc_column())
    recipient: str = Field(max_length=64)
    claimed_at: datetime = Field(sa_column=utc_column())
    channel_id: str | None = Field(default=None, max_length=32)
    message_ts: str | None = Field(default=None, max_length=32)
    posted_at: datetime | None = Field(default=None, sa_column=utc_column(True))
    error: str | None = Field(default=None, sa_column=sa.Column(sa.Text))


class RoutineRun(SQLModel, table=True):
    """A routine's checklist as posted to one person (or channel) for one slot."""

    __tablename__ = "routine_run"
    __table_args__ = (
        sa.UniqueConstraint("team_id", "routine", "owner_id", "slot"),
        sa.Index("ix_routine_run_team_slot", "team_id", "slot"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    routine: str = Field(max_length=64)
    title: str = Field(max_length=200)
    owner_id: str = Field(max_length=32)  # the person it is for, or the channel it went to
    slot: datetime = Field(sa_column=utc_column())
    closes_at: datetime = Field(sa_column=utc_column())
    items: str = Field(sa_column=sa.Column(sa.Text, nullable=False))  # JSON list of texts
    channel_id: str | None = Field(default=None, max_length=32)
    message_ts: str | None = Field(default=None, max_length=32)
    completed_at: datetime | None = Field(default=None, sa_column=utc_column(True))


class RoutineTick(SQLModel, table=True):
    """An item of a routine run ticked: who and when."""

    __tablename__ = "routine_tick"

    run_id: int = Field(foreign_key="routine_run.id", primary_key=True)
    item: int = Field(primary_key=True)
    user_id: str = Field(max_length=32)
    ticked_at: datetime = Field(sa_column=utc_column())


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


ESCALATION_URGENCIES = ("urgent", "normal")


class Escalation(SQLModel, table=True):
    """Something a VA could not resolve, with its full context, until someone resolves it."""

    __table_args__ = (sa.Index("ix_escalation_team_open", "team_id", "resolved_at"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    raised_by: str = Field(max_length=32)
    task_id: int | None = Field(default=None, foreign_key="task.id")
    source_permalink: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    summary: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    actions_taken: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    background: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    question: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    urgency: str = Field(default="normal", max_length=8)
    contact_tag: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(sa_column=utc_column())
    channel_id: str | None = Field(default=None, max_length=32)
    message_ts: str | None = Field(default=None, max_length=32)
    taken_by: str | None = Field(default=None, max_length=32)
    taken_at: datetime | None = Field(default=None, sa_column=utc_column(True))
    resolved_by: str | None = Field(default=None, max_length=32)
    resolved_at: datetime | None = Field(default=None, sa_column=utc_column(True))
    resolution: str | None = Field(default=None, sa_column=sa.Column(sa.Text))


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


class CsatPrompt(SQLModel, table=True):
    """The "How did we do?" prompt in a client channel after a client task is done, and
    the rating the client gave (one per prompt; the same person may change it)."""

    __tablename__ = "csat_prompt"
    __table_args__ = (sa.Index("ix_csat_prompt_team_rated", "team_id", "rated_at"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    task_id: int = Field(foreign_key="task.id", unique=True)
    channel_id: str = Field(max_length=32)
    message_ts: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(sa_column=utc_column())
    closes_at: datetime = Field(sa_column=utc_column())
    rater_id: str | None = Field(default=None, max_length=32)
    rating: int | None = None
    rated_at: datetime | None = Field(default=None, sa_column=utc_column(True))


class Conversation(SQLModel, table=True):
    """A client's chat in a client channel, on the client's business-hours clock: opened
    by a client message, its first-response clock stopped by a VA's reply."""

    __table_args__ = (
        sa.Index("ix_conversation_channel_open", "team_id", "channel_id", "closed_at"),
        sa.Index("ix_conversation_open_assignee", "team_id", "closed_at", "assignee_id"),
        sa.Index("ix_conversation_client_opened", "team_id", "client_id", "opened_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    client_id: int | None = Field(default=None, foreign_key="client.id")
    channel_id: str = Field(max_length=32)
    thread_ts: str = Field(max_length=32)  # the client's first message
    opened_by: str = Field(max_length=32)
    opened_at: datetime = Field(sa_column=utc_column())
    first_response_due: datetime = Field(sa_column=utc_column())
    last_client_at: datetime = Field(sa_column=utc_column())
    last_client_id: str | None = Field(default=None, max_length=32)  # who wrote last
    first_response_at: datetime | None = Field(default=None, sa_column=utc_column(True))
    first_responder: str | None = Field(default=None, max_length=32)
    response_minutes: float | None = None  # business minutes to the first response
    last_team_at: datetime | None = Field(default=None, sa_column=utc_column(True))
    closed_at: datetime | None = Field(default=None, sa_column=utc_column(True))
    permalink: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    assignee_id: str | None = Field(default=None, max_length=32)  # None: queued
    assigned_at: datetime | None = Field(default=None, sa_column=utc_column(True))
    queued_at: datetime | None = Field(default=None, sa_column=utc_column(True))
    queue_announced_at: datetime | None = Field(default=None, sa_column=utc_column(True))
    # A VA marked it an asynchronous request: acknowledged within the longer target.
    asynchronous: bool = False
    acknowledge_due: datetime | None = Field(default=None, sa_column=utc_column(True))
    near_breach_at: datetime | None = Field(default=None, sa_column=utc_column(True))
    breached_at: datetime | None = Field(default=None, sa_column=utc_column(True))
    closed_by: str | None = Field(default=None, max_length=32)
    close_reason: str | None = Field(default=None, max_length=16)  # resolved | idle
    tag: str | None = Field(default=None, max_length=130)


class ConversationEvent(SQLModel, table=True):
    """One step of a conversation, for the record: opened, assigned, queued, claimed,
    transferred, near breach, breach, first response, marked asynchronous, resolved,
    closed when idle."""

    __tablename__ = "conversation_event"

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(foreign_key="conversation.id", index=True)
    kind: str = Field(max_length=24)
    at: datetime = Field(sa_column=utc_column())
    actor_id: str | None = Field(default=None, max_length=32)
    note: str | None = Field(default=None, sa_column=sa.Column(sa.Text))


class ChannelMessage(SQLModel, table=True):
    """A client-channel message already counted, so a redelivered event counts once."""

    __tablename__ = "channel_message"

    team_id: str = Field(primary_key=True, max_length=32)
    channel_id: str = Field(primary_key=True, max_length=32)
    ts: str = Field(primary_key=True, max_length=32)
    conversation_id: int | None = None


class ContactTag(SQLModel, table=True):
    """A client contact (a Slack user) tagged with the taxonomy; the latest row is the
    contact's tag, the earlier ones its history."""

    __tablename__ = "contact_tag"
    __table_args__ = (sa.Index("ix_contact_tag_contact", "team_id", "contact_id"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    contact_id: str = Field(max_length=32)
    tag: str = Field(max_length=130)
    tagged_by: str = Field(max_length=32)
    tagged_at: datetime = Field(sa_column=utc_column())
    channel_id: str | None = Field(default=None, max_length=32)
    message_ts: str | None = Field(default=None, max_length=32)


class TemplateReview(SQLModel, table=True):
    """An owner marked a message template reviewed; the latest one per template wins
    over the `reviewed` date in the settings file."""

    __tablename__ = "template_review"
    __table_args__ = (sa.Index("ix_template_review_name", "team_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    name: str = Field(max_length=64)
    reviewed_on: date
    reviewed_by: str = Field(max_length=32)
    recorded_at: datetime = Field(sa_column=utc_column())
