"""scheduled work: deliveries claimed once, routine checklists and their ticks, timer
nudges silenced, focus sessions, out of office, running timers by start

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_time_entry_running",
        "time_entry",
        ["team_id", "started_at"],
        sqlite_where=sa.text("ended_at IS NULL"),
        postgresql_where=sa.text("ended_at IS NULL"),
    )
    op.add_column("vauser", sa.Column("away_until", sa.Date(), nullable=True))
    op.create_table(
        "delivery",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("job", sa.String(80), nullable=False),
        sa.Column("slot", sa.DateTime(), nullable=False),
        sa.Column("recipient", sa.String(64), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=True),
        sa.Column("message_ts", sa.String(32), nullable=True),
        sa.Column("posted_at", sa.DateTime(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.UniqueConstraint("job", "slot", "recipient", name="uq_delivery_job_slot_recipient"),
    )
    op.create_table(
        "routine_run",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("routine", sa.String(64), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("owner_id", sa.String(32), nullable=False),
        sa.Column("slot", sa.DateTime(), nullable=False),
        sa.Column("closes_at", sa.DateTime(), nullable=False),
        sa.Column("items", sa.Text(), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=True),
        sa.Column("message_ts", sa.String(32), nullable=True),
        sa.Column("completed_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint("team_id", "routine", "owner_id", "slot"),
    )
    op.create_index("ix_routine_run_team_slot", "routine_run", ["team_id", "slot"])
    op.create_table(
        "routine_tick",
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("routine_run.id"), primary_key=True),
        sa.Column("item", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("ticked_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "timer_silence",
        sa.Column("entry_id", sa.Integer(), sa.ForeignKey("time_entry.id"), primary_key=True),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "focus_session",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("task_id", sa.Integer(), sa.ForeignKey("task.id"), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("next_change_at", sa.DateTime(), nullable=False),
        sa.Column("on_break", sa.Boolean(), nullable=False),
        sa.Column("blocks", sa.Integer(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_focus_session_next", "focus_session", ["ended_at", "next_change_at"])


def downgrade() -> None:
    op.drop_index("ix_focus_session_next", table_name="focus_session")
    op.drop_table("focus_session")
    op.drop_table("timer_silence")
    op.drop_table("routine_tick")
    op.drop_index("ix_routine_run_team_slot", table_name="routine_run")
    op.drop_table("routine_run")
    op.drop_table("delivery")
    op.drop_column("vauser", "away_until")
    op.drop_index("ix_time_entry_running", table_name="time_entry")
