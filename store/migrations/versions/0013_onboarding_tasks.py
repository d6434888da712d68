"""a task made as an item of a client's or contact's onboarding

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("task") as batch:
        batch.add_column(
            sa.Column("onboarding", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.create_index("ix_task_team_onboarding", ["team_id", "onboarding", "status"])


def downgrade() -> None:
    with op.batch_alter_table("task") as batch:
        batch.drop_index("ix_task_team_onboarding")
        batch.drop_column("onboarding")
