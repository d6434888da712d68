"""scheduler beat: each kind of scheduler tick's latest start, end, duration and process,
so /healthz on any replica can tell whether a scheduler is ticking

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scheduler_beat",
        sa.Column("tick", sa.String(16), primary_key=True),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("process", sa.String(120), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("scheduler_beat")
