"""The columns of a contacts CSV, shared by `vadesk import contacts` and `vadesk export
contacts` so an export imports again: their names, how each cell is read (and refused),
and how the export writes what the import reads."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from bot.services.billing.money import from_minor_units, is_currency
from bot.services.contacts import check_note
from bot.services.errors import InputError
from bot.services.text import NOTES_LIMIT, checked_text, from_spreadsheet, quoted

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

# In the order an export writes them; an import takes any order and any subset with name.
COLUMNS = (
    "name",
    "company",
    "client",
    "email",
    "phone",
    "slack_user_id",
    "owner",
    "stage",
    "tag",
    "next_step",
    "next_step_due",
    "amount",
    "currency",
    "expected_close",
    "notes",
    "stage_since",
    "last_touch_at",
    "archived_at",
)
MAX_COMPANY_CHARS = 200
MAX_EMAIL_CHARS = 254
MAX_PHONE_CHARS = 40
MAX_NEXT_STEP_CHARS = NOTES_LIMIT
# A Slack member ID: U… (or W… in Enterprise Grid).
_MEMBER_ID = re.compile(r"[UW][A-Z0-9]{2,31}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
_PHONE = re.compile(r"[0-9+()./\- ]*[0-9][0-9+()./\- ]*(?:\s*(?:x|ext\.?)\s*[0-9]+)?", re.I)
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_BLANK_LINES = re.compile(r"\n[ \t]*\n")
_HEADER_SPACES = re.compile(r"[\s\-]+")


def column_name(cell: str) -> str:
    """A header cell as a column's name: `Next step` and `next-step` are `next_step`."""
    return _HEADER_SPACES.sub("_", cell.strip().lstrip("\ufeff").strip()).casefold()


def check_header(cells: list[str]) -> tuple[str, ...]:
    """The columns a header row names, in its order. A cell that names no column is
    refused by name (all of them at once), as are a column given twice and a file
    without `name`."""
    names: list[str] = []
    unknown = []
    for position, cell in enumerate(cells, start=1):
        name = column_name(cell)
        if not name:
            raise InputError(f"Column {position} of the header row has no name.")
        if name not in COLUMNS:
            unknown.append(quoted(cell))
        elif name in names:
            raise InputError(f"The header row names the column {quoted(cell)} twice.")
        names.append(name)
    if unknown:
        what = "an unknown column" if len(unknown) == 1 else "unknown columns"
        raise InputError(
            f"The header row names {what} {', '.join(unknown)}; "
            f"the columns are: {', '.join(COLUMNS)}."
        )
    if "name" not in names:
        raise InputError(
            f"The header row has no name column; the columns are: {', '.join(COLUMNS)}."
        )
    return tuple(names)


def cell_text(cell: str) -> str:
    """A cell's text: trimmed, CRLF inside it read as a newline, and the `'` an export put
    before a formula's first character dropped."""
    return from_spreadsheet(cell.replace("\r\n", "\n").strip()).strip()


def member_id(text: str) -> str:
    if not _MEMBER_ID.fullmatch(text):
        raise InputError(
            f"{quoted(text)} is not a Slack member ID such as U0123ABCD "
            "(Slack: profile → ⋮ → Copy member ID)."
        )
    return text


def email_address(text: str) -> str:
    if len(text) > MAX_EMAIL_CHARS or not _EMAIL.fullmatch(text):
        raise InputError(f"{quoted(text)} is not an email address.")
    return text


def phone_number(text: str) -> str:
    if len(text) > MAX_PHONE_CHARS:
        raise InputError(f"A phone number is at most {MAX_PHONE_CHARS} characters.")
    if not _PHONE.fullmatch(text):
        raise InputError(f"{quoted(text)} is not a phone number (digits, spaces, + ( ) - . /).")
    return text


def company_name(text: str) -> str | None:
    return checked_text(text, "company", MAX_COMPANY_CHARS)


def next_step_text(text: str) -> str | None:
    return checked_text(text, "next step", MAX_NEXT_STEP_CHARS)


def day(text: str) -> date:
    """`YYYY-MM-DD`, nothing else (no week dates, no `20261201`)."""
    try:
        if _DAY.fullmatch(text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise InputError(f"{quoted(text)} is not a date: write it YYYY-MM-DD, e.g. 2026-12-01.")


def instant(text: str, zone: ZoneInfo, now: datetime) -> datetime:
    """An ISO 8601 instant (`2026-11-30T14:00:00Z`, `…+01:00`); a day or a time without a
    zone is the workspace's. Never later than now: it says when something happened."""
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise InputError(
            f"{quoted(text)} is not a moment: write it like 2026-11-30T14:00:00Z "
            "(or 2026-11-30 09:00 in the workspace's time zone)."
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    value = value.astimezone(UTC)
    if value > now:
        raise InputError(f"{quoted(text)} is later than now; it says when something happened.")
    return value


def currency_code(text: str) -> str:
    code = text.upper()
    if not is_currency(code):
        raise InputError(f"{quoted(text)} is not an ISO 4217 currency code (e.g. USD, EUR, PHP).")
    return code


def notes(text: str) -> tuple[str, ...]:
    """Each paragraph (text between blank lines) is a note of its own, in order."""
    return tuple(check_note(part) for part in _BLANK_LINES.split(text) if part.strip())


# --------------------------------------------------------------------------- export


def instant_text(value: datetime | None) -> str:
    return "" if value is None else value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def day_text(value: date | None) -> str:
    return "" if value is None else value.isoformat()


def amount_text(minor: int | None, currency: str | None) -> str:
    """`1200.50`: no grouping, no symbol, the currency's decimals; a spreadsheet reads it
    as a number and the import reads it back."""
    if minor is None or currency is None:
        return ""
    amount: Decimal = from_minor_units(minor, currency)
    return f"{amount:f}"


def notes_text(written: list[str]) -> str:
    """The notes oldest first, a blank line between them: the import makes each a note."""
    return "\n\n".join(written)
