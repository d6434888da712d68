"""contacts and their history; a task's contact; a contact's tags on its record

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contact",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.String(32), sa.ForeignKey("workspace.id"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("name_key", sa.String(200), nullable=False),
        sa.Column("company", sa.String(200), nullable=True),
        sa.Column("client_id", sa.Integer(), sa.ForeignKey("client.id"), nullable=True),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("phone", sa.String(40), nullable=True),
        sa.Column("slack_user_id", sa.String(32), nullable=True),
        sa.Column("owner_id", sa.String(32), nullable=True),
        sa.Column("stage", sa.String(60), nullable=False),
        sa.Column("stage_since", sa.DateTime(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(3), nullable=True),
        sa.Column("expected_close", sa.Date(), nullable=True),
        sa.Column("next_step", sa.Text(), nullable=True),
        sa.Column("next_step_due", sa.Date(), nullable=True),
        sa.Column("last_touch_at", sa.DateTime(), nullable=False),
        sa.Column("snoozed_until", sa.DateTime(), nullable=True),
        sa.Column("archived_at", sa.DateTime(), nullable=True),
        sa.Column("archived_by", sa.String(32), nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("created_by", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_index(
        "uq_contact_team_slack_user",
        "contact",
        ["team_id", "slack_user_id"],
        unique=True,
        sqlite_where=sa.text("slack_user_id IS NOT NULL"),
        postgresql_where=sa.text("slack_user_id IS NOT NULL"),
    )
    op.create_index("ix_contact_team_name_key", "contact", ["team_id", "name_key"])
    op.create_index(
        "ix_contact_team_stage", "contact", ["team_id", "archived_at", "stage", "stage_since"]
    )
    op.create_index("ix_contact_team_owner", "contact", ["team_id", "owner_id", "next_step_due"])
    op.create_index("ix_contact_team_client", "contact", ["team_id", "client_id"])
    op.create_table(
        "contact_event",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("contact_id", sa.Integer(), sa.ForeignKey("contact.id"), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor_id", sa.String(32), nullable=True),
        sa.Column("from_stage", sa.String(60), nullable=True),
        sa.Column("to_stage", sa.String(60), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("channel_id", sa.String(32), nullable=True),
        sa.Column("message_ts", sa.String(32), nullable=True),
    )
    op.create_index("ix_contact_event_contact", "contact_event", ["contact_id", "at"])
    op.create_index("ix_contact_event_team_kind", "contact_event", ["team_id", "kind", "at"])
    op.create_index(
        "ix_contact_event_message", "contact_event", ["team_id", "channel_id", "message_ts"]
    )
    with op.batch_alter_table("task") as batch:
        batch.add_column(sa.Column("contact_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_task_contact_id_contact", "contact", ["contact_id"], ["id"])
        batch.create_index("ix_task_contact_id", ["contact_id"])
    with op.batch_alter_table("contact_tag") as batch:
        batch.alter_column("contact_id", existing_type=sa.String(32), nullable=True)
        batch.add_column(sa.Column("record_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_contact_tag_record_id_contact", "contact", ["record_id"], ["id"]
        )
        batch.create_index("ix_contact_tag_record", ["record_id", "tagged_at"])


def downgrade() -> None:
    with op.batch_alter_table("contact_tag") as batch:
        batch.drop_index("ix_contact_tag_record")
        batch.drop_constraint("fk_contact_tag_record_id_contact", type_="foreignkey")
        batch.drop_column("record_id")
        batch.alter_column("contact_id", existing_type=sa.String(32), nullable=False)
    with op.batch_alter_table("task") as batch:
        batch.drop_index("ix_task_contact_id")
        batch.drop_constraint("fk_task_contact_id_contact", type_="foreignkey")
        batch.drop_column("contact_id")
    op.drop_index("ix_contact_event_message", "contact_event")
    op.drop_index("ix_contact_event_team_kind", "contact_event")
    op.drop_index("ix_contact_event_contact", "contact_event")
    op.drop_table("contact_event")
    op.drop_index("ix_contact_team_client", "contact")
    op.drop_index("ix_contact_team_owner", "contact")
    op.drop_index("ix_contact_team_stage", "contact")
    op.drop_index("ix_contact_team_name_key", "contact")
    op.drop_index("uq_contact_team_slack_user", "contact")
    op.drop_table("contact")
