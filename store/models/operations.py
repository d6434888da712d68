"""What a running VA Desk says about itself in the database, for any replica to read."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from store.models.columns import utc_column


class SchedulerBeat(SQLModel, table=True):
    """A scheduler's latest tick of one kind (`posts`, `chores`): when it started and
    ended, how long it took, whether it finished without an error, and which process ran
    it. Every scheduler writes the row when a tick ends; the latest end wins."""

    __tablename__ = "scheduler_beat"

    tick: str = Field(primary_key=True, max_length=16)
    started_at: datetime = Field(sa_column=utc_column())
    finished_at: datetime = Field(sa_column=utc_column())
    duration_ms: int
    ok: bool
    process: str = Field(max_length=120)
