"""indexes for the KPI queries of /report: tasks by assignee or status and due day,
entries by their end

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_task_team_assignee_due", "task", ["team_id", "assignee_id", "due"])
    op.create_index("ix_task_team_status_due", "task", ["team_id", "status", "due"])
    op.create_index("ix_time_entry_user_end", "time_entry", ["team_id", "user_id", "ended_at"])


def downgrade() -> None:
    op.drop_index("ix_time_entry_user_end", table_name="time_entry")
    op.drop_index("ix_task_team_status_due", table_name="task")
    op.drop_index("ix_task_team_assignee_due", table_name="task")
