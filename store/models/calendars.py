"""Calendar feeds: each feed's last good copy and how its reads went, the occurrences that
copy expands to over a rolling window, and which events (by UID) each feed has shown.

A feed is named by its key, "user:<slack id>" or "shared:<name>", as the settings file
names it (so the rows are the install's, not a workspace's). The address is never stored:
`source_fingerprint` (its sha256) tells a changed address, which starts the feed afresh.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from store.models.columns import utc_column

MAX_FEED_KEY_CHARS = 80  # "shared:" + a 64-character name, or "user:" + a Slack id
MAX_UID_CHARS = 1000  # RFC 5545 sets no limit; Outlook's run to a few hundred
OCCURRENCE_STATUSES = ("CONFIRMED", "TENTATIVE")


class CalendarFeed(SQLModel, table=True):
    """One feed: its validators for a conditional read, when it was last read and last
    read well, the sentence of its last failure, the back-off, and the last good copy."""

    __tablename__ = "calendar_feed"

    id: int | None = Field(default=None, primary_key=True)
    feed_key: str = Field(max_length=MAX_FEED_KEY_CHARS, unique=True)
    source_fingerprint: str = Field(max_length=64)
    title: str = Field(default="", max_length=200)  # what people see it called
    etag: str | None = Field(default=None, max_length=500)
    last_modified: str | None = Field(default=None, max_length=100)
    checked_at: datetime | None = Field(default=None, sa_column=utc_column(True))
    good_at: datetime | None = Field(default=None, sa_column=utc_column(True))
    error: str | None = Field(default=None, sa_column=sa.Column(sa.Text))  # never the address
    failures: int = Field(default=0)
    retry_at: datetime | None = Field(default=None, sa_column=utc_column(True))
    body: bytes | None = Field(default=None, sa_column=sa.Column(sa.LargeBinary))
    # The zone floating times were read in, and the UTC range the occurrences cover.
    zone: str = Field(default="UTC", max_length=64)
    expanded_from: datetime | None = Field(default=None, sa_column=utc_column(True))
    expanded_to: datetime | None = Field(default=None, sa_column=utc_column(True))


class CalendarOccurrence(SQLModel, table=True):
    """An occurrence of the feed's last good copy inside its window: a single event, or
    one of a recurring event's (moved ones where they moved to). Cancelled ones are not
    stored. An all-day event keeps its days: it starts at midnight where it is looked at."""

    __tablename__ = "calendar_occurrence"
    __table_args__ = (sa.Index("ix_calendar_occurrence_feed_start", "feed_key", "start_at"),)

    id: int | None = Field(default=None, primary_key=True)
    feed_key: str = Field(max_length=MAX_FEED_KEY_CHARS)
    uid: str = Field(max_length=MAX_UID_CHARS)
    recurrence_id: str = Field(default="", max_length=40)  # "" or the original start (ISO)
    start_at: datetime = Field(sa_column=utc_column())
    end_at: datetime = Field(sa_column=utc_column())
    all_day: bool = Field(default=False)
    first_day: date | None = None
    last_day: date | None = None  # inclusive
    summary: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))
    location: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))
    status: str = Field(default="CONFIRMED", max_length=16)


class CalendarBookingSeen(SQLModel, table=True):
    """The first time a feed showed an event (by UID): "new bookings since the last
    morning" are the UIDs first seen since then. A feed's first good read is the baseline."""

    __tablename__ = "calendar_booking_seen"
    __table_args__ = (sa.UniqueConstraint("feed_key", "uid", name="uq_calendar_booking_seen"),)

    id: int | None = Field(default=None, primary_key=True)
    feed_key: str = Field(max_length=MAX_FEED_KEY_CHARS)
    uid: str = Field(max_length=MAX_UID_CHARS)
    first_seen_at: datetime = Field(sa_column=utc_column())
    baseline: bool = Field(default=False)  # seen on the feed's first good read: not new
