"""Finalized invoices with their lines, made directly (the finalize service is not
needed), for the tests of their PDF and CSV: a 60-line invoice whose people write in six
scripts, with hand-computed totals."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlmodel import Session, select

from bot.services.billing.terms import BillingTerms, Sender
from bot.services.people import ensure_workspace
from bot.settings import Settings
from store.models import Client
from store.models.billing import Invoice, InvoiceLine
from tests.conftest import TEAM

NUMBER = "INV-2026-0007"
# One person per script Slack users type: accents, Arabic, Hebrew, Chinese, Korean, more.
PEOPLE = ("Ana Núñez", "محمد علي", "דוד כהן", "王小明", "김민준", "Zoë Ångström")
RATE = "35.5"
LINE_SECONDS = 5400  # 1.50 h at 35.50 = 53.25
LINE_MINOR = 5325
TAX_PERCENT = Decimal("8.25")
SENDER = Sender(
    business_name="Olivia's VA Agency",
    address="1 Main St\nSpringfield, IL 62701",
    email="billing@example.com",
)


def totals(count: int) -> tuple[int, int, int]:
    """Subtotal, tax and total in cents: 60 lines → $3,195.00 + $263.59 = $3,458.59."""
    subtotal = LINE_MINOR * count
    tax = int((Decimal(subtotal) * TAX_PERCENT / 100).quantize(Decimal(1), "ROUND_HALF_UP"))
    return subtotal, tax, subtotal + tax


def make_invoice(
    count: int = 60,
    *,
    sender: Sender = SENDER,
    client_id: int = 1,
    invoice_id: int | None = 1,
) -> tuple[Invoice, list[InvoiceLine]]:
    """An open invoice of `count` time lines (not yet saved)."""
    subtotal, tax, total = totals(count)
    terms = BillingTerms("acme", rate=Decimal(RATE), tax_percent=TAX_PERCENT)
    invoice = Invoice(
        id=invoice_id,
        team_id=TEAM,
        number=NUMBER,
        year=2026,
        seq=7,
        client_id=client_id,
        client_name="Acme Corp — 株式会社アクメ",
        client_channel="acme",
        period_start=date(2026, 11, 1),
        period_end=date(2026, 11, 30),
        issued_on=date(2026, 12, 1),
        due_on=date(2026, 12, 15),
        currency="USD",
        subtotal_minor=subtotal,
        tax_minor=tax,
        total_minor=total,
        terms=json.dumps(terms.to_record()),
        sender=json.dumps(asdict(sender)),
        created_by="U0OWNER",
        created_at=datetime(2026, 12, 1, 15, 0, tzinfo=UTC),
    )
    lines = [
        InvoiceLine(
            invoice_id=invoice_id or 0,
            position=position,
            kind="time",
            description=f"T-{position} Call with {PEOPLE[position % 6]} about the plan",
            person=PEOPLE[position % 6],
            entry_count=2,
            raw_seconds=LINE_SECONDS - 60,
            billed_seconds=LINE_SECONDS,
            rate=RATE,
            amount_minor=LINE_MINOR,
        )
        for position in range(1, count + 1)
    ]
    return invoice, lines


def save_invoice(session: Session, settings: Settings, count: int = 60) -> Invoice:
    """The invoice and its lines as rows of the test workspace's client acme."""
    ensure_workspace(session, settings, TEAM)
    acme = session.exec(select(Client).where(Client.team_id == TEAM, Client.key == "acme")).one()
    assert acme.id is not None
    invoice, lines = make_invoice(count, client_id=acme.id, invoice_id=None)
    session.add(invoice)
    session.flush()
    assert invoice.id is not None
    for line in lines:
        line.invoice_id = invoice.id
        session.add(line)
    return invoice
