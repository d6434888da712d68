"""`[billing]` and `[billing.clients.<key>]`: every key at its bounds, the older forms
still read, refusals naming file, key and reason, and the terms each client resolves to."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from bot.services.billing.terms import (
    BillingTerms,
    Rounding,
    Sender,
    client_terms,
    non_billable_categories,
    sender,
)
from bot.services.errors import InputError
from bot.settings import ConfigError, Settings, load_settings

CLIENTS = """
[clients.acme]
name = "Acme Corp"

[clients.globex]
name = "Globex"

[clients.initech]
name = "Initech"
"""


@pytest.fixture
def cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def load(cwd: Path, text: str) -> Settings:
    path = cwd / "vadesk.toml"
    path.write_text(CLIENTS + text, encoding="utf-8")
    return load_settings({}, load_dotenv_file=False)


def refusal(cwd: Path, text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load(cwd, text)
    return str(caught.value)


def test_an_hourly_client_takes_the_workspace_defaults_under_its_own_table(cwd: Path) -> None:
    settings = load(
        cwd,
        """
[billing]
currency = "EUR"
tax = 20
payment_terms_days = 30
increment_minutes = 6
direction = "nearest"
per = "total"
lines = "day"

[billing.clients.acme]
rate = 35.1234
tax = 8.875
increment_minutes = 15
""",
    )
    assert client_terms(settings, "acme") == BillingTerms(
        client_key="acme",
        model="hourly",
        rate=Decimal("35.1234"),
        currency="EUR",
        tax_percent=Decimal("8.875"),
        payment_terms_days=30,
        rounding=Rounding(15, "nearest", "total"),
        lines="day",
    )


def test_a_retainer_and_a_fixed_client_carry_their_fees(cwd: Path) -> None:
    settings = load(
        cwd,
        """
[delegation.categories]
clerical = "I"
"internal admin" = { phase = "I", billable = false }

[billing.clients.globex]
model = "retainer"
fee = 1200.5
included_hours = 30.25
rate = 45
currency = "php"

[billing.clients.initech]
model = "fixed"
fees = { clerical = 150.0 }

[billing.clients.acme]
model = "fixed"
fee = 999.9999
""",
    )
    retainer = client_terms(settings, "globex")
    assert (retainer.model, retainer.fee, retainer.included_hours, retainer.rate) == (
        "retainer",
        Decimal("1200.5"),
        Decimal("30.25"),
        Decimal(45),
    )
    assert retainer.currency == "PHP"
    assert client_terms(settings, "initech").fees == {"clerical": Decimal("150.0")}
    fixed = client_terms(settings, "acme")
    assert (fixed.model, fixed.fee, fixed.rate) == ("fixed", Decimal("999.9999"), None)
    assert BillingTerms.from_record(fixed.to_record()) == fixed
    assert non_billable_categories(settings) == frozenset({"internal admin"})
    assert settings.delegation.phases == {"clerical": "I", "internal admin": "I"}


def test_a_client_without_a_rate_is_told_which_setting_to_add(cwd: Path) -> None:
    settings = load(
        cwd,
        "[billing.clients.globex]\nmodel = 'retainer'\nfee = 100\nincluded_hours = 10\n",
    )
    with pytest.raises(InputError) as hourly:
        client_terms(settings, "acme")
    assert hourly.value.message == (
        "Acme Corp has no hourly rate: add `rate = 35.0` under `[billing.clients.acme]` "
        "in vadesk.toml."
    )
    with pytest.raises(InputError) as retainer:
        client_terms(settings, "globex")
    assert "Globex has no rate for hours above its retainer" in retainer.value.message
    assert "`[billing.clients.globex]`" in retainer.value.message
    with pytest.raises(InputError, match="no client 'umbrella'"):
        client_terms(settings, "umbrella")


def test_the_older_rates_and_rounding_minutes_still_price_and_round(cwd: Path) -> None:
    settings = load(cwd, "[billing]\nrounding_minutes = 15\nrates = { acme = 35, globex = 42.5 }\n")
    terms = client_terms(settings, "acme")
    assert terms.rate == Decimal(35)
    assert terms.rounding == Rounding(15, "up", "entry")
    assert client_terms(settings, "globex").rate == Decimal("42.5")
    assert settings.billing.rounding_minutes == 15
    agreeing = load(cwd, "[billing]\nrounding_minutes = 10\nincrement_minutes = 10\n")
    assert agreeing.billing.increment_minutes == 10


def test_the_sender_block_comes_from_billing(cwd: Path) -> None:
    logo = cwd / "logo.png"
    logo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 16)
    settings = load(
        cwd,
        '[billing]\nbusiness_name = "Olivia\'s VA Agency"\naddress = "1 Main St\\nSpringfield"\n'
        'email = "billing@example.com"\nlogo = "logo.png"\n',
    )
    assert sender(settings) == Sender(
        business_name="Olivia's VA Agency",
        address="1 Main St\nSpringfield",
        email="billing@example.com",
        logo_path=str(logo.resolve()),
    )
    assert sender(Settings()) == Sender()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "[billing]\nrounding_minutes = 15\nincrement_minutes = 10",
            "vadesk.toml: billing: rounding_minutes = 15 and increment_minutes = 10 disagree",
        ),
        (
            "[billing]\nrates = { acme = 35 }\n[billing.clients.acme]\nrate = 35",
            "vadesk.toml: billing.rates.acme: acme also has billing.clients.acme.rate",
        ),
        (
            "[billing.clients.umbrella]\nrate = 35",
            "vadesk.toml: billing.clients.umbrella: no client 'umbrella' in [clients]",
        ),
        (
            "[billing.clients.acme]\nrate = 35.00001",
            "vadesk.toml: billing.clients.acme.rate: has more than 4 decimal places (35.00001)",
        ),
        (
            '[delegation.categories]\nx = { phase = "IV" }',
            'vadesk.toml: delegation.categories.x.phase: must be "I", "II" or "III"',
        ),
        (
            '[delegation.categories]\nx = { phase = "I", billable = "no" }',
            "vadesk.toml: delegation.categories.x.billable:",
        ),
        (
            '[delegation.categories]\nx = { phase = "I", billabel = false }',
            "vadesk.toml: delegation.categories.x.billabel: unknown key (did you mean 'billable'?)",
        ),
        (
            "[billing.clients.acme]\nratee = 35",
            "vadesk.toml: billing.clients.acme.ratee: unknown key (did you mean 'rate'?)",
        ),
    ],
)
def test_refusals_name_file_key_and_reason(cwd: Path, text: str, message: str) -> None:
    assert refusal(cwd, text).startswith(message)
