"""The field types of `[billing]`: amounts, rounding choices, currency codes, the sender
block's text, the logo file and the invoice number's format.

Amounts are exact decimals: a TOML float is read as it is written (`35.1` is
Decimal("35.1")), and more than four decimal places are refused rather than rounded.
"""

from __future__ import annotations

import math
import re
import string
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any, Literal, TypeAlias

from pydantic import (
    BeforeValidator,
    PlainSerializer,
    ValidationInfo,
    WithJsonSchema,
)

from bot.services.billing.terms import INCREMENTS
from bot.settings.schema.fields import (
    describe,
    refuse,
    string_value,
    text_of_at_most,
)

MAX_PLACES = 4
MAX_RATE = 100_000
MAX_FEE = 10_000_000
MAX_TAX = 100
MAX_TERMS_DAYS = 365
MAX_INCLUDED_HOURS = 744  # every hour of a 31-day month
MAX_NUMBER_CHARS = 64  # an invoice number as the database stores it
MAX_BUSINESS_NAME_CHARS = 200
MAX_ADDRESS_CHARS = 500
MAX_EMAIL_CHARS = 254
MAX_LOGO_BYTES = 5 * 1024 * 1024
DEFAULT_NUMBER_FORMAT = "INV-{year}-{seq:04}"
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
NUMBER_TEXT_RE = re.compile(r"^[A-Za-z0-9._#-]*$")
LOGO_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")  # how PNG and JPEG files begin


def _decimal(value: Any, what: str) -> Decimal:
    """A number as written: a float through its shortest text (35.1 stays 35.1)."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise refuse(f"must be {what}, got {describe(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise refuse(f"must be {what}, got {describe(value)}")
    try:
        return Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    except InvalidOperation:
        raise refuse(f"must be {what}, got {describe(value)}") from None


def decimal_between(high: int, what: str, places: int = MAX_PLACES) -> BeforeValidator:
    """A decimal from 0 to `high` with at most `places` decimal places."""

    def check(value: Any) -> Decimal:
        number = _decimal(value, what)
        if not 0 <= number <= high:
            raise refuse(f"must be {what}, got {describe(value)}")
        if number != number.quantize(Decimal(1).scaleb(-places)):
            raise refuse(
                f"has more than {places} decimal places ({describe(value)}); "
                f"write it with at most {places}"
            )
        return number

    return BeforeValidator(check)


def _as_number(value: Decimal) -> int | float:
    """A decimal as `vadesk config show` prints it: a number, as the file writes it."""
    return int(value) if value == value.to_integral_value() else float(value)


def decimal_schema(high: int, places: int) -> WithJsonSchema:
    return WithJsonSchema(
        {
            "type": "number",
            "minimum": 0,
            "maximum": high,
            "description": f"at most {places} decimal places",
        }
    )


def _increment(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value not in INCREMENTS:
        choices = ", ".join(str(choice) for choice in INCREMENTS)
        raise refuse(f"must be one of {choices} (0 = exact time), got {describe(value)}")
    return value


def _terms_days(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_TERMS_DAYS:
        raise refuse(f"must be a number of days from 0 to {MAX_TERMS_DAYS}, got {describe(value)}")
    return value


def choice(*choices: str) -> BeforeValidator:
    def check(value: Any) -> str:
        if value not in choices:
            *others, last = (repr(c) for c in choices)
            words = f"{', '.join(others)} or {last}"
            raise refuse(f"must be {words}, got {describe(value)}")
        return str(value)

    return BeforeValidator(check)


def _currency(value: Any) -> str:
    from bot.services.billing.money import is_currency  # Babel: loaded only when written

    code = string_value(value).strip().upper()
    if not is_currency(code):
        raise refuse(f"{describe(value)} is not an ISO 4217 currency code (e.g. USD, EUR, PHP)")
    return code


def check_email(value: Any) -> str:
    text = string_value(value).strip()
    if text and (len(text) > MAX_EMAIL_CHARS or not EMAIL_RE.match(text)):
        raise refuse(f"{text[:40]!r} is not an email address")
    return text


def optional_text(limit: int, why: str) -> BeforeValidator:
    required = text_of_at_most(limit, why)

    def check(value: Any) -> str:
        return required(value) if string_value(value).strip() else ""

    return BeforeValidator(check)


def check_logo(value: Any, info: ValidationInfo) -> str:
    """A PNG or JPEG file, relative to the settings file's folder; kept as an absolute path."""
    text = string_value(value).strip()
    base = (info.context or {}).get("base_dir")
    path = Path(text).expanduser()
    if not path.is_absolute() and base is not None:
        path = Path(base) / path
    if not path.is_file():
        raise refuse(f"no file {str(path)!r}; give the path of a PNG or JPEG logo")
    size = path.stat().st_size
    if size > MAX_LOGO_BYTES:
        raise refuse(f"{text!r} is {size:,} bytes; a logo may be at most {MAX_LOGO_BYTES:,}")
    with path.open("rb") as file:
        head = file.read(8)
    if not any(head.startswith(magic) for magic in LOGO_MAGIC):
        raise refuse(f"{text!r} is not a PNG or JPEG image")
    return str(path.resolve())


def check_number_format(value: Any) -> str:
    """Only {year} and {seq} (with a format spec such as :04), and {seq} once at least."""
    text = string_value(value)
    fields: list[str] = []
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as error:
        raise refuse(f"{text!r} is not a format: {error}") from None
    for literal, name, spec, conversion in parsed:
        if not NUMBER_TEXT_RE.match(literal):
            raise refuse(
                f"{text!r}: outside {{year}} and {{seq}} use only letters, digits, "
                "'-', '_', '.' and '#'"
            )
        if name is None:
            continue
        if name not in ("year", "seq") or conversion or "{" in (spec or ""):
            raise refuse(f"{text!r}: only {{year}} and {{seq}} may be used, got {{{name}}}")
        fields.append(name)
    if "seq" not in fields:
        raise refuse(f"{text!r} must contain {{seq}}, the invoice's number in its year")
    try:
        longest = text.format(year=9999, seq=99999)
        first = text.format(year=2026, seq=1)
    except (ValueError, TypeError) as error:
        raise refuse(f"{text!r} is not a format for numbers: {error}") from None
    if first == text.format(year=2026, seq=2):
        raise refuse(f"{text!r} gives the same number for every invoice")
    if len(longest) > MAX_NUMBER_CHARS:
        raise refuse(
            f"{text!r} makes numbers of up to {len(longest)} characters ({longest!r}); "
            f"at most {MAX_NUMBER_CHARS}"
        )
    return text


Money: TypeAlias = Annotated[
    Decimal,
    decimal_between(MAX_FEE, f"an amount from 0 to {MAX_FEE:,}"),
    PlainSerializer(_as_number, when_used="json"),
    decimal_schema(MAX_FEE, MAX_PLACES),
]
Rate: TypeAlias = Annotated[
    Decimal,
    decimal_between(MAX_RATE, f"an hourly rate from 0 to {MAX_RATE:,}"),
    PlainSerializer(_as_number, when_used="json"),
    decimal_schema(MAX_RATE, MAX_PLACES),
]
Tax: TypeAlias = Annotated[
    Decimal,
    decimal_between(MAX_TAX, f"a percent from 0 to {MAX_TAX}"),
    PlainSerializer(_as_number, when_used="json"),
    decimal_schema(MAX_TAX, MAX_PLACES),
]
IncludedHours: TypeAlias = Annotated[
    Decimal,
    decimal_between(MAX_INCLUDED_HOURS, f"a number of hours from 0 to {MAX_INCLUDED_HOURS}", 2),
    PlainSerializer(_as_number, when_used="json"),
    decimal_schema(MAX_INCLUDED_HOURS, 2),
]
Increment: TypeAlias = Annotated[
    int, BeforeValidator(_increment), WithJsonSchema({"enum": list(INCREMENTS)})
]
TermsDays: TypeAlias = Annotated[
    int,
    BeforeValidator(_terms_days),
    WithJsonSchema({"type": "integer", "minimum": 0, "maximum": MAX_TERMS_DAYS}),
]
Currency: TypeAlias = Annotated[
    str,
    BeforeValidator(_currency),
    WithJsonSchema({"type": "string", "pattern": "^[A-Za-z]{3}$", "description": "ISO 4217"}),
]
BillingModel: TypeAlias = Annotated[
    Literal["hourly", "fixed", "retainer"], choice("hourly", "fixed", "retainer")
]
Direction: TypeAlias = Annotated[Literal["up", "nearest", "down"], choice("up", "nearest", "down")]
Per: TypeAlias = Annotated[Literal["entry", "total"], choice("entry", "total")]
Lines: TypeAlias = Annotated[Literal["task", "day"], choice("task", "day")]
Paper: TypeAlias = Annotated[Literal["A4", "Letter"], choice("A4", "Letter")]
