"""Invoices made directly in the database, for tests of what an open invoice locks: the
finalize service is not needed to have time on an invoice."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import select

from store.db import session_scope
from store.models import Client, Invoice, InvoiceEntry, TimeEntry

TEAM = "T0TEAM"


def make_invoice(
    engine,
    client_key: str,
    period: tuple[date, date],
    issued_on: date,
    entry_ids: tuple[int, ...] = (),
    number: str = "INV-2026-0007",
) -> int:
    """An open invoice of the client for the period, billing (and locking) the entries."""
    with session_scope(engine) as session:
        client = session.exec(
            select(Client).where(Client.team_id == TEAM, Client.key == client_key)
        ).one()
        invoice = Invoice(
            team_id=TEAM,
            number=number,
            year=issued_on.year,
            seq=int(number.rsplit("-", 1)[1]),
            client_id=client.id,
            client_name=client.name,
            period_start=period[0],
            period_end=period[1],
            issued_on=issued_on,
            due_on=issued_on,
            currency="USD",
            subtotal_minor=0,
            tax_minor=0,
            total_minor=0,
            terms="{}",
            sender="{}",
            created_by="U0OWNER",
            created_at=datetime.combine(issued_on, datetime.min.time(), tzinfo=UTC),
        )
        session.add(invoice)
        session.flush()
        for entry_id in entry_ids:
            session.get_one(TimeEntry, entry_id).invoice_id = invoice.id
            session.add(InvoiceEntry(invoice_id=invoice.id, entry_id=entry_id))
        return invoice.id


def void_invoice(engine, invoice_id: int) -> None:
    """What a void does to the locks: the invoice is void, its entries' lock cleared."""
    with session_scope(engine) as session:
        invoice = session.get_one(Invoice, invoice_id)
        invoice.status = "void"
        session.add(invoice)
        for entry in session.exec(select(TimeEntry).where(TimeEntry.invoice_id == invoice_id)):
            entry.invoice_id = None
            session.add(entry)
