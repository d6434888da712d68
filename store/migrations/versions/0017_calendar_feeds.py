"""calendar feeds: each feed's last good copy and reads, its expanded occurrences, and the
events (by UID) each feed has shown

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calendar_feed",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("feed_key", sa.String(80), nullable=False, unique=True),
        sa.Column("source_fingerprint", sa.String(64), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("etag", sa.String(500), nullable=True),
        sa.Column("last_modified", sa.String(100), nullable=True),
        sa.Column("checked_at", sa.DateTime(), nullable=True),
        sa.Column("good_at", sa.DateTime(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("retry_at", sa.DateTime(), nullable=True),
        sa.Column("body", sa.LargeBinary(), nullable=True),
        sa.Column("zone", sa.String(64), nullable=False),
        sa.Column("expanded_from", sa.DateTime(), nullable=True),
        sa.Column("expanded_to", sa.DateTime(), nullable=True),
    )
    op.create_table(
        "calendar_occurrence",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("feed_key", sa.String(80), nullable=False),
        sa.Column("uid", sa.String(1000), nullable=False),
        sa.Column("recurrence_id", sa.String(40), nullable=False),
        sa.Column("start_at", sa.DateTime(), nullable=False),
        sa.Column("end_at", sa.DateTime(), nullable=False),
        sa.Column("all_day", sa.Boolean(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=True),
        sa.Column("last_day", sa.Date(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("location", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
    )
    op.create_index(
        "ix_calendar_occurrence_feed_start", "calendar_occurrence", ["feed_key", "start_at"]
    )
    op.create_table(
        "calendar_booking_seen",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("feed_key", sa.String(80), nullable=False),
        sa.Column("uid", sa.String(1000), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(), nullable=False),
        sa.Column("baseline", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("feed_key", "uid", name="uq_calendar_booking_seen"),
    )


def downgrade() -> None:
    op.drop_table("calendar_booking_seen")
    op.drop_index("ix_calendar_occurrence_feed_start", table_name="calendar_occurrence")
    op.drop_table("calendar_occurrence")
    op.drop_table("calendar_feed")
