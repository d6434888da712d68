"""Drafting an invoice: the lines, rounding, rates, tax and totals of each model, computed
here by hand, and what a draft leaves out. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot import clock
from bot.services.billing.drafting import find_client
from bot.services.errors import InputError, NotFound
from store.db import session_scope
from tests.conftest import TEAM
from tests.invoicing import KEN, NOW, Ledger, billing_settings, ny, tokyo

HOURLY = """
[billing]
business_name = "Olivia's VA Agency"
payment_terms_days = 14

[billing.clients.acme]
rate = 35.0
"""


def ledger_with(engine, tmp_path, database_url, billing: str) -> Ledger:
    return Ledger(engine, billing_settings(tmp_path, database_url, billing))


def hourly_month(ledger: Ledger) -> dict[str, int]:
    """Ana: 50 + 20 min on Invoices, 65 min on Calls; Ken: 7 min on Invoices."""
    invoices = ledger.task("Invoices")
    calls = ledger.task("Calls")
    return {
        "a1": ledger.entry(invoices, ny(2026, 11, 2, 9), 50 * 60),
        "a2": ledger.entry(invoices, ny(2026, 11, 3, 9), 20 * 60),
        "k1": ledger.entry(invoices, tokyo(2026, 11, 5, 9), 7 * 60, user_id=KEN),
        "c1": ledger.entry(calls, ny(2026, 11, 4, 14), 65 * 60),
    }


def figures(draft) -> list[tuple[str, str | None, int, Decimal | None, Decimal]]:
    return [
        (line.description, line.person, line.billed_seconds, line.rate, line.amount)
        for line in draft.lines
    ]


ROUNDINGS = [
    # rounding, (Ana Invoices, Ken Invoices, Ana Calls) billed minutes and amounts, subtotal
    ("increment_minutes = 0", (70, 7, 65), ("40.83", "4.08", "37.92"), "82.83"),
    (
        'increment_minutes = 15\ndirection = "up"\nper = "entry"',
        (90, 15, 75),
        ("52.50", "8.75", "43.75"),
        "105.00",
    ),
    (
        'increment_minutes = 15\ndirection = "nearest"\nper = "total"',
        (75, 0, 60),
        ("43.75", "0.00", "35.00"),
        "78.75",
    ),
    (
        'increment_minutes = 6\ndirection = "down"\nper = "entry"',
        (66, 6, 60),
        ("38.50", "3.50", "35.00"),
        "77.00",
    ),
]


@pytest.mark.parametrize(("rounding", "minutes", "amounts", "subtotal"), ROUNDINGS)
def test_hourly_lines_per_task_and_va_with_each_rounding(
    engine, tmp_path, database_url, rounding, minutes, amounts, subtotal
):
    ledger = ledger_with(engine, tmp_path, database_url, HOURLY + rounding + "\n")
    ids = hourly_month(ledger)
    draft = ledger.draft()
    rate = Decimal("35.0")
    assert figures(draft) == [
        ("Invoices", "Ana Souza", minutes[0] * 60, rate, Decimal(amounts[0])),
        ("Invoices", "Ken Sato", minutes[1] * 60, rate, Decimal(amounts[1])),
        ("Calls", "Ana Souza", minutes[2] * 60, rate, Decimal(amounts[2])),
    ]
    assert [line.raw_seconds for line in draft.lines] == [4200, 420, 3900]
    assert draft.subtotal == Decimal(subtotal) == sum(line.amount for line in draft.lines)
    assert draft.tax == Decimal("0.00") and draft.total == Decimal(subtotal)
    assert draft.entry_ids == tuple(sorted(ids.values()))
    assert (draft.issued_on, draft.due_on) == (date(2026, 12, 4), date(2026, 12, 18))
    assert draft.client_name == "Acme Corp" and draft.sender.business_name == "Olivia's VA Agency"


def test_tax_four_decimal_rate_and_the_total(engine, tmp_path, database_url):
    ledger = ledger_with(
        engine,
        tmp_path,
        database_url,
        HOURLY.replace("rate = 35.0", "rate = 35.1234\ntax = 8.875\npayment_terms_days = 30"),
    )
    hourly_month(ledger)
    draft = ledger.draft()
    # 4200 s: 35.1234 × 4200 / 3600 = 40.97730 → 40.98; 420 s: 4.09773 → 4.10;
    # 3900 s: 38.05035 → 38.05. Subtotal 83.13; tax 8.875 % = 7.3777875 → 7.38.
    assert [line.amount for line in draft.lines] == [
        Decimal("40.98"),
        Decimal("4.10"),
        Decimal("38.05"),
    ]
    assert (draft.subtotal, draft.tax, draft.total) == (
        Decimal("83.13"),
        Decimal("7.38"),
        Decimal("90.51"),
    )
    assert draft.due_on == date(2027, 1, 3)


def test_yen_amounts_have_no_minor_unit(engine, tmp_path, database_url):
    ledger = ledger_with(
        engine,
        tmp_path,
        database_url,
        HOURLY.replace("rate = 35.0", 'rate = 4321\ncurrency = "JPY"\ntax = 10'),
    )
    hourly_month(ledger)
    draft = ledger.draft()
    # 4321 × 4200/3600 = 5041.17 → 5041; × 420/3600 = 504.12 → 504; × 3900/3600 = 4681.08
    assert [line.amount for line in draft.lines] == [Decimal(5041), Decimal(504), Decimal(4681)]
    assert (draft.subtotal, draft.tax, draft.total) == (
        Decimal(10226),
        Decimal(1023),
        Decimal(11249),
    )


def test_lines_per_day(engine, tmp_path, database_url):
    ledger = ledger_with(engine, tmp_path, database_url, HOURLY + 'lines = "day"\n')
    invoices, calls = ledger.task("Invoices"), ledger.task("Calls")
    ledger.entry(invoices, ny(2026, 11, 2, 9), 30 * 60)
    ledger.entry(calls, ny(2026, 11, 2, 11), 30 * 60)
    # 23:30 on Nov 2 in New York is Nov 3 in UTC: it is Ana's Nov 2.
    ledger.entry(calls, ny(2026, 11, 2, 23, 30), 15 * 60)
    ledger.entry(invoices, ny(2026, 11, 3, 9), 60 * 60, user_id=KEN)
    draft = ledger.draft()
    assert [
        (line.day, line.description, line.person, line.billed_seconds, line.amount)
        for line in draft.lines
    ] == [
        (date(2026, 11, 2), "Mon 2 Nov 2026: Invoices; Calls", "Ana Souza", 4500, Decimal("43.75")),
        (date(2026, 11, 3), "Tue 3 Nov 2026: Invoices", "Ken Sato", 3600, Decimal("35.00")),
    ]


def test_a_day_is_the_vas_own(engine, tmp_path, database_url):
    """Ken's 08:00 on Dec 1 in Tokyo is Nov 30 in UTC, and not November's; Ana's 21:00 on
    Nov 30 in New York is Dec 1 in UTC, and is."""
    ledger = ledger_with(engine, tmp_path, database_url, HOURLY)
    task = ledger.task("Month end")
    ana_late = ledger.entry(task, ny(2026, 11, 30, 21), 3600)
    ledger.entry(task, tokyo(2026, 12, 1, 8), 3600, user_id=KEN)
    ken_early = ledger.entry(task, tokyo(2026, 11, 1, 8), 3600, user_id=KEN)
    assert ledger.draft().entry_ids == (ana_late, ken_early)


def test_what_a_draft_leaves_out(engine, tmp_path, database_url):
    ledger = ledger_with(
        engine,
        tmp_path,
        database_url,
        HOURLY + '\n[delegation.categories]\ninternal = { phase = "I", billable = false }\n',
    )
    work = ledger.task("Work")
    billed = ledger.entry(work, ny(2026, 11, 2, 9), 3600)
    ledger.entry(work, ny(2026, 11, 3, 9), 600, billable=False)
    ledger.entry(ledger.task("Off the clock", billable=False), ny(2026, 11, 4, 9), 1200)
    ledger.entry(ledger.task("Admin", category="internal"), ny(2026, 11, 5, 9), 900)
    ledger.entry(work, ny(2026, 11, 6, 9), None)  # still running
    ledger.entry(ledger.task("Internal", client=None), ny(2026, 11, 6, 9), 900, user_id=KEN)
    ledger.entry(ledger.task("Globex", client="globex"), ny(2026, 11, 6, 9), 900)
    draft = ledger.draft()
    assert draft.entry_ids == (billed,)
    assert draft.left_out.running_timers == 1
    assert (draft.left_out.non_billable_entries, draft.left_out.non_billable_seconds) == (3, 2700)
    assert draft.left_out.sentence() == (
        "1 running timer (billed once stopped); 3 non-billable entries (0.75 h)"
    )


def test_nothing_to_bill_says_what_was_left_out(engine, tmp_path, database_url):
    ledger = ledger_with(engine, tmp_path, database_url, HOURLY)
    work = ledger.task("Work")
    with pytest.raises(InputError) as nothing:
        ledger.draft()
    assert (
        nothing.value.message
        == "Nothing to bill for Acme Corp in November 2026: no time was tracked."
    )
    ledger.entry(work, ny(2026, 11, 6, 9), None)
    ledger.entry(work, ny(2026, 11, 3, 9), 600, billable=False)
    with pytest.raises(InputError) as left_out:
        ledger.draft()
    assert left_out.value.message == (
        "Nothing to bill for Acme Corp in November 2026; left out: 1 running timer "
        "(billed once stopped); 1 non-billable entry (0.17 h)."
    )


def test_a_client_without_a_rate_names_the_setting(engine, tmp_path, database_url):
    ledger = ledger_with(engine, tmp_path, database_url, "[billing]\n")
    ledger.entry(ledger.task("Work"), ny(2026, 11, 2, 9), 3600)
    with pytest.raises(InputError) as refused:
        ledger.draft()
    assert "[billing.clients.acme]" in refused.value.message
    assert "rate" in refused.value.message


AB = '[clients.ab]\nname = "A&B <!channel>"\n'


def test_a_client_name_in_a_refusal_is_shown_verbatim(engine, tmp_path, database_url):
    """The configured name reaches Slack as text, never as markup."""
    ledger = ledger_with(engine, tmp_path, database_url, AB + "[billing]\n")
    with pytest.raises(InputError) as no_rate:
        ledger.draft("ab")
    assert no_rate.value.message.startswith("A&amp;B &lt;!channel&gt; has no hourly rate")


def test_nothing_to_bill_shows_the_client_name_verbatim(engine, tmp_path, database_url):
    ledger = ledger_with(engine, tmp_path, database_url, AB + "[billing.clients.ab]\nrate = 10\n")
    with pytest.raises(InputError) as nothing:
        ledger.draft("ab")
    assert nothing.value.message == (
        "Nothing to bill for A&amp;B &lt;!channel&gt; in November 2026: no time was tracked."
    )


FEE_CATEGORIES = """
[delegation.categories]
bookkeeping = "I"
onboarding = "I"
calls = "I"

"""
FEES_PER_TASK = (
    FEE_CATEGORIES + '[billing.clients.acme]\nmodel = "fixed"\nfees = { bookkeeping = 250 }\n'
)
FIXED_PERIOD = """
[billing.clients.acme]
model = "fixed"
fee = 1500
"""


def test_fixed_fee_once_per_period_with_the_hours_for_information(engine, tmp_path, database_url):
    ledger = ledger_with(engine, tmp_path, database_url, FIXED_PERIOD)
    ids = hourly_month(ledger)
    draft = ledger.draft()
    assert figures(draft) == [
        ("Fixed fee, November 2026", None, 0, None, Decimal("1500.00")),
        ("Invoices", "Ana Souza", 4200, None, Decimal("0.00")),
        ("Invoices", "Ken Sato", 420, None, Decimal("0.00")),
        ("Calls", "Ana Souza", 3900, None, Decimal("0.00")),
    ]
    assert draft.total == Decimal("1500.00")
    assert draft.entry_ids == tuple(sorted(ids.values()))  # linked and locked too


def test_fixed_fee_per_completed_task_of_a_fee_category(engine, tmp_path, database_url):
    ledger = ledger_with(
        engine,
        tmp_path,
        database_url,
        FEES_PER_TASK.replace("bookkeeping = 250", "bookkeeping = 250, onboarding = 400.5"),
    )
    ledger.task("Ledger", category="bookkeeping", done_at=ny(2026, 11, 10, 12))
    ledger.task("Setup", category="onboarding", done_at=ny(2026, 11, 30, 22))
    ledger.task("December books", category="bookkeeping", done_at=ny(2026, 12, 1, 9))
    ledger.task("Open books", category="bookkeeping")
    ledger.task("Calls", category="calls", done_at=ny(2026, 11, 12, 9))
    ledger.task("Globex books", client="globex", category="bookkeeping", done_at=ny(2026, 11, 9))
    draft = ledger.draft()
    assert figures(draft) == [
        ("Ledger (bookkeeping)", None, 0, None, Decimal("250.00")),
        ("Setup (onboarding)", None, 0, None, Decimal("400.50")),
    ]
    assert draft.total == Decimal("650.50")


def test_fixed_fees_with_no_task_done_bill_nothing(engine, tmp_path, database_url):
    ledger = ledger_with(
        engine,
        tmp_path,
        database_url,
        FEES_PER_TASK,
    )
    ledger.entry(ledger.task("Books", category="bookkeeping"), ny(2026, 11, 2, 9), 3600)
    with pytest.raises(InputError) as nothing:
        ledger.draft()
    assert nothing.value.message == (
        "Nothing to bill for Acme Corp in November 2026: no task of its fee categories "
        "(bookkeeping) was done in it."
    )


RETAINER = """
[billing.clients.acme]
model = "retainer"
fee = 1200
included_hours = 30
rate = 45
increment_minutes = 15
"""


def test_retainer_under_its_hours(engine, tmp_path, database_url):
    ledger = ledger_with(engine, tmp_path, database_url, RETAINER)
    task = ledger.task("Support")
    for day in range(2, 6):
        ledger.entry(task, ny(2026, 11, day, 9), 5 * 3600)
    draft = ledger.draft()
    assert figures(draft) == [
        (
            "Monthly retainer, November 2026: includes 30 h, 20.00 h used",
            None,
            0,
            None,
            Decimal("1200.00"),
        ),
        ("Support", "Ana Souza", 20 * 3600, None, Decimal("0.00")),
    ]
    assert draft.total == Decimal("1200.00")


def test_retainer_over_its_hours_bills_the_overage_at_the_rate(engine, tmp_path, database_url):
    ledger = ledger_with(engine, tmp_path, database_url, RETAINER)
    task = ledger.task("Support")
    for day in range(2, 8):
        ledger.entry(task, ny(2026, 11, day, 9), 5 * 3600)
    ledger.entry(task, ny(2026, 11, 9, 9), 2 * 3600 + 20 * 60)  # billed 2 h 30
    draft = ledger.draft()
    # 32 h 30 used: 2 h 30 above the 30 included, at 45/h = 112.50.
    assert figures(draft) == [
        (
            "Monthly retainer, November 2026: includes 30 h, 32.50 h used",
            None,
            0,
            None,
            Decimal("1200.00"),
        ),
        ("Support", "Ana Souza", 117000, None, Decimal("0.00")),
        ("Hours above the 30 included", None, 9000, Decimal(45), Decimal("112.50")),
    ]
    assert draft.total == Decimal("1312.50")


def test_a_retainer_bills_one_calendar_month(engine, tmp_path, database_url):
    ledger = ledger_with(engine, tmp_path, database_url, RETAINER)
    ledger.entry(ledger.task("Support"), ny(2026, 11, 2, 9), 3600)
    with pytest.raises(InputError) as refused:
        ledger.draft(period=(date(2026, 11, 1), date(2026, 11, 15)))
    assert "one calendar month" in refused.value.message
    assert ledger.draft().total == Decimal("1200.00")


def test_find_client_by_key_name_or_channel(engine, tmp_path, database_url):
    ledger = ledger_with(engine, tmp_path, database_url, HOURLY)
    acme = ledger.client_id("acme")
    with session_scope(engine) as session:
        for text in ("acme", "ACME", "acme corp", "Acme Corp", "C0ACME", "<#C0ACME|acme>", "#acme"):
            assert find_client(session, ledger.settings, TEAM, text).id == acme
        with pytest.raises(NotFound) as unknown:
            find_client(session, ledger.settings, TEAM, "initech")
        assert unknown.value.message == "No client called 'initech'; the clients are: acme, globex."
        with pytest.raises(InputError) as empty:
            find_client(session, ledger.settings, TEAM, "  ")
        assert "acme, globex" in empty.value.message


def test_find_client_makes_the_row_of_a_configured_client(engine, tmp_path, database_url):
    settings = billing_settings(tmp_path, database_url, HOURLY)
    clock.set_now(NOW)
    with session_scope(engine) as session:
        client = find_client(session, settings, TEAM, "globex")
        assert (client.key, client.name, client.channel_id) == ("globex", "Globex", "C0GLOBEX")


def test_figures_do_not_change_with_the_stored_order(engine, tmp_path, database_url):
    """Lines sort by task number, then by the VA's name, whatever order the entries were
    stored in."""
    ledger = ledger_with(engine, tmp_path, database_url, HOURLY)
    task = ledger.task("Shared")
    ledger.entry(task, tokyo(2026, 11, 2, 9), 600, user_id=KEN)
    ledger.entry(task, ny(2026, 11, 3, 9), 600)
    assert [line.person for line in ledger.draft().lines] == ["Ana Souza", "Ken Sato"]
