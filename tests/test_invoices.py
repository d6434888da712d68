"""Finalized invoices: who may invoice, finding, listing and voiding them (entries
unlocked, the number kept and never given again), and unbilled time per client. SQLite
and PostgreSQL."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlmodel import Session, select

from bot import clock
from bot.services.billing.drafts import DraftRequest
from bot.services.billing.finalizing import finalize_draft
from bot.services.billing.invoices import (
    check_may_finalize,
    check_may_invoice,
    invoice_by_number,
    invoice_lines,
    last_invoices,
    list_invoices,
    unbilled_by_client,
    void_invoice,
)
from bot.services.errors import AlreadyDone, InputError, NotFound, PermissionDenied
from store.db import session_scope
from store.models import AuditRecord, InvoiceEntry
from tests.conftest import TEAM
from tests.invoicing import KEN, NOVEMBER, OWNER, Ledger, billing_settings, ny, tokyo

BILLING = """
[billing.clients.acme]
rate = 40

[billing.clients.globex]
rate = 60
"""
FIRST_HALF = (date(2026, 11, 1), date(2026, 11, 15))
SECOND_HALF = (date(2026, 11, 16), date(2026, 11, 30))


@pytest.fixture
def ledger(engine, tmp_path, database_url) -> Ledger:
    return Ledger(engine, billing_settings(tmp_path, database_url, BILLING))


def finalize(ledger: Ledger, key: str, period) -> str:
    request = DraftRequest(ledger.client_id(key), *period)
    fingerprint = ledger.draft(key, period).fingerprint
    with session_scope(ledger.engine) as session:
        return finalize_draft(session, ledger.settings, TEAM, OWNER, request, fingerprint).number


@pytest.fixture
def invoiced(ledger) -> dict[str, list[int]]:
    """INV-2026-0001 (Acme, first half), -0002 (Globex, November), -0003 (Acme, second)."""
    acme, globex = ledger.task("Acme work"), ledger.task("Globex work", client="globex")
    entries = {
        "acme-1": [ledger.entry(acme, ny(2026, 11, 2, 9), 3600)],
        "globex": [ledger.entry(globex, ny(2026, 11, 3, 9), 1800)],
        "acme-2": [ledger.entry(acme, ny(2026, 11, 20, 9), 5400)],
    }
    assert finalize(ledger, "acme", FIRST_HALF) == "INV-2026-0001"
    assert finalize(ledger, "globex", NOVEMBER) == "INV-2026-0002"
    assert finalize(ledger, "acme", SECOND_HALF) == "INV-2026-0003"
    return entries


def test_who_may_invoice(ledger, engine, tmp_path, database_url):
    check_may_invoice(ledger.settings, "owner")
    for role in ("supervisor", "va"):
        with pytest.raises(PermissionDenied) as refused:
            check_may_invoice(ledger.settings, role)
        assert refused.value.message == (
            "Only an owner drafts and sends invoices; nothing was shown or changed."
        )
    trusting = billing_settings(tmp_path, database_url, "[billing]\nsupervisors_may_draft = true\n")
    check_may_invoice(trusting, "supervisor")
    with pytest.raises(PermissionDenied):
        check_may_invoice(trusting, "va")
    check_may_finalize("owner")
    for role in ("supervisor", "va"):  # a supervisor who may draft forwards the preview
        with pytest.raises(PermissionDenied) as refused:
            check_may_finalize(role)
        assert "forward the preview" in refused.value.message and "$" not in refused.value.message


def test_find_an_invoice_and_its_lines(ledger, invoiced):
    with Session(ledger.engine) as session:
        invoice = invoice_by_number(session, TEAM, " inv-2026-0003 ")
        assert (invoice.number, invoice.total_minor) == ("INV-2026-0003", 6000)
        lines = invoice_lines(session, invoice.id)
        assert [(line.position, line.description, line.amount_minor) for line in lines] == [
            (1, "Acme work", 6000)
        ]
        with pytest.raises(NotFound) as unknown:
            invoice_by_number(session, TEAM, "INV-2026-0009")
        assert unknown.value.message == (
            "There is no invoice 'INV-2026-0009' in this workspace; /invoice list shows them."
        )
        with pytest.raises(NotFound):
            invoice_by_number(session, "T0OTHER", "INV-2026-0001")


def test_list_newest_first_by_client_and_status(ledger, invoiced):
    acme = ledger.client_id("acme")
    with session_scope(ledger.engine) as session:
        void_invoice(session, TEAM, OWNER, "INV-2026-0001", "wrong rate")

    def numbers(client_id, status):
        with Session(ledger.engine) as session:
            return [invoice.number for invoice in list_invoices(session, TEAM, client_id, status)]

    assert numbers(None, "all") == ["INV-2026-0003", "INV-2026-0002", "INV-2026-0001"]
    assert numbers(None, "open") == ["INV-2026-0003", "INV-2026-0002"]
    assert numbers(acme, "void") == ["INV-2026-0001"]
    assert numbers(acme, "all") == ["INV-2026-0003", "INV-2026-0001"]
    with Session(ledger.engine) as session:
        assert [i.number for i in last_invoices(session, TEAM, limit=2)] == [
            "INV-2026-0003",
            "INV-2026-0002",
        ]
        with pytest.raises(InputError):
            list_invoices(session, TEAM, None, "paid")


def test_void_unlocks_keeps_the_number_and_is_audited(ledger, invoiced):
    clock.set_now("2026-12-05T16:00:00Z")
    with session_scope(ledger.engine) as session:
        invoice = void_invoice(
            session, TEAM, OWNER, "inv-2026-0001", "  billed at the  wrong rate "
        )
    assert (invoice.status, invoice.void_reason, invoice.voided_by) == (
        "void",
        "billed at the wrong rate",
        OWNER,
    )
    assert invoice.voided_at == clock.now()
    (entry,) = invoiced["acme-1"]
    assert ledger.locks()[entry] is None
    assert ledger.locks()[invoiced["acme-2"][0]] is not None  # the other invoice keeps its own
    with Session(ledger.engine) as session:
        links = session.exec(select(InvoiceEntry).where(InvoiceEntry.invoice_id == invoice.id))
        assert [link.entry_id for link in links] == [entry]  # what it billed is kept
        (audited,) = session.exec(
            select(AuditRecord).where(AuditRecord.entity == "invoice", AuditRecord.action == "void")
        )
    assert (audited.actor_id, audited.entity_id, audited.reason) == (
        OWNER,
        invoice.id,
        "billed at the wrong rate",
    )
    assert json.loads(audited.new_value) == {"status": "void", "unlocked_entries": 1}
    # The unlocked time is billed again, on a new number: 0001 is never given again.
    assert finalize(ledger, "acme", FIRST_HALF) == "INV-2026-0004"


def test_void_needs_a_reason_and_happens_once(ledger, invoiced):
    with session_scope(ledger.engine) as session:
        with pytest.raises(InputError) as no_reason:
            void_invoice(session, TEAM, OWNER, "INV-2026-0002", "  ")
        assert "Say why" in no_reason.value.message
        void_invoice(session, TEAM, OWNER, "INV-2026-0002", "sent twice")
    with session_scope(ledger.engine) as session, pytest.raises(AlreadyDone) as again:
        void_invoice(session, TEAM, OWNER, "INV-2026-0002", "again")
    assert again.value.message == (
        "INV-2026-0002 is already void (sent twice); its time is unlocked."
    )
    with session_scope(ledger.engine) as session, pytest.raises(NotFound):
        void_invoice(session, TEAM, OWNER, "INV-2026-0042", "typo")


def test_unbilled_time_per_client(ledger, invoiced):
    acme, globex = ledger.task("More Acme"), ledger.task("More Globex", client="globex")
    ledger.entry(acme, ny(2026, 12, 1, 9), 1200)
    ledger.entry(acme, tokyo(2026, 12, 2, 9), 600, user_id=KEN)
    ledger.entry(acme, ny(2026, 12, 2, 11), 900, billable=False)
    ledger.entry(acme, ny(2026, 12, 3, 9), None)  # running
    ledger.entry(globex, ny(2026, 12, 3, 9), 2400)
    ledger.entry(ledger.task("Internal", client=None), ny(2026, 12, 3, 13), 600)
    ledger.entry(acme, ny(2026, 11, 30, 22), 300)  # Ana's November
    december = (date(2026, 12, 1), date(2026, 12, 31))
    with Session(ledger.engine) as session:
        assert unbilled_by_client(session, ledger.settings, TEAM, *december) == [
            ("Acme Corp", 1800),
            ("Globex", 2400),
        ]
        # November's other time is on invoices; only the late entry is not.
        assert unbilled_by_client(session, ledger.settings, TEAM, *NOVEMBER) == [("Acme Corp", 300)]
    with session_scope(ledger.engine) as session:
        void_invoice(session, TEAM, OWNER, "INV-2026-0002", "redo")
    with Session(ledger.engine) as session:
        assert unbilled_by_client(session, ledger.settings, TEAM, *NOVEMBER) == [
            ("Acme Corp", 300),
            ("Globex", 1800),
        ]
