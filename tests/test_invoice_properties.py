"""Properties of every invoice, whatever its entries, rounding, rate and currency: each
line's amount is in the currency's minor unit, the subtotal is the sum of the lines and
the total the subtotal plus tax, the stored invoice says the same in minor units, and the
tracked time (raw seconds) is never changed by drafting or finalizing. SQLite and
PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, select

from bot.services.billing.drafts import DraftRequest
from bot.services.billing.finalizing import finalize_draft
from bot.services.billing.money import minor_unit, to_minor_units
from bot.services.billing.terms import INCREMENTS
from store.db import session_scope
from store.models import InvoiceLine, TimeEntry
from tests.conftest import TEAM
from tests.invoicing import ANA, KEN, NOVEMBER, OWNER, Ledger, billing_settings, ny

entries = st.lists(
    st.tuples(
        st.integers(0, 2),  # task
        st.sampled_from((ANA, KEN)),
        st.integers(1, 30),  # day of November
        st.integers(0, 6 * 3600),  # seconds
    ),
    min_size=1,
    max_size=12,
)
terms = st.fixed_dictionaries(
    {
        "rate": st.decimals("0.0001", "500", places=4),
        "currency": st.sampled_from(('"USD"', '"JPY"', '"BHD"')),
        "tax": st.decimals("0", "30", places=3),
        "increment_minutes": st.sampled_from(INCREMENTS),
        "direction": st.sampled_from(('"up"', '"nearest"', '"down"')),
        "per": st.sampled_from(('"entry"', '"total"')),
        "lines": st.sampled_from(('"task"', '"day"')),
    }
)


@pytest.fixture
def ledger(engine, tmp_path, database_url) -> Ledger:
    ledger = Ledger(engine, billing_settings(tmp_path, database_url, "[billing]\n"))
    ledger.tasks = [ledger.task(f"Task {n}") for n in range(3)]
    return ledger


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(work=entries, client_terms=terms)
def test_lines_add_up_and_raw_time_never_changes(
    ledger, tmp_path, database_url, work, client_terms
):
    table = "\n".join(f"{key} = {value}" for key, value in client_terms.items())
    billing = f"[billing.clients.acme]\n{table}\n"
    ledger.settings = billing_settings(tmp_path, database_url, billing)
    ledger.forget_time()
    with session_scope(ledger.engine) as session:
        for index, (task, user, day, seconds) in enumerate(work):
            start = ny(2026, 11, day, 8) + timedelta(minutes=7 * index)
            session.add(
                TimeEntry(
                    team_id=TEAM,
                    user_id=user,
                    task_id=ledger.tasks[task],
                    started_at=start,
                    ended_at=start + timedelta(seconds=seconds),
                    created_at=start,
                )
            )
    raw = ledger.raw_times()
    draft = ledger.draft()
    currency = client_terms["currency"].strip('"')
    unit = minor_unit(currency)
    assert all(line.amount == line.amount.quantize(unit) for line in draft.lines)
    assert draft.subtotal == sum((line.amount for line in draft.lines), Decimal(0))
    assert draft.total == draft.subtotal + draft.tax
    assert sum(line.raw_seconds for line in draft.lines) == sum(item[3] for item in work)
    assert len(draft.entry_ids) == len(work)
    request = DraftRequest(ledger.client_id("acme"), *NOVEMBER)
    with session_scope(ledger.engine) as session:
        invoice = finalize_draft(session, ledger.settings, TEAM, OWNER, request, draft.fingerprint)
    with Session(ledger.engine) as session:
        lines = list(session.exec(select(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id)))
    assert invoice.subtotal_minor == sum(line.amount_minor for line in lines)
    assert invoice.total_minor == invoice.subtotal_minor + invoice.tax_minor
    assert invoice.total_minor == to_minor_units(draft.total, currency)
    assert ledger.raw_times() == raw
