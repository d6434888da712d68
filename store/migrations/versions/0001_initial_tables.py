"""initial tables

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("actor_id", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_record", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_record_entity_id"), ["entity_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_record_team_id"), ["team_id"], unique=False)

    op.create_table(
        "processed_event",
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("event_id"),
    )
    op.create_table(
        "workspace",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("next_task_number", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "client",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("business_hours", sa.String(length=11), nullable=True),
        sa.Column("business_days", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["workspace.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", "key"),
    )
    with op.batch_alter_table("client", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_client_channel_id"), ["channel_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_client_team_id"), ["team_id"], unique=False)

    op.create_table(
        "vauser",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=True),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("timezone_checked_at", sa.DateTime(), nullable=True),
        sa.Column("work_start", sa.String(length=5), nullable=True),
        sa.Column("work_end", sa.String(length=5), nullable=True),
        sa.Column("phase", sa.String(length=3), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["workspace.id"],
        ),
        sa.PrimaryKeyConstraint("team_id", "id"),
    )
    op.create_table(
        "task",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=True),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("channel_id", sa.String(length=32), nullable=True),
        sa.Column("assignee_id", sa.String(length=32), nullable=True),
        sa.Column("creator_id", sa.String(length=32), nullable=False),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("priority", sa.String(length=8), nullable=False),
        sa.Column("source_permalink", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("completed_by", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("completed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["workspace.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", "number"),
    )
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_task_assignee_id"), ["assignee_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_task_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_task_team_id"), ["team_id"], unique=False)

    op.create_table(
        "followup",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["task.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("followup", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_followup_task_id"), ["task_id"], unique=False)

    op.create_table(
        "time_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("billable", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["task.id"],
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["workspace.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("time_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_time_entry_task_id"), ["task_id"], unique=False)
        batch_op.create_index(
            "ix_time_entry_user_start", ["team_id", "user_id", "started_at"], unique=False
        )
        batch_op.create_index(
            "uq_time_entry_one_running",
            ["team_id", "user_id"],
            unique=True,
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("time_entry", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_time_entry_one_running",
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        )
        batch_op.drop_index("ix_time_entry_user_start")
        batch_op.drop_index(batch_op.f("ix_time_entry_task_id"))

    op.drop_table("time_entry")
    with op.batch_alter_table("followup", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_followup_task_id"))

    op.drop_table("followup")
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_task_team_id"))
        batch_op.drop_index(batch_op.f("ix_task_status"))
        batch_op.drop_index(batch_op.f("ix_task_assignee_id"))

    op.drop_table("task")
    op.drop_table("vauser")
    with op.batch_alter_table("client", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_client_team_id"))
        batch_op.drop_index(batch_op.f("ix_client_channel_id"))

    op.drop_table("client")
    op.drop_table("workspace")
    op.drop_table("processed_event")
    with op.batch_alter_table("audit_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_record_team_id"))
        batch_op.drop_index(batch_op.f("ix_audit_record_entity_id"))

    op.drop_table("audit_record")
