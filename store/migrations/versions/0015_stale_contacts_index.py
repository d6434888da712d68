"""the stale contacts' index: a stage's contacts not archived, by last touch

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

NOT_ARCHIVED = sa.text("archived_at IS NULL")


def upgrade() -> None:
    op.create_index(
        "ix_contact_stale",
        "contact",
        ["team_id", "stage", "last_touch_at", "snoozed_until", "owner_id"],
        sqlite_where=NOT_ARCHIVED,
        postgresql_where=NOT_ARCHIVED,
    )


def downgrade() -> None:
    op.drop_index("ix_contact_stale", table_name="contact")
