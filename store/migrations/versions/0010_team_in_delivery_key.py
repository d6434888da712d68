"""the team is part of a delivery's key: another workspace's slot never takes ours

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("delivery") as batch:
        batch.drop_constraint("uq_delivery_job_slot_recipient", type_="unique")
        batch.create_unique_constraint(
            "uq_delivery_team_job_slot_recipient", ["team_id", "job", "slot", "recipient"]
        )


def downgrade() -> None:
    with op.batch_alter_table("delivery") as batch:
        batch.drop_constraint("uq_delivery_team_job_slot_recipient", type_="unique")
        batch.create_unique_constraint(
            "uq_delivery_job_slot_recipient", ["job", "slot", "recipient"]
        )
