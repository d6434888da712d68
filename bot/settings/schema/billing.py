"""`[billing]` and `[billing.clients.<key>]`: who invoices come from, how they are numbered
and laid out, and each client's terms (model, rate, currency, tax, payment terms,
rounding), the client's table overriding the workspace's defaults
(`bot.services.billing.terms.client_terms` merges them)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    BeforeValidator,
    Field,
    SerializerFunctionWrapHandler,
    StrictBool,
    WithJsonSchema,
    model_serializer,
    model_validator,
)

from bot.services.billing.terms import INCREMENTS
from bot.settings.schema.billing_fields import (
    DEFAULT_NUMBER_FORMAT,
    MAX_ADDRESS_CHARS,
    MAX_BUSINESS_NAME_CHARS,
    MAX_EMAIL_CHARS,
    MAX_NUMBER_CHARS,
    BillingModel,
    Currency,
    Direction,
    IncludedHours,
    Increment,
    Lines,
    Money,
    Paper,
    Per,
    Rate,
    Tax,
    TermsDays,
    check_email,
    check_logo,
    check_number_format,
    optional_text,
)
from bot.settings.schema.clients import CLIENT_KEY_RE, ClientKey, RoundingMinutes
from bot.settings.schema.delegation import CategoryName
from bot.settings.schema.fields import Section, SettingProblem, refuse


class ClientBilling(Section):
    """`[billing.clients.<key>]`: how one client is billed; what it leaves out is the
    workspace's (`[billing]`)."""

    model: BillingModel = "hourly"
    rate: Rate | None = None  # per hour: hourly, and a retainer's hours above the included
    currency: Currency | None = None
    tax: Tax | None = None
    payment_terms_days: TermsDays | None = None
    increment_minutes: Increment | None = None
    direction: Direction | None = None
    per: Per | None = None
    lines: Lines | None = None
    fee: Money | None = None  # fixed: per period; retainer: per month
    fees: dict[CategoryName, Money] = Field(default_factory=dict)  # fixed: per task done
    included_hours: IncludedHours | None = None  # retainer

    @model_serializer(mode="wrap")
    def _as_written(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """The keys the table sets: the rest are the workspace's."""
        return {key: value for key, value in handler(self).items() if value not in (None, {})}

    @model_validator(mode="after")
    def _the_model_has_what_it_bills_by(self) -> ClientBilling:
        if self.model == "retainer" and (self.fee is None or self.included_hours is None):
            raise refuse(
                "a retainer needs fee (per month) and included_hours "
                "(and rate, for the hours above them)"
            )
        if self.model == "fixed" and self.fee is None and not self.fees:
            raise refuse(
                "a fixed client needs fee (per period) or fees (category = fee per task done)"
            )
        if self.model == "fixed" and self.fee is not None and self.fees:
            raise refuse("a fixed client is billed fee (per period) or fees (per task), not both")
        unused = {
            "hourly": ("fee", "fees", "included_hours"),
            "fixed": ("rate", "included_hours"),
            "retainer": ("fees",),
        }[self.model]
        for key in unused:
            if getattr(self, key) not in (None, {}):
                raise refuse(f"{key} is not used by model = {self.model!r}; remove it")
        return self


class BillingSettings(Section):
    """`[billing]`: the sender block, numbering, layout and who may draft, and the terms
    every client is billed on unless its `[billing.clients.<key>]` says otherwise."""

    business_name: Annotated[
        str,
        optional_text(MAX_BUSINESS_NAME_CHARS, "what an invoice's header shows"),
        WithJsonSchema({"type": "string", "maxLength": MAX_BUSINESS_NAME_CHARS}),
    ] = ""
    address: Annotated[
        str,
        optional_text(MAX_ADDRESS_CHARS, "what an invoice's header shows"),
        WithJsonSchema({"type": "string", "maxLength": MAX_ADDRESS_CHARS}),
    ] = ""
    email: Annotated[
        str,
        BeforeValidator(check_email),
        WithJsonSchema({"type": "string", "maxLength": MAX_EMAIL_CHARS}),
    ] = ""
    logo: Annotated[
        str | None,
        BeforeValidator(check_logo),
        WithJsonSchema({"type": "string", "description": "a PNG or JPEG file"}),
    ] = None
    currency: Currency = "USD"
    tax: Tax = Field(default=Decimal(0), json_schema_extra={"default": 0})
    payment_terms_days: TermsDays = 14
    number_format: Annotated[
        str,
        BeforeValidator(check_number_format),
        WithJsonSchema(
            {"type": "string", "pattern": r"\{seq(:[^{}]*)?\}", "maxLength": MAX_NUMBER_CHARS}
        ),
    ] = DEFAULT_NUMBER_FORMAT
    increment_minutes: Increment = 0
    direction: Direction = "up"
    per: Per = "entry"
    rounding_minutes: RoundingMinutes = 0  # the older increment_minutes (direction up)
    rates: dict[str, Rate] = Field(default_factory=dict)  # the older [billing.clients] rate
    lines: Lines = "task"
    paper: Paper = "A4"
    supervisors_may_draft: StrictBool = False
    clients: dict[ClientKey, ClientBilling] = Field(
        default_factory=dict,
        json_schema_extra={"propertyNames": {"pattern": CLIENT_KEY_RE.pattern}},
    )

    @model_validator(mode="before")
    @classmethod
    def _older_rounding(cls, data: Any) -> Any:
        """`rounding_minutes` alone is read as `increment_minutes` (a wrong one is
        refused under its own name)."""
        if (
            isinstance(data, dict)
            and "increment_minutes" not in data
            and data.get("rounding_minutes") in INCREMENTS
            and not isinstance(data.get("rounding_minutes"), bool)
        ):
            data = {**data, "increment_minutes": data["rounding_minutes"]}
        return data

    @model_validator(mode="after")
    def _older_forms_agree(self) -> BillingSettings:
        given = self.model_fields_set
        if "rounding_minutes" in given and self.rounding_minutes != self.increment_minutes:
            raise refuse(
                f"rounding_minutes = {self.rounding_minutes} and increment_minutes = "
                f"{self.increment_minutes} disagree; keep increment_minutes "
                "(rounding_minutes is its older name)"
            )
        for key in self.rates:
            client = self.clients.get(key)
            if client is not None and client.rate is not None:
                raise SettingProblem(
                    f"billing.rates.{key}",
                    f"{key} also has billing.clients.{key}.rate; give the rate once, "
                    f"in [billing.clients.{key}] (rates is its older form)",
                )
        return self
