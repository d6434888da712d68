"""delegation: assignments (the brief and where it stands) and their events

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "assignment",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("task_id", sa.Integer(), sa.ForeignKey("task.id"), nullable=False, unique=True),
        sa.Column("assigner_id", sa.String(32), nullable=False),
        sa.Column("assignee_id", sa.String(32), nullable=False),
        sa.Column("objective", sa.Text(), nullable=False),
        sa.Column("deliverables", sa.Text(), nullable=False),
        sa.Column("resources", sa.Text(), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("recurrence", sa.String(8), nullable=False),
        sa.Column("series_id", sa.Integer(), sa.ForeignKey("assignment.id"), nullable=True),
        sa.Column("occurrence", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("open_question", sa.Text(), nullable=True),
        sa.Column("revisions", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(), nullable=True),
        sa.Column("approved_at", sa.DateTime(), nullable=True),
        sa.Column("va_channel", sa.String(32), nullable=True),
        sa.Column("va_ts", sa.String(32), nullable=True),
        sa.Column("review_channel", sa.String(32), nullable=True),
        sa.Column("review_ts", sa.String(32), nullable=True),
        sa.Column("question_channel", sa.String(32), nullable=True),
        sa.Column("question_ts", sa.String(32), nullable=True),
    )
    op.create_index("ix_assignment_team_state", "assignment", ["team_id", "state"])
    op.create_table(
        "assignment_event",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("assignment_id", sa.Integer(), sa.ForeignKey("assignment.id"), nullable=False),
        sa.Column("actor_id", sa.String(32), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("from_state", sa.String(16), nullable=False),
        sa.Column("to_state", sa.String(16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
    )
    op.create_index("ix_assignment_event_assignment_id", "assignment_event", ["assignment_id"])


def downgrade() -> None:
    op.drop_index("ix_assignment_event_assignment_id", table_name="assignment_event")
    op.drop_table("assignment_event")
    op.drop_index("ix_assignment_team_state", table_name="assignment")
    op.drop_table("assignment")
