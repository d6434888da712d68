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


ACCEPTED = [("[billing]\nincrement_minutes = {}", n) for n in (0, 1, 5, 6, 10, 15, 30, 60)] + [
    ("[billing.clients.acme]\nrate = {}", "100000"),
    ("[billing.clients.acme]\nrate = {}", "100000.0"),
    ("[billing.clients.acme]\nrate = {}", "0.0001"),
    ("[billing.clients.acme]\nrate = {}", "0"),
    ("[billing]\nrates = {{ acme = {} }}", "99999.9999"),
    ("[billing]\ntax = {}", "100"),
    ("[billing]\ntax = {}", "0.0001"),
    ("[billing.clients.acme]\nrate = 1\ntax = {}", "0"),
    ("[billing]\npayment_terms_days = {}", "0"),
    ("[billing.clients.acme]\nrate = 1\npayment_terms_days = {}", "365"),
    ("[billing]\ncurrency = {}", '"JPY"'),
    ("[billing.clients.acme]\nrate = 1\ncurrency = {}", '"BHD"'),
    ("[billing]\nnumber_format = {}", '"{seq}"'),
    ("[billing]\nnumber_format = {}", '"{year}{seq:05d}"'),
    ("[billing]\nnumber_format = {}", '"' + "A" * 55 + '{year}{seq}"'),
    ("[billing]\ndirection = {}", '"nearest"'),
    ("[billing.clients.acme]\nrate = 1\ndirection = {}", '"down"'),
    ("[billing]\nper = {}", '"total"'),
    ("[billing]\nlines = {}", '"day"'),
    ("[billing]\npaper = {}", '"Letter"'),
    ("[billing]\nsupervisors_may_draft = {}", "true"),
    ("[billing]\nbusiness_name = {}", '"' + "N" * 200 + '"'),
    ("[billing]\naddress = {}", '"' + "A" * 500 + '"'),
    ("[billing.clients.acme]\nmodel = 'fixed'\nfee = {}", "10000000"),
    ("[billing.clients.acme]\nmodel = 'fixed'\nfee = {}", "0.0001"),
    ("[billing.clients.acme]\nmodel = 'fixed'\nfees = {{ clerical = {} }}", "10000000"),
    ("[billing.clients.acme]\nmodel = 'retainer'\nfee = 1\nrate = 1\nincluded_hours = {}", "744"),
    ("[billing.clients.acme]\nmodel = 'retainer'\nfee = 1\nrate = 1\nincluded_hours = {}", "0.25"),
]


@pytest.mark.parametrize(("template", "value"), ACCEPTED)
def test_every_key_is_accepted_at_its_bounds(cwd: Path, template: str, value: object) -> None:
    settings = load(cwd, template.format(value))
    if settings.billing.clients:  # the client's terms resolve with the value
        assert client_terms(settings, "acme").client_key == "acme"


REFUSED = [
    ("[billing]\nincrement_minutes = 7", "billing.increment_minutes: must be one of 0, 1, 5"),
    ("[billing.clients.acme]\nincrement_minutes = 45", "billing.clients.acme.increment_minutes:"),
    ("[billing]\nrounding_minutes = 7", "billing.rounding_minutes: must be one of 0, 1, 5"),
    ("[billing.clients.acme]\nrate = 100000.0001", "billing.clients.acme.rate: must be an hourly"),
    ("[billing.clients.acme]\nrate = 99999.00001", "billing.clients.acme.rate: has more than 4"),
    ("[billing.clients.acme]\nrate = 100001", "billing.clients.acme.rate: must be an hourly rate"),
    ("[billing.clients.acme]\nrate = -1", "billing.clients.acme.rate: must be an hourly rate"),
    ("[billing.clients.acme]\nrate = '35'", "billing.clients.acme.rate: must be an hourly rate"),
    ("[billing.clients.acme]\nrate = nan", "billing.clients.acme.rate: must be an hourly rate"),
    ("[billing]\nrates = { acme = 0.00001 }", "billing.rates.acme: has more than 4 decimal"),
    ("[billing]\nrates = { umbrella = 1 }", "billing.rates.umbrella: no client 'umbrella'"),
    ("[billing]\ntax = 100.5", "billing.tax: must be a percent from 0 to 100, got 100.5"),
    ("[billing]\ntax = 0.00001", "billing.tax: has more than 4 decimal places"),
    ("[billing]\npayment_terms_days = 366", "billing.payment_terms_days: must be a number of"),
    ("[billing]\npayment_terms_days = -1", "billing.payment_terms_days: must be a number of"),
    ("[billing]\npayment_terms_days = 1.5", "billing.payment_terms_days: must be a number of"),
    ("[billing]\ncurrency = 'XYZ'", "billing.currency: 'XYZ' is not an ISO 4217 currency code"),
    ("[billing.clients.acme]\ncurrency = 'dollars'", "billing.clients.acme.currency: 'dollars'"),
    ("[billing]\nnumber_format = 'INV-{year}'", "billing.number_format: 'INV-{year}' must contain"),
    (
        "[billing]\nnumber_format = '{client}-{seq}'",
        "billing.number_format: '{client}-{seq}': only",
    ),
    ("[billing]\nnumber_format = '{seq!r}'", "billing.number_format: '{seq!r}': only {year}"),
    ("[billing]\nnumber_format = '{seq:{year}}'", "billing.number_format: '{seq:{year}}': only"),
    ("[billing]\nnumber_format = '{seq:%Y}'", "billing.number_format: '{seq:%Y}' is not a format"),
    ("[billing]\nnumber_format = 'INV {seq}'", "billing.number_format: 'INV {seq}': outside"),
    ("[billing]\nnumber_format = 'INV-{seq'", "billing.number_format: 'INV-{seq' is not a format"),
    ("[billing]\nnumber_format = 3", "billing.number_format: must be a string, got 3"),
    (
        "[billing]\nnumber_format = '" + "A" * 56 + "{year}{seq}'",
        "billing.number_format: '" + "A" * 56 + "{year}{seq}' makes numbers of up to 65",
    ),
    ("[billing]\ndirection = 'sideways'", "billing.direction: must be 'up', 'nearest' or 'down'"),
    ("[billing]\nper = 'line'", "billing.per: must be 'entry' or 'total', got 'line'"),
    ("[billing]\nlines = 'week'", "billing.lines: must be 'task' or 'day', got 'week'"),
    ("[billing]\npaper = 'a4'", "billing.paper: must be 'A4' or 'Letter', got 'a4'"),
    ("[billing]\nsupervisors_may_draft = 'yes'", "billing.supervisors_may_draft:"),
    ("[billing]\nbusiness_name = '" + "N" * 201 + "'", "billing.business_name: has 201 characters"),
    ("[billing]\naddress = '" + "A" * 501 + "'", "billing.address: has 501 characters"),
    ("[billing]\nemail = 'billing at example'", "billing.email: 'billing at example' is not an"),
    ("[billing]\nlogo = 'missing.png'", "billing.logo: no file"),
    ("[billing]\nbusiness_nam = 'x'", "billing.business_nam: unknown key (did you mean"),
    ("[billing.clients.acme]\nmodel = 'monthly'", "billing.clients.acme.model: must be 'hourly'"),
    (
        "[billing.clients.acme]\nmodel = 'retainer'\nfee = 1",
        "billing.clients.acme: a retainer needs",
    ),
    ("[billing.clients.acme]\nmodel = 'fixed'", "billing.clients.acme: a fixed client needs fee"),
    (
        "[billing.clients.acme]\nmodel = 'fixed'\nfee = 1\nfees = { clerical = 1 }",
        "billing.clients.acme: a fixed client is billed fee (per period) or fees",
    ),
    ("[billing.clients.acme]\nfee = 100", "billing.clients.acme: fee is not used by model"),
    (
        "[billing.clients.acme]\nmodel = 'retainer'\nincluded_hours = 10",
        "billing.clients.acme: a retainer needs fee (per month) and included_hours (and rate",
    ),
    (
        "[billing.clients.acme]\nmodel = 'fixed'\nfee = 1\nrate = 0",
        "billing.clients.acme: rate is not used by model = 'fixed'; remove it",
    ),
    (
        "[billing.clients.acme]\nmodel = 'fixed'\nfee = 1\nrate = 35",
        "billing.clients.acme: rate is not used by model = 'fixed'",
    ),
    (
        "[billing]\nrates = { acme = 35 }\n[billing.clients.acme]\nmodel = 'fixed'\nfee = 1",
        "billing.rates.acme: acme is a fixed client (no hourly rate); remove it",
    ),
    (
        "[billing.clients.acme]\nmodel = 'fixed'\nfees = { research = 1 }",
        "billing.clients.acme.fees.research: no category 'research' in [delegation] categories",
    ),
    ("[billing.clients.acme]\nmodel = 'fixed'\nfee = 10000000.5", "billing.clients.acme.fee: must"),
    (
        "[billing.clients.acme]\nmodel = 'retainer'\nfee = 1\nincluded_hours = 744.5",
        "billing.clients.acme.included_hours: must be a number of hours from 0 to 744",
    ),
    (
        "[billing.clients.acme]\nmodel = 'retainer'\nfee = 1\nincluded_hours = 1.125",
        "billing.clients.acme.included_hours: has more than 2 decimal places",
    ),
]


@pytest.mark.parametrize(("text", "message"), REFUSED)
def test_a_value_outside_its_bounds_is_refused_naming_file_key_and_reason(
    cwd: Path, text: str, message: str
) -> None:
    assert refusal(cwd, text).startswith(f"vadesk.toml: {message}")


def test_the_logo_is_read_relative_to_the_settings_file_and_must_be_an_image(
    cwd: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    elsewhere = tmp_path_factory.mktemp("conf")
    (elsewhere / "logo.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"\0" * 16)
    (elsewhere / "notes.png").write_text("not an image", encoding="utf-8")
    config = elsewhere / "vadesk.toml"
    config.write_text('[billing]\nlogo = "logo.jpg"\n', encoding="utf-8")
    settings = load_settings({"VADESK_CONFIG": str(config)}, load_dotenv_file=False)
    assert settings.billing.logo == str((elsewhere / "logo.jpg").resolve())
    config.write_text('[billing]\nlogo = "notes.png"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings({"VADESK_CONFIG": str(config)}, load_dotenv_file=False)
    assert caught.value.key == "billing.logo"
    assert caught.value.reason == "'notes.png' is not a PNG or JPEG image"


def test_rates_are_kept_exactly_as_written(cwd: Path) -> None:
    settings = load(
        cwd,
        "[billing]\nrates = { globex = 0.1 }\n[billing.clients.acme]\nrate = 35.1234\n"
        "[billing.clients.initech]\nrate = 12\n",
    )
    assert client_terms(settings, "acme").rate == Decimal("35.1234")
    assert client_terms(settings, "globex").rate == Decimal("0.1")
    assert client_terms(settings, "initech").rate == Decimal(12)
    shown = settings.for_display()["billing"]
    assert shown["clients"] == {
        "acme": {"model": "hourly", "rate": 35.1234},
        "initech": {"model": "hourly", "rate": 12},
    }
    assert shown["rates"] == {"globex": 0.1}


def _as_json(text: str) -> object:
    """What an editor's TOML extension hands a JSON Schema: dates become strings."""
    import json
    import tomllib

    return json.loads(json.dumps(tomllib.loads(text), default=str))


def test_the_json_schema_validates_the_example_and_flags_bad_billing_values() -> None:
    import jsonschema

    from bot.settings.schema import SettingsFile

    schema = SettingsFile.model_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    example = (Path(__file__).resolve().parents[1] / "vadesk.example.toml").read_text("utf-8")
    assert list(validator.iter_errors(_as_json(example))) == []
    good = '[delegation.categories]\nx = { phase = "I", billable = false }\ny = "II"'
    assert list(validator.iter_errors(_as_json(good))) == []
    for broken in (
        "[billing]\nincrement_minutes = 7",
        "[billing]\ntax = 101",
        "[billing]\npayment_terms_days = 366",
        "[billing]\ncurrency = 'DOLLARS'",
        "[billing]\nnumber_format = 'INV-{year}'",
        "[billing]\npaper = 'A3'",
        "[billing]\nsupervisors_may_draft = 'yes'",
        "[billing.clients.acme]\nmodel = 'monthly'",
        "[billing.clients.acme]\nrate = 100001",
        "[billing.clients.acme]\nratee = 1",
        "[billing.clients.Acme]\nrate = 1",
        '[delegation.categories]\nx = { phase = "I", billable = "no" }',
        "[delegation.categories]\nx = { billable = false }",
    ):
        assert list(validator.iter_errors(_as_json(broken))), broken


def test_importing_the_settings_loads_no_currency_data() -> None:
    import subprocess
    import sys

    probe = "import sys, bot.settings; print(any(m.startswith('babel') for m in sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_config_show_prints_the_billing_settings_as_the_file_writes_them(cwd: Path) -> None:
    import json

    from tests.vadesk_process import run_vadesk, vadesk_env

    (cwd / "vadesk.toml").write_text(
        CLIENTS
        + """
[delegation.categories]
clerical = "I"
"internal admin" = { phase = "I", billable = false }

[billing]
business_name = "Olivia's VA Agency"
currency = "EUR"
tax = 8.875
rounding_minutes = 15
rates = { globex = 42.5 }
paper = "Letter"

[billing.clients.acme]
rate = 35.1234
direction = "nearest"

[billing.clients.initech]
model = "fixed"
fees = { clerical = 150 }
""",
        encoding="utf-8",
    )
    result = run_vadesk("config", "show", env=vadesk_env(), cwd=cwd)
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    billing = shown["billing"]
    assert (billing["currency"], billing["tax"], billing["paper"]) == ("EUR", 8.875, "Letter")
    assert (billing["increment_minutes"], billing["rounding_minutes"]) == (15, 15)
    assert billing["number_format"] == "INV-{year}-{seq:04}"
    assert billing["rates"] == {"globex": 42.5}
    assert billing["clients"] == {
        "acme": {"model": "hourly", "rate": 35.1234, "direction": "nearest"},
        "initech": {"model": "fixed", "fees": {"clerical": 150}},
    }
    assert shown["delegation"]["categories"] == {
        "clerical": "I",
        "internal admin": {"phase": "I", "billable": False},
    }
