"""Invoices: the numbered, finalized bills, their lines, the entries each one billed, and
the gapless number sequence per workspace and year. Amounts are integers in the
currency's minor unit (cents), so SQLite and PostgreSQL store them exactly."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from store.models.columns import utc_column

INVOICE_STATUSES = ("open", "void")
LINE_KINDS = ("time", "fee", "retainer", "overage")


class Invoice(SQLModel, table=True):
    """A finalized invoice. `terms` and `sender` are the settings it was priced and issued
    with (JSON), so it renders the same after the settings change; a void one keeps its
    number, which is never given again."""

    __table_args__ = (
        sa.UniqueConstraint("team_id", "number", name="uq_invoice_team_number"),
        sa.UniqueConstraint("team_id", "year", "seq", name="uq_invoice_team_year_seq"),
        sa.Index("ix_invoice_team_client_status", "team_id", "client_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(foreign_key="workspace.id", max_length=32)
    number: str = Field(max_length=64)
    year: int
    seq: int
    client_id: int = Field(foreign_key="client.id")
    client_name: str = Field(max_length=200)
    client_channel: str | None = Field(default=None, max_length=100)
    period_start: date
    period_end: date
    issued_on: date
    due_on: date
    currency: str = Field(max_length=3)
    subtotal_minor: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    tax_minor: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    total_minor: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    terms: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    sender: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    status: str = Field(default="open", max_length=8)
    created_by: str = Field(max_length=32)
    created_at: datetime = Field(sa_column=utc_column())
    voided_by: str | None = Field(default=None, max_length=32)
    voided_at: datetime | None = Field(default=None, sa_column=utc_column(True))
    void_reason: str | None = Field(default=None, sa_column=sa.Column(sa.Text))


class InvoiceLine(SQLModel, table=True):
    """One line as it was billed: time on a task (or a day), a fixed fee, a retainer's
    fee or its overage. `raw_seconds` is the tracked time, `billed_seconds` after rounding;
    `rate` is the decimal rate as text (up to four places)."""

    __tablename__ = "invoice_line"

    id: int | None = Field(default=None, primary_key=True)
    invoice_id: int = Field(foreign_key="invoice.id", index=True)
    position: int
    kind: str = Field(max_length=16)
    description: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    person: str | None = Field(default=None, max_length=200)
    task_id: int | None = Field(default=None, foreign_key="task.id")
    day: date | None = None
    entry_count: int = 0
    raw_seconds: int = Field(default=0, sa_column=sa.Column(sa.BigInteger, nullable=False))
    billed_seconds: int = Field(default=0, sa_column=sa.Column(sa.BigInteger, nullable=False))
    rate: str | None = Field(default=None, max_length=32)
    amount_minor: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))


class InvoiceEntry(SQLModel, table=True):
    """Which time entries an invoice billed, kept after a void (the entry's own
    `invoice_id`, its lock, is cleared then)."""

    __tablename__ = "invoice_entry"

    invoice_id: int = Field(foreign_key="invoice.id", primary_key=True)
    entry_id: int = Field(foreign_key="time_entry.id", primary_key=True, index=True)


class InvoiceSequence(SQLModel, table=True):
    """The last invoice number given per workspace and year: the next one is taken in
    the transaction that finalizes, so a failed finalize leaves no gap."""

    __tablename__ = "invoice_sequence"

    team_id: str = Field(foreign_key="workspace.id", primary_key=True, max_length=32)
    year: int = Field(primary_key=True)
    last_seq: int = 0
