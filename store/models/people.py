"""Workspaces, the people in them, and their clients."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from store.models.columns import utc_column


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
