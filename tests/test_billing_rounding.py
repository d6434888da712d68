"""Billed time from raw seconds: every increment, direction and `per`; raw time kept."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.services.billing.money import (
    format_amount,
    from_minor_units,
    minor_unit,
    parse_money,
    tax_amount,
    time_amount,
    to_minor_unit,
    to_minor_units,
)
from bot.services.billing.rounding import billed_seconds, round_seconds
from bot.services.billing.terms import INCREMENTS, BillingTerms, Rounding
from bot.services.errors import InputError

# 7 min 30 s: a half of 15 min; 7 min 29 s just under it.
CASES = [
    # seconds, increment, up, nearest, down
    (0, 15, 0, 0, 0),
    (1, 15, 900, 0, 0),
    (449, 15, 900, 0, 0),
    (450, 15, 900, 900, 0),
    (900, 15, 900, 900, 900),
    (901, 15, 1800, 900, 900),
    (61, 1, 120, 60, 60),
    (90, 1, 120, 120, 60),
    (299, 5, 300, 300, 0),
    (149, 5, 300, 0, 0),
    (150, 5, 300, 300, 0),
    (361, 6, 720, 360, 360),
    (599, 10, 600, 600, 0),
    (1799, 30, 1800, 1800, 0),
    (5399, 60, 7200, 3600, 3600),
    (5400, 60, 7200, 7200, 3600),
    (4321, 0, 4321, 4321, 4321),
]


@pytest.mark.parametrize(("seconds", "increment", "up", "nearest", "down"), CASES)
def test_each_increment_and_direction(seconds, increment, up, nearest, down):
    assert round_seconds(seconds, increment, "up") == up
    assert round_seconds(seconds, increment, "nearest") == nearest
    assert round_seconds(seconds, increment, "down") == down


def test_per_entry_rounds_each_entry_and_per_total_rounds_the_sum():
    entries = [60, 60, 60]  # three one-minute entries
    assert billed_seconds(entries, Rounding(15, "up", "entry")) == 3 * 900
    assert billed_seconds(entries, Rounding(15, "up", "total")) == 900
    assert billed_seconds(entries, Rounding(15, "nearest", "entry")) == 0
    assert billed_seconds(entries, Rounding(15, "nearest", "total")) == 0
    assert billed_seconds([400, 400], Rounding(15, "nearest", "total")) == 900
    assert billed_seconds(entries, Rounding(0, "up", "entry")) == 180


@given(
    st.lists(st.integers(0, 12 * 3600), max_size=40),
    st.sampled_from(INCREMENTS),
    st.sampled_from(("up", "nearest", "down")),
    st.sampled_from(("entry", "total")),
)
def test_rounding_stays_within_one_increment_per_rounding_and_keeps_the_input(
    entries, increment, direction, per
):
    raw = list(entries)
    billed = billed_seconds(entries, Rounding(increment, direction, per))
    assert entries == raw  # the raw seconds are never changed
    roundings = len(entries) if per == "entry" else 1
    step = increment * 60
    assert abs(billed - sum(entries)) <= roundings * step
    if increment:
        assert billed % step == 0
    if direction == "up":
        assert billed >= sum(entries)
    if direction == "down":
        assert billed <= sum(entries)


def test_amounts_use_the_currency_minor_unit_half_up():
    assert minor_unit("USD") == Decimal("0.01")
    assert minor_unit("JPY") == Decimal("1")
    assert minor_unit("BHD") == Decimal("0.001")
    # 20 min at 35.1255/h = 11.7085 → 11.71
    assert time_amount(1200, Decimal("35.1255"), "USD") == Decimal("11.71")
    assert time_amount(1800, Decimal("1001"), "JPY") == Decimal("501")
    assert tax_amount(Decimal("100.05"), Decimal("7.5"), "USD") == Decimal("7.50")
    assert format_amount(Decimal("1234.5"), "EUR") == "€1,234.50"
    assert format_amount(Decimal("1235"), "JPY") == "¥1,235"


def test_terms_survive_their_stored_record():
    terms = BillingTerms(
        client_key="acme",
        model="retainer",
        rate=Decimal("45.1234"),
        currency="EUR",
        tax_percent=Decimal("19"),
        rounding=Rounding(6, "nearest", "total"),
        fee=Decimal("1200"),
        fees={"Onboarding": Decimal("250.50")},
        included_hours=Decimal("30"),
    )
    assert BillingTerms.from_record(terms.to_record()) == terms


@pytest.mark.parametrize(
    ("amount", "currency", "units"),
    [
        ("12.34", "USD", 1234),
        ("12.345", "USD", 1235),
        ("0.005", "EUR", 1),
        ("1235", "JPY", 1235),
        ("1234.5", "JPY", 1235),
        ("1.2345", "BHD", 1235),
        ("-3.10", "USD", -310),
    ],
)
def test_amounts_as_the_minor_units_the_database_stores(amount, currency, units):
    assert to_minor_units(Decimal(amount), currency) == units
    assert from_minor_units(units, currency) == to_minor_unit(Decimal(amount), currency)


@pytest.mark.parametrize(
    ("written", "currency", "amount"),
    [
        ("1200", "USD", "1200"),
        ("1,200.50", "USD", "1200.50"),
        ("$1,200.50", "USD", "1200.50"),
        (" USD 75 ", "USD", "75"),
        ("1200 usd", "USD", "1200"),
        (".5", "USD", "0.5"),
        ("¥1,500", "JPY", "1500"),
        ("€1,000.25", "EUR", "1000.25"),
        ("1.234", "BHD", "1.234"),
    ],
)
def test_an_amount_as_a_person_writes_it(written, currency, amount):
    assert parse_money(written, currency) == Decimal(amount)


@pytest.mark.parametrize(
    ("written", "currency", "reason"),
    [
        ("1.200,50", "USD", "is not an amount in USD: write it like 1200, 1,200 or $1,200.00"),
        ("1,20", "USD", "is not an amount in USD"),
        ("-3", "USD", "is not an amount in USD"),
        ("1e5", "USD", "is not an amount in USD"),
        ("NaN", "USD", "is not an amount in USD"),
        ("$5", "EUR", "is not an amount in EUR: write it like 1200, 1,200 or €1,200.00"),
        (
            "12.345",
            "USD",
            "more decimals than USD uses; nothing is rounded away, so write it with 2",
        ),
        ("1500.5", "JPY", "write it with no decimals"),
        ("2000000000000", "USD", "is over $1,000,000,000,000.00"),
    ],
)
def test_an_amount_that_is_none_is_refused_never_rounded(written, currency, reason):
    with pytest.raises(InputError) as refused:
        parse_money(written, currency)
    assert reason in refused.value.message
