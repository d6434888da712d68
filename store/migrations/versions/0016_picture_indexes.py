"""indexes for the picture of a contact or a client: a client's open tasks, the
conversations a person opened

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_task_team_client_status", "task", ["team_id", "client_id", "status"])
    op.create_index(
        "ix_conversation_team_opener", "conversation", ["team_id", "opened_by", "closed_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_conversation_team_opener", table_name="conversation")
    op.drop_index("ix_task_team_client_status", table_name="task")
