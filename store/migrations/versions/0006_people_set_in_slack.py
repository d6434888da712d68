"""roles and trust phases an owner sets in Slack, over what vadesk.toml says

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("vauser", sa.Column("role_override", sa.String(16), nullable=True))
    op.add_column("vauser", sa.Column("phase_override", sa.String(3), nullable=True))


def downgrade() -> None:
    op.drop_column("vauser", "phase_override")
    op.drop_column("vauser", "role_override")
