"""invoices: their lines, the entries they bill, the number sequence; a time entry's
lock (its invoice) and a task's billable switch

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "invoice",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.String(32), sa.ForeignKey("workspace.id"), nullable=False),
        sa.Column("number", sa.String(64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), sa.ForeignKey("client.id"), nullable=False),
        sa.Column("client_name", sa.String(200), nullable=False),
        sa.Column("client_channel", sa.String(100), nullable=True),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("subtotal_minor", sa.BigInteger(), nullable=False),
        sa.Column("tax_minor", sa.BigInteger(), nullable=False),
        sa.Column("total_minor", sa.BigInteger(), nullable=False),
        sa.Column("terms", sa.Text(), nullable=False),
        sa.Column("sender", sa.Text(), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("created_by", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("voided_by", sa.String(32), nullable=True),
        sa.Column("voided_at", sa.DateTime(), nullable=True),
        sa.Column("void_reason", sa.Text(), nullable=True),
        sa.UniqueConstraint("team_id", "number", name="uq_invoice_team_number"),
        sa.UniqueConstraint("team_id", "year", "seq", name="uq_invoice_team_year_seq"),
    )
    op.create_index("ix_invoice_team_client_status", "invoice", ["team_id", "client_id", "status"])
    op.create_table(
        "invoice_line",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("invoice_id", sa.Integer(), sa.ForeignKey("invoice.id"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("person", sa.String(200), nullable=True),
        sa.Column("task_id", sa.Integer(), sa.ForeignKey("task.id"), nullable=True),
        sa.Column("day", sa.Date(), nullable=True),
        sa.Column("entry_count", sa.Integer(), nullable=False),
        sa.Column("raw_seconds", sa.BigInteger(), nullable=False),
        sa.Column("billed_seconds", sa.BigInteger(), nullable=False),
        sa.Column("rate", sa.String(32), nullable=True),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_invoice_line_invoice_id", "invoice_line", ["invoice_id"])
    op.create_table(
        "invoice_entry",
        sa.Column("invoice_id", sa.Integer(), sa.ForeignKey("invoice.id"), primary_key=True),
        sa.Column("entry_id", sa.Integer(), sa.ForeignKey("time_entry.id"), primary_key=True),
    )
    op.create_index("ix_invoice_entry_entry_id", "invoice_entry", ["entry_id"])
    op.create_table(
        "invoice_sequence",
        sa.Column("team_id", sa.String(32), sa.ForeignKey("workspace.id"), primary_key=True),
        sa.Column("year", sa.Integer(), primary_key=True),
        sa.Column("last_seq", sa.Integer(), nullable=False),
    )
    with op.batch_alter_table("time_entry") as batch:
        batch.add_column(sa.Column("invoice_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_time_entry_invoice_id_invoice", "invoice", ["invoice_id"], ["id"]
        )
        batch.create_index("ix_time_entry_invoice_id", ["invoice_id"])
    with op.batch_alter_table("task") as batch:
        batch.add_column(
            sa.Column("billable", sa.Boolean(), nullable=False, server_default=sa.true())
        )


def downgrade() -> None:
    with op.batch_alter_table("task") as batch:
        batch.drop_column("billable")
    with op.batch_alter_table("time_entry") as batch:
        batch.drop_index("ix_time_entry_invoice_id")
        batch.drop_constraint("fk_time_entry_invoice_id_invoice", type_="foreignkey")
        batch.drop_column("invoice_id")
    op.drop_table("invoice_sequence")
    op.drop_index("ix_invoice_entry_entry_id", "invoice_entry")
    op.drop_table("invoice_entry")
    op.drop_index("ix_invoice_line_invoice_id", "invoice_line")
    op.drop_table("invoice_line")
    op.drop_index("ix_invoice_team_client_status", "invoice")
    op.drop_table("invoice")
