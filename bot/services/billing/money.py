"""Amounts in a currency: exact decimals, rounded to the currency's minor unit (cents;
none for JPY; three places for BHD) half up, as invoices are. Currency codes and their
minor units are ISO 4217's, from Babel's copy of the Unicode CLDR."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from babel.numbers import (
    NumberFormatError,
    format_currency,
    get_currency_precision,
    get_currency_symbol,
    list_currencies,
    parse_decimal,
)

from bot.services.errors import InputError
from bot.services.text import quoted

SECONDS_PER_HOUR = Decimal(3600)
# A written amount: digits grouped by commas or not, a point before the decimals.
_WRITTEN_AMOUNT = re.compile(r"[0-9][0-9,]*(\.[0-9]+)?|\.[0-9]+")
# An amount a person writes for a deal: anything larger is a typing slip.
MAX_WRITTEN_AMOUNT = Decimal(10) ** 12


@cache
def known_currencies() -> frozenset[str]:
    return frozenset(list_currencies())


def is_currency(code: str) -> bool:
    return code in known_currencies()


@cache
def minor_unit(currency: str) -> Decimal:
    """The smallest amount of the currency: Decimal("0.01") for USD, Decimal("1") for JPY."""
    return Decimal(1).scaleb(-get_currency_precision(currency))


def to_minor_unit(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(minor_unit(currency), rounding=ROUND_HALF_UP)


def to_minor_units(amount: Decimal, currency: str) -> int:
    """An amount as the whole number of minor units the database stores (12.34 → 1234)."""
    return int(to_minor_unit(amount, currency) / minor_unit(currency))


def from_minor_units(units: int, currency: str) -> Decimal:
    """A stored amount back as a decimal in the currency (1234 → Decimal("12.34"))."""
    return Decimal(units) * minor_unit(currency)


def time_amount(seconds: int, rate: Decimal, currency: str) -> Decimal:
    """What `seconds` of billed time cost at `rate` per hour, to the minor unit."""
    return to_minor_unit(rate * Decimal(seconds) / SECONDS_PER_HOUR, currency)


def tax_amount(subtotal: Decimal, percent: Decimal, currency: str) -> Decimal:
    return to_minor_unit(subtotal * percent / Decimal(100), currency)


def hours(seconds: int) -> Decimal:
    """Billed seconds as hours to two places, as a line shows them."""
    return (Decimal(seconds) / SECONDS_PER_HOUR).quantize(Decimal("0.01"), ROUND_HALF_UP)


def format_amount(amount: Decimal, currency: str) -> str:
    """`$1,234.50`, `¥1,235`: the amount as an English-language invoice writes it."""
    return format_currency(amount, currency, locale="en_US", currency_digits=True)


def format_rate(rate: Decimal, currency: str) -> str:
    """A rate with every decimal it has (up to four), never fewer than the currency's:
    `$35.00`, `$35.1234`, `¥1,500`. The preview and the PDF show rates this one way."""
    exponent = min(int(minor_unit(currency).as_tuple().exponent), 0)
    own = rate.normalize().as_tuple().exponent
    places = max(-exponent, -int(own) if isinstance(own, int) else 0)
    pattern = "¤#,##0" + ("." + "0" * places if places else "")
    return format_currency(rate, currency, pattern, locale="en_US", currency_digits=False)


@cache
def _marks(currency: str) -> tuple[str, str]:
    return currency, get_currency_symbol(currency, locale="en_US")


def _without_currency(text: str, currency: str) -> str:
    """`$1,200`, `USD 1,200`, `1,200 USD` -> `1,200` (the currency's own code or symbol)."""
    for mark in _marks(currency):
        if text.upper().startswith(mark.upper()):
            return text[len(mark) :].strip()
        if text.upper().endswith(mark.upper()):
            return text[: -len(mark)].strip()
    return text


def parse_money(text: str, currency: str) -> Decimal:
    """An amount as a person writes it in English, in `currency`: `1200`, `1,200.50`,
    `$1,200.50`, `1200 USD`. Never negative, never more decimals than the currency has
    (nothing is rounded away), grouped by thousands if grouped at all (Babel's strict
    reading refuses `1,20`). The minor units to store are `to_minor_units(amount, currency)`."""
    written = text.strip()
    bare = _without_currency(written, currency)
    try:
        if not _WRITTEN_AMOUNT.fullmatch(bare):
            raise NumberFormatError(bare)
        amount = parse_decimal(bare, locale="en_US", strict=True)
    except NumberFormatError:
        example = format_amount(Decimal(1200), currency)
        raise InputError(
            f"{quoted(written)} is not an amount in {currency}: "
            f"write it like 1200, 1,200 or {example}."
        ) from None
    if to_minor_unit(amount, currency) != amount:
        places = get_currency_precision(currency)
        raise InputError(
            f"{quoted(written)} has more decimals than {currency} uses; nothing is rounded "
            f"away, so write it with {places or 'no'} decimal{'' if places == 1 else 's'}."
        )
    if amount > MAX_WRITTEN_AMOUNT:
        raise InputError(
            f"{quoted(written)} is over {format_amount(MAX_WRITTEN_AMOUNT, currency)}."
        )
    return amount
