"""Scheduled work: each message claimed once before it is posted, and the routines'
checklists with their ticks."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from store.models.columns import utc_column


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
