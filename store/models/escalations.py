"""Escalations: what a VA could not resolve, with its context."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from store.models.columns import utc_column

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
