"""Client channels: conversations and their steps, contacts' tags, CSAT prompts, and
the owners' reviews of message templates."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from store.models.columns import utc_column


class Conversation(SQLModel, table=True):
    """A client's chat in a client channel, on the client's business-hours clock: opened
    by a client message, its first-response clock stopped by a VA's reply."""

    __table_args__ = (
        sa.Index("ix_conversation_channel_open", "team_id", "channel_id", "closed_at"),
        sa.Index("ix_conversation_open_assignee", "team_id", "closed_at", "assignee_id"),
        sa.Index("ix_conversation_client_opened", "team_id", "client_id", "opened_at"),
        # The open conversation a contact opened (their picture).
        sa.Index("ix_conversation_team_opener", "team_id", "opened_by", "closed_at"),
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


class ContactTag(SQLModel, table=True):
    """A client contact tagged with the taxonomy; the latest row is the contact's tag, the
    earlier ones its history. `contact_id` is the Slack user, `record_id` the contact's
    record (a contact without a Slack user has only the record)."""

    __tablename__ = "contact_tag"
    __table_args__ = (
        sa.Index("ix_contact_tag_contact", "team_id", "contact_id"),
        sa.Index("ix_contact_tag_record", "record_id", "tagged_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    contact_id: str | None = Field(default=None, max_length=32)
    record_id: int | None = Field(default=None, foreign_key="contact.id")
    tag: str = Field(max_length=130)
    tagged_by: str = Field(max_length=32)
    tagged_at: datetime = Field(sa_column=utc_column())
    channel_id: str | None = Field(default=None, max_length=32)
    message_ts: str | None = Field(default=None, max_length=32)


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
