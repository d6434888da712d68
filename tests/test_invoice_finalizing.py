"""Finalizing a draft: the number, the stored invoice, lines and entries, the lock and the
audit record in one transaction; a changed draft, an entry another invoice took first and
two owners finalizing at once (real threads) leave nothing numbered or locked. SQLite and
PostgreSQL."""

from __future__ import annotations

import json
import threading
import time
from datetime import date, timedelta

import pytest
from sqlmodel import Session, select

from bot import clock
from bot.services.billing import finalizing, locks
from bot.services.billing.drafts import DraftRequest
from bot.services.billing.finalizing import AlreadyInvoiced, DraftChanged, finalize_draft
from bot.services.errors import InputError
from store.db import session_scope
from store.models import (
    AuditRecord,
    Invoice,
    InvoiceEntry,
    InvoiceLine,
    InvoiceSequence,
    Task,
    TimeEntry,
)
from store.sql import lock_for_update
from tests.conftest import TEAM
from tests.invoicing import ANA, KEN, NOVEMBER, OWNER, Ledger, billing_settings, ny, tokyo

BILLING = """
[billing]
business_name = "Olivia's VA Agency"
address = "1 Main St"
email = "billing@example.com"
tax = 10

[billing.clients.acme]
rate = 35.0
increment_minutes = 15
"""


@pytest.fixture
def ledger(engine, tmp_path, database_url) -> Ledger:
    return Ledger(engine, billing_settings(tmp_path, database_url, BILLING))


def month_of_work(ledger: Ledger) -> list[int]:
    invoices, calls = ledger.task("Invoices"), ledger.task("Calls")
    return [
        ledger.entry(invoices, ny(2026, 11, 2, 9), 50 * 60),  # billed 60 min
        ledger.entry(invoices, ny(2026, 11, 16, 9), 20 * 60),  # 30
        ledger.entry(invoices, tokyo(2026, 11, 18, 9), 7 * 60, user_id=KEN),  # 15
        ledger.entry(calls, ny(2026, 11, 20, 14), 65 * 60),  # 75
    ]


def finalize(ledger: Ledger, period=NOVEMBER, actor: str = OWNER, fingerprint: str | None = None):
    request = DraftRequest(ledger.client_id("acme"), *period)
    fingerprint = fingerprint or ledger.draft(period=period).fingerprint
    with session_scope(ledger.engine) as session:
        return finalize_draft(session, ledger.settings, TEAM, actor, request, fingerprint)


def stored(ledger: Ledger, model, *where):
    with Session(ledger.engine) as session:
        return list(session.exec(select(model).where(*where)))


def test_finalize_numbers_stores_and_locks_in_one_go(ledger):
    entries = month_of_work(ledger)
    raw = ledger.raw_times()
    invoice = finalize(ledger)
    assert invoice.number == "INV-2026-0001" and (invoice.year, invoice.seq) == (2026, 1)
    # 60 + 30 min of Ana's Invoices = 52.50, Ken's 15 min = 8.75, Calls 75 min = 43.75
    assert (invoice.subtotal_minor, invoice.tax_minor, invoice.total_minor) == (10500, 1050, 11550)
    assert (invoice.client_name, invoice.client_channel, invoice.currency) == (
        "Acme Corp",
        "C0ACME",
        "USD",
    )
    assert (invoice.period_start, invoice.period_end) == NOVEMBER
    assert (invoice.issued_on, invoice.due_on) == (date(2026, 12, 4), date(2026, 12, 18))
    terms = json.loads(invoice.terms)
    assert (terms["rate"], terms["tax_percent"], terms["rounding"]["increment_minutes"]) == (
        "35.0",
        "10",
        15,
    )
    assert json.loads(invoice.sender)["business_name"] == "Olivia's VA Agency"
    lines = stored(ledger, InvoiceLine, InvoiceLine.invoice_id == invoice.id)
    assert sorted(
        (
            line.position,
            line.person,
            line.raw_seconds,
            line.billed_seconds,
            line.rate,
            line.amount_minor,
            line.entry_count,
        )
        for line in lines
    ) == [
        (1, "Ana Souza", 4200, 5400, "35.0", 5250, 2),
        (2, "Ken Sato", 420, 900, "35.0", 875, 1),
        (3, "Ana Souza", 3900, 4500, "35.0", 4375, 1),
    ]
    linked = stored(ledger, InvoiceEntry, InvoiceEntry.invoice_id == invoice.id)
    assert sorted(link.entry_id for link in linked) == entries
    assert ledger.locks() == {entry: invoice.id for entry in entries}
    assert ledger.raw_times() == raw  # rounding bills new figures; the tracked time stays
    (audited,) = stored(ledger, AuditRecord, AuditRecord.entity == "invoice")
    assert (audited.actor_id, audited.action, audited.entity_id) == (OWNER, "finalize", invoice.id)
    assert json.loads(audited.new_value)["total"] == "115.50 USD"


def test_numbers_follow_on_per_year_and_restart_in_the_next(ledger):
    month_of_work(ledger)
    first = finalize(ledger, period=(date(2026, 11, 1), date(2026, 11, 15)))
    second = finalize(ledger, period=(date(2026, 11, 16), date(2026, 11, 30)))
    ledger.entry(ledger.task("January"), ny(2027, 1, 4, 9), 3600)
    clock.set_now("2027-01-05T15:00:00Z")
    third = finalize(ledger, period=(date(2027, 1, 1), date(2027, 1, 31)))
    assert [first.number, second.number, third.number] == [
        "INV-2026-0001",
        "INV-2026-0002",
        "INV-2027-0001",
    ]


def test_a_format_without_the_year_numbers_across_years(engine, tmp_path, database_url):
    billing = BILLING.replace("tax = 10", 'number_format = "ACME-{seq:05}"')
    ledger = Ledger(engine, billing_settings(tmp_path, database_url, billing))
    month_of_work(ledger)
    first = finalize(ledger)
    ledger.entry(ledger.task("January"), ny(2027, 1, 4, 9), 3600)
    clock.set_now("2027-01-05T15:00:00Z")
    second = finalize(ledger, period=(date(2027, 1, 1), date(2027, 1, 31)))
    assert [first.number, second.number] == ["ACME-00001", "ACME-00002"]
    assert (second.year, second.seq) == (2027, 2)


def nothing_numbered(ledger: Ledger) -> None:
    assert stored(ledger, Invoice) == []
    assert stored(ledger, InvoiceLine) == [] and stored(ledger, InvoiceEntry) == []
    assert all(seq.last_seq == 0 for seq in stored(ledger, InvoiceSequence))
    assert set(ledger.locks().values()) == {None}
    assert stored(ledger, AuditRecord, AuditRecord.entity == "invoice") == []


def test_a_draft_that_changed_since_the_preview_is_not_finalized(ledger):
    month_of_work(ledger)
    shown = ledger.draft()
    late = ledger.entry(ledger.task("Late"), ny(2026, 11, 27, 9), 600)
    with pytest.raises(DraftChanged) as changed:
        finalize(ledger, fingerprint=shown.fingerprint)
    assert "changed since the preview" in changed.value.message
    assert late in changed.value.draft.entry_ids and late not in shown.entry_ids
    nothing_numbered(ledger)
    assert finalize(ledger, fingerprint=changed.value.draft.fingerprint).number == "INV-2026-0001"


def test_an_entry_another_invoice_took_first_rolls_everything_back(ledger, monkeypatch):
    """The draft is built, another invoice locks some of its entries, then this finalize
    runs its transaction: the conditional lock counts fewer rows and undoes it all, even
    when the caller's unit of work goes on to commit."""
    entries = month_of_work(ledger)
    stale = ledger.draft()
    first = finalize(ledger, period=(date(2026, 11, 15), date(2026, 11, 30)))
    monkeypatch.setattr(finalizing, "draft_invoice", lambda *_args: stale)
    request = DraftRequest(ledger.client_id("acme"), *NOVEMBER)
    with session_scope(ledger.engine) as session, pytest.raises(AlreadyInvoiced) as taken:
        finalize_draft(session, ledger.settings, TEAM, OWNER, request, stale.fingerprint)
    later = entries[1:]
    assert taken.value.message == (
        f"Not finalized: E-{later[0]}, E-{later[1]}, E-{later[2]} are on INV-2026-0001 "
        "already; nothing was numbered or locked. Draft the invoice again to bill the rest."
    )
    assert [(item.number, item.entry_ids) for item in taken.value.invoiced] == [
        ("INV-2026-0001", tuple(later))
    ]
    assert [invoice.number for invoice in stored(ledger, Invoice)] == ["INV-2026-0001"]
    assert [seq.last_seq for seq in stored(ledger, InvoiceSequence)] == [1]
    assert {link.invoice_id for link in stored(ledger, InvoiceEntry)} == {first.id}
    assert ledger.locks() == {entries[0]: None, **{entry: first.id for entry in later}}


def press_finalize_at_once(ledger: Ledger, monkeypatch, previews: dict) -> dict[str, object]:
    """Each owner presses Finalize on their preview at the same moment, in a thread and a
    database session of their own. Whoever drafts first holds on for a moment after
    drafting, so the other surely arrives while the first is inside its transaction."""
    fingerprints = {
        owner: ledger.draft(*preview).fingerprint for owner, preview in previews.items()
    }
    real_draft = finalizing.draft_invoice
    first = threading.Lock()

    def draft_and_dawdle(*args):
        draft = real_draft(*args)
        if first.acquire(blocking=False):
            time.sleep(0.3)
        return draft

    monkeypatch.setattr(finalizing, "draft_invoice", draft_and_dawdle)
    start = threading.Barrier(len(previews), timeout=20)
    outcomes: dict[str, object] = {}

    def press(owner: str) -> None:
        key, period = previews[owner]
        request = DraftRequest(ledger.client_id(key), *period)
        start.wait()
        try:
            with session_scope(ledger.engine) as session:
                outcomes[owner] = finalize_draft(
                    session, ledger.settings, TEAM, owner, request, fingerprints[owner]
                )
        except Exception as error:
            outcomes[owner] = error

    threads = [threading.Thread(target=press, args=(owner,)) for owner in previews]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    monkeypatch.undo()
    return outcomes


def test_two_owners_finalizing_overlapping_drafts_at_once(ledger, monkeypatch):
    """Both press Finalize on previews that share entries: one invoice; the other is
    refused, naming the entries and the invoice that has them, and nothing of it is
    numbered (the next invoice takes 0002)."""
    entries = month_of_work(ledger)
    previews = {
        "U0OWNER": ("acme", (date(2026, 11, 1), date(2026, 11, 30))),
        "U0OWNER2": ("acme", (date(2026, 11, 16), date(2026, 11, 30))),
    }
    outcomes = press_finalize_at_once(ledger, monkeypatch, previews)
    done = [o for o in outcomes.values() if isinstance(o, Invoice)]
    refused = [o for o in outcomes.values() if not isinstance(o, Invoice)]
    assert len(done) == 1 and len(refused) == 1, outcomes
    (invoice,), (refusal,) = done, refused
    assert invoice.number == "INV-2026-0001"
    assert isinstance(refusal, AlreadyInvoiced | DraftChanged), refusal
    shared = entries[1:]
    assert f"E-{shared[0]}" in refusal.message and "INV-2026-0001" in refusal.message
    assert "nothing was numbered or locked" in refusal.message
    assert [seq.last_seq for seq in stored(ledger, InvoiceSequence)] == [1]
    assert [i.number for i in stored(ledger, Invoice)] == ["INV-2026-0001"]
    assert {ledger.locks()[entry] for entry in shared} == {invoice.id}
    ledger.entry(ledger.task("December"), ny(2026, 12, 1, 9), 3600)
    december = finalize(ledger, period=(date(2026, 12, 1), date(2026, 12, 31)))
    assert december.number == "INV-2026-0002"  # no gap


def test_a_task_fee_finalized_twice_at_once_is_billed_once(
    engine, tmp_path, database_url, monkeypatch
):
    """A fee per task has no entries for the lock to catch: finalizes take turns, so the
    second drafts after the first committed and finds the fee billed."""
    billing = (
        '[delegation.categories]\nbookkeeping = "I"\n\n'
        '[billing.clients.acme]\nmodel = "fixed"\nfees = { bookkeeping = 250 }\n'
    )
    ledger = Ledger(engine, billing_settings(tmp_path, database_url, billing))
    ledger.task("Books", category="bookkeeping", done_at=ny(2026, 11, 20, 12))
    previews = {
        "U0OWNER": ("acme", (date(2026, 11, 1), date(2026, 11, 30))),
        "U0OWNER2": ("acme", (date(2026, 11, 15), date(2026, 11, 30))),
    }
    outcomes = press_finalize_at_once(ledger, monkeypatch, previews)
    done = [o for o in outcomes.values() if isinstance(o, Invoice)]
    assert [invoice.total_minor for invoice in done] == [25000], outcomes
    (refusal,) = [o for o in outcomes.values() if not isinstance(o, Invoice)]
    assert "the fee of T-1 is on INV-2026-0001" in refusal.message
    assert [seq.last_seq for seq in stored(ledger, InvoiceSequence)] == [1]


def test_fixed_and_retainer_invoices_lock_their_entries(engine, tmp_path, database_url):
    billing = (
        '[billing.clients.acme]\nmodel = "retainer"\nfee = 1200\nincluded_hours = 1\nrate = 45\n'
    )
    ledger = Ledger(engine, billing_settings(tmp_path, database_url, billing))
    entries = month_of_work(ledger)
    invoice = finalize(ledger)
    # 50 + 20 + 7 + 65 = 142 min, 82 above the included hour at 45/h = 61.50
    assert invoice.total_minor == 120000 + 6150
    kinds = [line.kind for line in stored(ledger, InvoiceLine)]
    assert sorted(kinds) == ["overage", "retainer", "time", "time", "time"]
    assert ledger.locks() == {entry: invoice.id for entry in entries}
    with pytest.raises(InputError) as again:
        ledger.draft()
    assert again.value.message == (
        "Acme Corp's retainer for November 2026 overlaps INV-2026-0001, which bills it "
        "already; void that invoice to draft this period again."
    )


def test_a_draft_over_invoiced_time_bills_the_rest(ledger):
    entries = month_of_work(ledger)
    first = finalize(ledger, period=(date(2026, 11, 1), date(2026, 11, 15)))
    draft = ledger.draft()
    assert draft.entry_ids == tuple(entries[1:])
    assert [(item.number, item.entry_ids) for item in draft.left_out.invoiced] == [
        (first.number, (entries[0],))
    ]
    assert draft.left_out.sentence() == f"E-{entries[0]} is on INV-2026-0001 already"
    finalize(ledger)
    with pytest.raises(InputError) as nothing_left:
        ledger.draft()
    assert nothing_left.value.message == (
        "All of Acme Corp's billable time in November 2026 is invoiced already: "
        f"E-{entries[0]} is on INV-2026-0001; E-{entries[1]}, E-{entries[2]}, E-{entries[3]} "
        "are on INV-2026-0002. Void an invoice to bill its time again."
    )


def test_what_an_invoice_already_bills_is_named_once_per_invoice(engine, tmp_path, database_url):
    billing = (
        '[delegation.categories]\nbookkeeping = "I"\n\n'
        '[billing.clients.acme]\nmodel = "fixed"\nfees = { bookkeeping = 250 }\n'
    )
    ledger = Ledger(engine, billing_settings(tmp_path, database_url, billing))
    books = ledger.task("Books", category="bookkeeping", done_at=ny(2026, 11, 20, 12))
    entry = ledger.entry(books, ny(2026, 11, 19, 9), 3600)
    finalize(ledger)
    ledger.task("More books", category="bookkeeping", done_at=ny(2026, 11, 25, 12))
    draft = ledger.draft()
    assert [(i.number, i.entry_ids, i.task_numbers) for i in draft.left_out.invoiced] == [
        ("INV-2026-0001", (entry,), (1,))
    ]
    assert draft.left_out.sentence() == f"E-{entry}, the fee of T-1 are on INV-2026-0001 already"
    assert [line.description for line in draft.lines] == ["More books (bookkeeping)"]


def finalize_in_a_thread(ledger: Ledger, fingerprint: str) -> tuple[threading.Thread, dict]:
    outcome: dict[str, object] = {}

    def press() -> None:
        try:
            outcome["result"] = finalize(ledger, fingerprint=fingerprint)
        except Exception as error:
            outcome["result"] = error

    thread = threading.Thread(target=press)
    thread.start()
    return thread, outcome


def test_an_edit_that_commits_while_finalize_waits_is_not_billed_as_it_was(ledger):
    """An edit of an entry is in its transaction when Finalize is pressed on the preview
    of the old times: the finalize waits for it and is refused as changed, rather than
    billing the old times and locking the entry with the new ones."""
    entries = month_of_work(ledger)
    preview = ledger.draft()
    with session_scope(ledger.engine) as edit:
        entry = edit.get_one(TimeEntry, entries[0])
        lock_for_update(edit, select(TimeEntry).where(TimeEntry.id == entries[0]), entry)
        assert entry.ended_at is not None
        entry.ended_at = entry.ended_at + timedelta(minutes=40)  # 50 → 90 min
        edit.add(entry)
        edit.flush()
        thread, outcome = finalize_in_a_thread(ledger, preview.fingerprint)
        time.sleep(0.5)  # the finalize waits for the entry (or the write lock)
        assert "result" not in outcome
    thread.join(30)
    assert isinstance(outcome["result"], DraftChanged), outcome
    assert stored(ledger, Invoice) == [] and set(ledger.locks().values()) == {None}
    assert finalize(ledger).subtotal_minor == 10500 + 1750  # billed 60 → 90 min at 35/h


def test_time_logged_while_finalize_waits_is_never_left_inside_its_period(ledger):
    """Time is being logged for the client's period (its day checked, not yet committed)
    when Finalize is pressed: the finalize waits for it and is refused as changed, so no
    entry ends up unbilled inside an invoiced period."""
    month_of_work(ledger)
    late_call = ledger.task("Late call")
    preview = ledger.draft()
    with session_scope(ledger.engine) as logging_time:
        task = logging_time.get_one(Task, late_call)
        locks.check_day_unlocked(logging_time, task, date(2026, 11, 25))
        logging_time.add(
            TimeEntry(
                team_id=TEAM,
                user_id=ANA,
                task_id=late_call,
                started_at=ny(2026, 11, 25, 10),
                ended_at=ny(2026, 11, 25, 11),
                source="manual",
                created_at=clock.now(),
            )
        )
        logging_time.flush()
        thread, outcome = finalize_in_a_thread(ledger, preview.fingerprint)
        time.sleep(0.5)
        assert "result" not in outcome
    thread.join(30)
    assert isinstance(outcome["result"], DraftChanged), outcome
    assert stored(ledger, Invoice) == []
