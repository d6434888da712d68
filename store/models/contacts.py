"""The agency's contacts (clients' people and leads) with their pipeline stage, and each
contact's history: notes, stage moves, edits, archiving, testimonial requests."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from store.models.columns import utc_column

CONTACT_SOURCES = ("manual", "client message", "import", "shortcut")


class Contact(SQLModel, table=True):
    """A person the agency works with or hopes to: in a pipeline stage since a moment,
    owned by a VA, touched last at a moment (a message, a reply, a task done, a note, a
    move). Archived contacts leave the pipeline and stay findable."""

    __table_args__ = (
        # A Slack user is one contact per workspace (a client who writes becomes one once).
        sa.Index(
            "uq_contact_team_slack_user",
            "team_id",
            "slack_user_id",
            unique=True,
            sqlite_where=sa.text("slack_user_id IS NOT NULL"),
            postgresql_where=sa.text("slack_user_id IS NOT NULL"),
        ),
        sa.Index("ix_contact_team_name_key", "team_id", "name_key"),
        sa.Index("ix_contact_team_stage", "team_id", "archived_at", "stage", "stage_since"),
        sa.Index("ix_contact_team_owner", "team_id", "owner_id", "next_step_due"),
        # The stale lists: a stage's contacts in the pipeline by last touch; the snooze
        # and the owner are read from the index too, so a count need not read the rows.
        sa.Index(
            "ix_contact_stale",
            "team_id",
            "stage",
            "last_touch_at",
            "snoozed_until",
            "owner_id",
            sqlite_where=sa.text("archived_at IS NULL"),
            postgresql_where=sa.text("archived_at IS NULL"),
        ),
        sa.Index("ix_contact_team_client", "team_id", "client_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(foreign_key="workspace.id", max_length=32)
    name: str = Field(max_length=200)
    # The name folded for lookups and duplicate checks (casefolded, spaces collapsed).
    name_key: str = Field(max_length=200)
    company: str | None = Field(default=None, max_length=200)
    client_id: int | None = Field(default=None, foreign_key="client.id")
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=40)
    slack_user_id: str | None = Field(default=None, max_length=32)
    owner_id: str | None = Field(default=None, max_length=32)  # the VA who keeps it
    stage: str = Field(max_length=60)
    stage_since: datetime = Field(sa_column=utc_column())
    amount_minor: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger))
    currency: str | None = Field(default=None, max_length=3)
    expected_close: date | None = None
    next_step: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    next_step_due: date | None = None
    last_touch_at: datetime = Field(sa_column=utc_column())
    snoozed_until: datetime | None = Field(default=None, sa_column=utc_column(True))
    archived_at: datetime | None = Field(default=None, sa_column=utc_column(True))
    archived_by: str | None = Field(default=None, max_length=32)
    source: str = Field(default="manual", max_length=16)
    created_by: str = Field(max_length=32)
    created_at: datetime = Field(sa_column=utc_column())
    updated_at: datetime = Field(sa_column=utc_column())


class ContactEvent(SQLModel, table=True):
    """One step of a contact's history: created, note, moved (from, to, note or lost
    reason), edited, tagged, archived, restored, snoozed, re-engaged, onboarding started,
    testimonial requested (with its message) and the client's testimonial answer."""

    __tablename__ = "contact_event"
    __table_args__ = (
        sa.Index("ix_contact_event_contact", "contact_id", "at"),
        sa.Index("ix_contact_event_team_kind", "team_id", "kind", "at"),
        sa.Index("ix_contact_event_message", "team_id", "channel_id", "message_ts"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    contact_id: int = Field(foreign_key="contact.id")
    kind: str = Field(max_length=24)
    at: datetime = Field(sa_column=utc_column())
    actor_id: str | None = Field(default=None, max_length=32)
    from_stage: str | None = Field(default=None, max_length=60)
    to_stage: str | None = Field(default=None, max_length=60)
    note: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    # Where a message of this step is (a testimonial request and its answers).
    channel_id: str | None = Field(default=None, max_length=32)
    message_ts: str | None = Field(default=None, max_length=32)
