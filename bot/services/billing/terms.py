"""The terms one client is billed on, resolved from `[billing]` and
`[billing.clients.<key>]`: what a draft prices with and what a finalized invoice stores,
so the invoice can be rendered again exactly as it was issued."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from bot.services.errors import InputError
from bot.services.text import escape

if TYPE_CHECKING:
    from bot.settings import Settings

Model = Literal["hourly", "fixed", "retainer"]
Direction = Literal["up", "nearest", "down"]
RoundingPer = Literal["entry", "total"]
LineGrouping = Literal["task", "day"]

INCREMENTS = (0, 1, 5, 6, 10, 15, 30, 60)


@dataclass(frozen=True)
class Rounding:
    """How billed time is rounded: to `increment_minutes` (0: the exact seconds), in
    `direction`, for each entry or for each line's total."""

    increment_minutes: int = 0
    direction: Direction = "up"
    per: RoundingPer = "entry"

    def describe(self) -> str:
        if not self.increment_minutes:
            return "exact time"
        each = "each entry" if self.per == "entry" else "each line's total"
        return f"{each} rounded {self.direction} to {self.increment_minutes} min"


@dataclass(frozen=True)
class BillingTerms:
    """One client's terms. `rate` is per hour (hourly; a retainer's hours above the
    included ones); `fee` is a fixed client's fee per period or a retainer's monthly fee;
    `fees` maps task categories to a fixed fee per completed task of that category."""

    client_key: str
    model: Model = "hourly"
    rate: Decimal | None = None
    currency: str = "USD"
    tax_percent: Decimal = Decimal(0)
    payment_terms_days: int = 14
    rounding: Rounding = field(default_factory=Rounding)
    lines: LineGrouping = "task"
    fee: Decimal | None = None
    fees: dict[str, Decimal] = field(default_factory=dict)
    included_hours: Decimal = Decimal(0)

    def to_record(self) -> dict[str, Any]:
        """The terms as JSON-safe values (decimals as text), stored with an invoice."""
        record = asdict(self)
        for key, value in record.items():
            if isinstance(value, Decimal):
                record[key] = str(value)
        record["fees"] = {name: str(amount) for name, amount in self.fees.items()}
        return record

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> BillingTerms:
        def decimal_or_none(value: str | None) -> Decimal | None:
            return None if value is None else Decimal(value)

        return cls(
            client_key=record["client_key"],
            model=record["model"],
            rate=decimal_or_none(record["rate"]),
            currency=record["currency"],
            tax_percent=Decimal(record["tax_percent"]),
            payment_terms_days=int(record["payment_terms_days"]),
            rounding=Rounding(**record["rounding"]),
            lines=record["lines"],
            fee=decimal_or_none(record["fee"]),
            fees={name: Decimal(amount) for name, amount in record["fees"].items()},
            included_hours=Decimal(record["included_hours"]),
        )


@dataclass(frozen=True)
class Sender:
    """Who the invoice is from: `[billing] business_name`, `address`, `email`, `logo`."""

    business_name: str = ""
    address: str = ""
    email: str = ""
    logo_path: str | None = None


def non_billable_categories(settings: Settings) -> frozenset[str]:
    """The task categories `[delegation] categories` marks `billable = false`."""
    return settings.delegation.non_billable


def sender(settings: Settings) -> Sender:
    billing = settings.billing
    return Sender(
        business_name=billing.business_name,
        address=billing.address,
        email=billing.email,
        logo_path=billing.logo,
    )


def client_terms(settings: Settings, client_key: str) -> BillingTerms:
    """The client's terms: `[billing.clients.<key>]` over the workspace's `[billing]`
    (and its older `rates`). Refuses, naming the setting to add, a client that cannot be
    priced: an hourly or retainer client without a rate."""
    client = settings.client(client_key)
    if client is None:
        raise InputError(f"There is no client {client_key!r} in [clients] in vadesk.toml.")
    billing = settings.billing
    own = billing.clients.get(client_key)
    base = {
        "currency": billing.currency,
        "tax": billing.tax,
        "payment_terms_days": billing.payment_terms_days,
        "increment_minutes": billing.increment_minutes,
        "direction": billing.direction,
        "per": billing.per,
        "lines": billing.lines,
    }
    given = own.model_dump(exclude_none=True, include=set(base)) if own else {}
    merged: dict[str, Any] = {**base, **given}
    model: Model = own.model if own else "hourly"
    rate = own.rate if own and own.rate is not None else billing.rates.get(client_key)
    if model != "fixed" and rate is None:
        what = "hourly rate" if model == "hourly" else "rate for hours above its retainer"
        raise InputError(
            f"{escape(client.name)} has no {what}: add `rate = 35.0` under "
            f"`[billing.clients.{client_key}]` in vadesk.toml."
        )
    return BillingTerms(
        client_key=client_key,
        model=model,
        rate=rate,
        currency=merged["currency"],
        tax_percent=merged["tax"],
        payment_terms_days=merged["payment_terms_days"],
        rounding=Rounding(merged["increment_minutes"], merged["direction"], merged["per"]),
        lines=merged["lines"],
        fee=own.fee if own else None,
        fees=dict(own.fees) if own else {},
        included_hours=(own.included_hours or Decimal(0)) if own else Decimal(0),
    )
