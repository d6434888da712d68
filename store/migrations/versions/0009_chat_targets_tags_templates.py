"""client chats: assignment, queue and SLA stamps; conversation events; counted
messages; contact and task tags; template reviews

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_CONVERSATION_COLUMNS = (
    ("permalink", sa.Text()),
    ("last_client_id", sa.String(32)),
    ("assignee_id", sa.String(32)),
    ("assigned_at", sa.DateTime()),
    ("queued_at", sa.DateTime()),
    ("queue_announced_at", sa.DateTime()),
    ("acknowledge_due", sa.DateTime()),
    ("near_breach_at", sa.DateTime()),
    ("breached_at", sa.DateTime()),
    ("closed_by", sa.String(32)),
    ("close_reason", sa.String(16)),
    ("tag", sa.String(130)),
)


def upgrade() -> None:
    with op.batch_alter_table("conversation") as batch:
        for name, kind in _CONVERSATION_COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))
        batch.add_column(
            sa.Column("asynchronous", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_index(
        "ix_conversation_open_assignee", "conversation", ["team_id", "closed_at", "assignee_id"]
    )
    op.create_index(
        "ix_conversation_client_opened", "conversation", ["team_id", "client_id", "opened_at"]
    )
    with op.batch_alter_table("task") as batch:
        batch.add_column(sa.Column("tag", sa.String(130), nullable=True))
    op.create_index("ix_task_team_tag", "task", ["team_id", "tag"])
    op.create_table(
        "conversation_event",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "conversation_id", sa.Integer(), sa.ForeignKey("conversation.id"), nullable=False
        ),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor_id", sa.String(32), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
    )
    op.create_index(
        "ix_conversation_event_conversation_id", "conversation_event", ["conversation_id"]
    )
    op.create_table(
        "channel_message",
        sa.Column("team_id", sa.String(32), primary_key=True),
        sa.Column("channel_id", sa.String(32), primary_key=True),
        sa.Column("ts", sa.String(32), primary_key=True),
        sa.Column("conversation_id", sa.Integer(), nullable=True),
    )
    op.create_table(
        "contact_tag",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("contact_id", sa.String(32), nullable=False),
        sa.Column("tag", sa.String(130), nullable=False),
        sa.Column("tagged_by", sa.String(32), nullable=False),
        sa.Column("tagged_at", sa.DateTime(), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=True),
        sa.Column("message_ts", sa.String(32), nullable=True),
    )
    op.create_index("ix_contact_tag_contact", "contact_tag", ["team_id", "contact_id"])
    op.create_table(
        "template_review",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("reviewed_on", sa.Date(), nullable=False),
        sa.Column("reviewed_by", sa.String(32), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_template_review_name", "template_review", ["team_id", "name"])


def downgrade() -> None:
    op.drop_index("ix_template_review_name", table_name="template_review")
    op.drop_table("template_review")
    op.drop_index("ix_contact_tag_contact", table_name="contact_tag")
    op.drop_table("contact_tag")
    op.drop_table("channel_message")
    op.drop_index("ix_conversation_event_conversation_id", table_name="conversation_event")
    op.drop_table("conversation_event")
    op.drop_index("ix_task_team_tag", table_name="task")
    with op.batch_alter_table("task") as batch:
        batch.drop_column("tag")
    op.drop_index("ix_conversation_client_opened", table_name="conversation")
    op.drop_index("ix_conversation_open_assignee", table_name="conversation")
    with op.batch_alter_table("conversation") as batch:
        batch.drop_column("asynchronous")
        for name, _ in reversed(_CONVERSATION_COLUMNS):
            batch.drop_column(name)
