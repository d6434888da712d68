"""The period `/invoice draft <client> …` names: months are whole calendar months, a span
is inclusive, and a period in the future or backwards is refused with a sentence."""

from __future__ import annotations

from datetime import date

import pytest

from bot.services.billing.periods import billing_period, describe_period, is_calendar_month
from bot.services.errors import InputError

TODAY = date(2026, 12, 4)  # a Friday


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("", date(2026, 12, 1), date(2026, 12, 31)),
        ("this month", date(2026, 12, 1), date(2026, 12, 31)),
        ("  This   Month ", date(2026, 12, 1), date(2026, 12, 31)),
        ("last month", date(2026, 11, 1), date(2026, 11, 30)),
        ("2026-02", date(2026, 2, 1), date(2026, 2, 28)),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),
        ("from 2026-11-03 to 2026-11-20", date(2026, 11, 3), date(2026, 11, 20)),
        ("From 2026-11-30 TO today", date(2026, 11, 30), date(2026, 12, 4)),
        ("from monday to yesterday", date(2026, 11, 30), date(2026, 12, 3)),
        ("from 2026-12-04 to 2026-12-04", TODAY, TODAY),
        ("from 2026-12-01 to 2027-01-15", date(2026, 12, 1), date(2027, 1, 15)),
    ],
)
def test_periods_as_typed(text, first, last):
    assert billing_period(text, TODAY) == (first, last)


def test_last_month_in_january_is_the_previous_december():
    assert billing_period("last month", date(2027, 1, 10)) == (
        date(2026, 12, 1),
        date(2026, 12, 31),
    )


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("next week", "'next week' is not a period; use this month, last month"),
        ("2026-13", "'2026-13' is not a month; months look like 2026-11."),
        ("from 2026-11-31 to 2026-12-01", "'2026-11-31' is not a valid date"),
        ("from soon to today", "'soon' is not a date"),
        ("from 2026-11-20 to 2026-11-03", "ends on 2026-11-03, before it starts (2026-11-20)"),
        ("2027-01", "starts on 2027-01-01, after today (2026-12-04)"),
        ("from tomorrow to 2026-12-31", "starts on 2026-12-05, after today"),
    ],
)
def test_bad_periods_get_a_sentence(text, says):
    with pytest.raises(InputError) as refused:
        billing_period(text, TODAY)
    assert says in refused.value.message


def test_periods_are_described_as_a_month_or_a_span():
    assert describe_period(date(2026, 11, 1), date(2026, 11, 30)) == "November 2026"
    assert describe_period(date(2026, 11, 2), date(2026, 11, 30)) == "2026-11-02 to 2026-11-30"
    assert describe_period(date(2026, 11, 2), date(2026, 11, 2)) == "2026-11-02"
    assert is_calendar_month(date(2026, 2, 1), date(2026, 2, 28))
    assert not is_calendar_month(date(2026, 2, 1), date(2026, 3, 31))
