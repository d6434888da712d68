"""What Slack delivered, so an event delivered twice is handled once: event ids, and
client-channel messages by their ts."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from store.models.columns import utc_column


class ProcessedEvent(SQLModel, table=True):
    """Slack event ids already handled, so a retried delivery is handled once."""

    __tablename__ = "processed_event"

    event_id: str = Field(primary_key=True, max_length=64)
    received_at: datetime = Field(sa_column=utc_column())


class ChannelMessage(SQLModel, table=True):
    """A client-channel message already counted, so a redelivered event counts once."""

    __tablename__ = "channel_message"

    team_id: str = Field(primary_key=True, max_length=32)
    channel_id: str = Field(primary_key=True, max_length=32)
    ts: str = Field(primary_key=True, max_length=32)
    conversation_id: int | None = None
