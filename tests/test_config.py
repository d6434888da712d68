"""Settings: SOP defaults, the full file, and errors that name file, key and reason."""

from __future__ import annotations

import os
from datetime import date, time
from pathlib import Path

import pytest

from bot.settings import ConfigError, MissingCredential, Settings, load_settings
from bot.settings.schema import UserSettings

FULL_FILE = """
[workspace]
timezone = "America/New_York"          # default for users whose Slack tz is unknown
business_hours = "09:00-17:00"
business_days = ["mon", "tue", "wed", "thu", "fri"]
holidays = ["2026-12-25", 2026-07-03]

[roles]
owners = ["U0OWNER"]
supervisors = ["U0SUPER"]
vas = ["U0VA1", "U0VA2"]

[channels]
digest = "C0DIGEST"
escalations = "C0ESCAL"

[sla]
first_response_minutes = 15
acknowledge_business_hours = 4
max_open_chats_per_va = 4
near_breach_ratio = 0.8

[kpi]
completion_rate = 0.90
csat = 4.5

[timers]
max_entry_hours = 12

[clients.acme]
name = "Acme Corp"
channel = "C0ACME"
timezone = "Europe/London"
business_hours = "08:30-16:30"
business_days = ["Mon", "tuesday", "wed"]

[clients.globex]
name = "Globex"

[users.U0VA1]
working_hours = "21:00-23:30"
phase = "II"
timezone = "Asia/Manila"

[billing]
rounding_minutes = 6
rates = { acme = 35, globex = 42.5 }

[tags]
Lead = ["Hot Prospect", "Cold Lead"]
Billing = ["Payment Question"]

[routines.morning]
items = ["Review PSA", "Check chats"]

[routines.hourly]
enabled = false

[routines.invoices]
schedule = "mon,thu 16:00"
audience = "C0DIGEST"
items = ["Send the invoices"]

[reports]
digest = "daily 16:45"

[templates.welcome]
text = "Hi {contact}, thanks for writing to {client}."
owner = "U0OWNER"
reviewed = 2026-11-01
"""


@pytest.fixture
def cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working directory, so no real .env or vadesk.toml leaks in."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write_config(directory: Path, text: str, name: str = "vadesk.toml") -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def load(environ: dict[str, str] | None = None) -> Settings:
    return load_settings(environ or {}, load_dotenv_file=False)


def config_error(cwd: Path, text: str) -> ConfigError:
    write_config(cwd, text)
    with pytest.raises(ConfigError) as caught:
        load()
    return caught.value


def test_defaults_are_the_sop_values(cwd: Path) -> None:
    settings = load()
    assert settings.database_url == "sqlite:///vadesk.db"
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.bot_token is None and settings.app_token is None
    assert settings.signing_secret is None
    assert settings.log_level == "INFO"
    assert settings.config_path is None
    assert settings.workspace.timezone == "America/New_York"
    assert settings.workspace.zone.key == "America/New_York"
    assert settings.workspace.business_hours == (time(9, 0), time(17, 0))
    assert settings.workspace.business_days == (0, 1, 2, 3, 4)
    assert settings.workspace.holidays == ()
    assert settings.sla.first_response_minutes == 15
    assert settings.sla.acknowledge_business_hours == 4
    assert settings.sla.max_open_chats_per_va == 4
    assert settings.sla.near_breach_ratio == 0.75
    assert settings.kpi.completion_rate == 0.90
    assert settings.kpi.csat == 4.5
    assert settings.timers.max_entry_hours == 24
    assert settings.billing.rounding_minutes == 0
    assert settings.billing.rates == {}
    assert settings.clients == ()
    assert settings.channels.digest is None and settings.channels.escalations is None
    assert settings.roles.role_of("U0ANYONE") == "va"
    assert settings.user_settings("U0ANYONE") == UserSettings()
    assert settings == Settings()


def test_environment_values(cwd: Path) -> None:
    settings = load(
        {
            "DATABASE_URL": "postgresql+psycopg://u:p@db/vadesk",
            "SLACK_API_URL": "http://localhost:8080/api",
            "SLACK_BOT_TOKEN": "xoxb-1",
            "SLACK_APP_TOKEN": "xapp-1",
            "SLACK_SIGNING_SECRET": "",
            "LOG_LEVEL": "debug",
        }
    )
    assert settings.database_url == "postgresql+psycopg://u:p@db/vadesk"
    assert settings.slack_api_url == "http://localhost:8080/api/"
    assert settings.bot_token == "xoxb-1"
    assert settings.app_token == "xapp-1"
    assert settings.signing_secret is None
    assert settings.log_level == "DEBUG"
    assert "xoxb-1" not in repr(settings)


def test_full_file_loads(cwd: Path) -> None:
    write_config(cwd, FULL_FILE)
    settings = load()
    assert settings.config_path == Path("vadesk.toml")
    assert settings.workspace.holidays == (date(2026, 7, 3), date(2026, 12, 25))
    assert settings.roles.owners == ("U0OWNER",)
    assert settings.roles.vas == ("U0VA1", "U0VA2")
    assert settings.roles.role_of("U0OWNER") == "owner"
    assert settings.roles.role_of("U0SUPER") == "supervisor"
    assert settings.roles.role_of("U0VA1") == "va"
    assert settings.channels.digest == "C0DIGEST"
    assert settings.channels.escalations == "C0ESCAL"
    assert settings.sla.near_breach_ratio == 0.8
    assert settings.timers.max_entry_hours == 12

    acme = settings.client_for_channel("C0ACME")
    assert acme is not None and acme.key == "acme" and acme.name == "Acme Corp"
    assert acme.zone is not None and acme.zone.key == "Europe/London"
    assert acme.business_hours == (time(8, 30), time(16, 30))
    assert acme.business_days == (0, 1, 2)
    assert settings.client_for_channel("C0OTHER") is None
    globex = settings.client("globex")
    assert globex is not None and globex.channel is None and globex.business_hours is None
    assert [client.key for client in settings.clients] == ["acme", "globex"]

    va1 = settings.user_settings("U0VA1")
    assert va1.working_hours == (time(21, 0), time(23, 30))
    assert va1.phase == "II" and va1.timezone == "Asia/Manila"
    assert settings.user_settings("U0VA2").phase == "I"

    assert settings.billing.rounding_minutes == 6
    assert settings.billing.rates == {"acme": 35.0, "globex": 42.5}
    assert settings.tags == (
        "Lead – Hot Prospect",
        "Lead – Cold Lead",
        "Billing – Payment Question",
    )
    welcome = settings.template("welcome")
    assert welcome.owner == "U0OWNER" and welcome.reviewed == date(2026, 11, 1)
    names = [routine.name for routine in settings.routines]
    assert "hourly" not in names and names[-1] == "invoices"
    morning = settings.routine("morning")
    assert morning.items == ("Review PSA", "Check chats")
    assert morning.schedule == "workday start" and morning.audience == "vas"
    invoices = settings.routine("invoices")
    assert invoices.to_channel and invoices.title == "Invoices"
    assert settings.reports.digest == "daily 16:45" and settings.reports.weekly == "fri 15:00"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[workspace]\ntimezone = "Mars/Base"',
            "vadesk.toml: workspace.timezone: unknown time zone 'Mars/Base'",
        ),
        (
            "[sla]\nfirst_response_minutes = -3",
            "vadesk.toml: sla.first_response_minutes: must be a positive integer, got -3",
        ),
        (
            "[sla]\nfirst_response_minutes = true",
            "vadesk.toml: sla.first_response_minutes: must be a positive integer, got true",
        ),
        (
            '[sla]\nmax_open_chats_per_va = "4"',
            "vadesk.toml: sla.max_open_chats_per_va: must be a positive integer, got '4'",
        ),
        (
            "[sla]\nfirst_response_minutes = 1.5",
            "vadesk.toml: sla.first_response_minutes: must be a positive integer, got 1.5",
        ),
        ("[sla]\nnear_breach_ratio = 1", "vadesk.toml: sla.near_breach_ratio: must be a number"),
        (
            "[sla]\nacknowledge_business_hours = 0",
            "vadesk.toml: sla.acknowledge_business_hours: must be a number of hours from 0.25 to "
            "168 (7 days of working time), got 0",
        ),
        ("[kpi]\ncompletion_rate = 90", "vadesk.toml: kpi.completion_rate: must be a number"),
        ("[kpi]\ncsat = 6", "vadesk.toml: kpi.csat: must be a number from 1 to 5, got 6"),
        ("[kpi]\ncsat = nan", "vadesk.toml: kpi.csat: must be a number from 1 to 5, got nan"),
        ("[timers]\nmax_entry_hours = 25", "vadesk.toml: timers.max_entry_hours: must be"),
        ("[timers]\nnudge_after_hours = 0", "vadesk.toml: timers.nudge_after_hours: must be"),
        (
            '[routines.morning]\nschedule = "at dawn"',
            "vadesk.toml: routines.morning.schedule: unknown schedule 'at dawn'; use",
        ),
        (
            '[routines.morning]\nschedule = "fri 25:00"',
            "vadesk.toml: routines.morning.schedule: '25:00' is not a time of day",
        ),
        (
            '[routines.morning]\naudience = "everyone"',
            "vadesk.toml: routines.morning.audience: must be vas, supervisors, owners or a channel",
        ),
        (
            "[routines.morning]\nitems = []",
            "vadesk.toml: routines.morning.items: must list at least one item",
        ),
        (
            "[routines.morning]\nitems = [" + ", ".join(['"x"'] * 11) + "]",
            "vadesk.toml: routines.morning.items: has 11 items; a checklist holds at most 10",
        ),
        (
            '[routines.morning]\nitems = ["' + "x" * 80 + '"]',
            "vadesk.toml: routines.morning.items: item 'xxxxxxxxxxxxxxxxxxxx'… is over 75",
        ),
        (
            '[routines.invoices]\nschedule = "hourly"\naudience = "vas"',
            "vadesk.toml: routines.invoices.items: is required for a routine of your own",
        ),
        (
            '[routines.Invoices]\nschedule = "hourly"',
            "vadesk.toml: routines.Invoices: a routine name must be lowercase",
        ),
        (
            '[routines.morning]\nschedul = "hourly"',
            "vadesk.toml: routines.morning.schedul: unknown key (did you mean 'schedule'?)",
        ),
        ('[reports]\nweekly = "someday"', "vadesk.toml: reports.weekly: unknown schedule"),
        (
            '[delegation.categories]\nresearch = "IV"',
            'vadesk.toml: delegation.categories.research: must be "I", "II" or "III"',
        ),
        (
            f'[delegation.categories]\n"{"x" * 101}" = "I"',
            f"vadesk.toml: delegation.categories.{'x' * 101}: '{'x' * 40}'… must be at most 100",
        ),
        (
            '[clients.acme]\nname = "Acme"\ncsat = "yes"',
            "vadesk.toml: clients.acme.csat: Input should be a valid boolean",
        ),
        (
            '[routines.hourly]\nenabled = "no"',
            "vadesk.toml: routines.hourly.enabled: Input should be a valid boolean",
        ),
        (
            "[delegation]\nchase_after_business_hours = 0",
            "vadesk.toml: delegation.chase_after_business_hours: must be a number of hours from",
        ),
        (
            '[workspace]\nbusiness_hours = "9-5"',
            "vadesk.toml: workspace.business_hours: must look like \"09:00-17:00\", got '9-5'",
        ),
        (
            '[workspace]\nbusiness_hours = "17:00-09:00"',
            "vadesk.toml: workspace.business_hours: the end must be after the start",
        ),
        (
            '[workspace]\nbusiness_hours = "09:00-25:00"',
            "vadesk.toml: workspace.business_hours: has an invalid time of day",
        ),
        (
            '[workspace]\nbusiness_days = ["mon", "funday"]',
            "vadesk.toml: workspace.business_days: unknown day 'funday'",
        ),
        ("[workspace]\nbusiness_days = []", "vadesk.toml: workspace.business_days: must name"),
        (
            '[workspace]\nholidays = ["2026-02-30"]',
            "vadesk.toml: workspace.holidays: '2026-02-30' is not a valid date",
        ),
        (
            '[workspace]\nholidays = "2026-12-25"',
            "vadesk.toml: workspace.holidays: must be an array of dates",
        ),
        (
            '[roles]\nowners = ["bob"]',
            "vadesk.toml: roles.owners: 'bob' is not a Slack user id",
        ),
        ('[roles]\nowners = "U0OWNER"', "vadesk.toml: roles.owners: must be an array of strings"),
        (
            '[channels]\ndigest = "#general"',
            "vadesk.toml: channels.digest: '#general' is not a Slack channel id",
        ),
        (
            '[clients.acme]\nname = "Acme"\nchannel = "acme"',
            "vadesk.toml: clients.acme.channel: 'acme' is not a Slack channel id",
        ),
        ('[clients.acme]\nchannel = "C0ACME"', "vadesk.toml: clients.acme.name: is required"),
        ('[clients.acme]\nname = "  "', "vadesk.toml: clients.acme.name: must not be empty"),
        ('[clients.Acme]\nname = "Acme"', "vadesk.toml: clients.Acme: a client key must be"),
        (
            '[clients.acme]\nname = "Acme"\nchannel = "C0X"\n'
            '[clients.beta]\nname = "Beta"\nchannel = "C0X"',
            "vadesk.toml: clients.beta.channel: channel C0X is already used by client 'acme'",
        ),
        (
            '[clients.acme]\nname = "Acme"\ntimezone = "Nowhere"',
            "vadesk.toml: clients.acme.timezone: unknown time zone 'Nowhere'",
        ),
        (
            '[clients.acme]\nname = "Acme"\nowner = "@maria"',
            "vadesk.toml: clients.acme.owner: '@maria' is not a Slack user id",
        ),
        ('[users.U0VA1]\nphase = "IV"', "vadesk.toml: users.U0VA1.phase: must be"),
        ("[users.U0VA1]\nphase = 2", "vadesk.toml: users.U0VA1.phase: must be a string, got 2"),
        ('[users.bob]\nphase = "I"', "vadesk.toml: users.bob: 'bob' is not a Slack user id"),
        (
            '[users.U0VA1]\nworking_hours = "9to5"',
            "vadesk.toml: users.U0VA1.working_hours: must look like",
        ),
        (
            "[billing]\nrounding_minutes = 7",
            "vadesk.toml: billing.rounding_minutes: must be one of 0, 1, 5, 6, 10, 15, 30, 60",
        ),
        (
            "[billing]\nrates = { nobody = 30 }",
            "vadesk.toml: billing.rates.nobody: no client 'nobody' in [clients]",
        ),
        (
            '[clients.acme]\nname = "Acme"\n[billing]\nrates = { acme = -1 }',
            "vadesk.toml: billing.rates.acme: must be an hourly rate from 0 to 100,000, got -1",
        ),
        ('sla = "fast"', "vadesk.toml: sla: must be a table, got 'fast'"),
        (
            '[templates.welcome]\ntext = "Hi {name}, I am {va}"',
            "vadesk.toml: templates.welcome.text: unknown placeholder {name}; use {client}",
        ),
        (
            '[templates.welcome]\ntext = "Hi {contact"',
            "vadesk.toml: templates.welcome.text: is not a valid template",
        ),
        (
            '[templates.welcome]\nowner = "U0OWNER"',
            "vadesk.toml: templates.welcome.text: is required",
        ),
        ("[tags]\nLead = []", "vadesk.toml: tags.Lead: must list at least one subcategory"),
        ('[tags]\nLead = ["Hot", "Hot"]', "vadesk.toml: tags.Lead: lists a subcategory twice"),
        ('[tags]\nLead = "Hot"', "vadesk.toml: tags.Lead: must be an array of strings"),
    ],
)
def test_invalid_values_name_file_key_and_reason(cwd: Path, text: str, message: str) -> None:
    error = config_error(cwd, text)
    assert str(error).startswith(message)
    assert error.file == "vadesk.toml"
    assert str(error) == f"{error.file}: {error.key}: {error.reason}"


CATEGORIES_101 = ", ".join(f'c{n} = "I"' for n in range(101))
ROUTINE = 'schedule = "daily 10:00"\naudience = "vas"\nitems = ["x"]'


# One past each bound that test_settings_bounds.py drives the app at.
@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "[sla]\nfirst_response_minutes = 10081",
            "vadesk.toml: sla.first_response_minutes: must be at most 10,080 "
            "(7 days of working time), got 10081",
        ),
        ("[sla]\nfirst_response_minutes = 0", "sla.first_response_minutes: must be a positive"),
        (
            "[sla]\nclose_after_idle_minutes = 10081",
            "vadesk.toml: sla.close_after_idle_minutes: must be at most 10,080",
        ),
        ("[sla]\nclose_after_idle_minutes = 0", "sla.close_after_idle_minutes: must be a positive"),
        (
            "[sla]\nacknowledge_business_hours = 168.01",
            "vadesk.toml: sla.acknowledge_business_hours: must be a number of hours from 0.25 "
            "to 168 (7 days of working time), got 168.01",
        ),
        ("[sla]\nacknowledge_business_hours = 0.24", "sla.acknowledge_business_hours: must be"),
        (
            "[sla]\nmax_open_chats_per_va = 101",
            "vadesk.toml: sla.max_open_chats_per_va: must be at most 100 "
            "(open client chats one VA can hold), got 101",
        ),
        ("[sla]\nmax_open_chats_per_va = 0", "sla.max_open_chats_per_va: must be a positive"),
        (
            "[sla]\nnear_breach_ratio = 0.991",
            "vadesk.toml: sla.near_breach_ratio: must be a number from 0.01 to 0.99, got 0.991",
        ),
        ("[sla]\nnear_breach_ratio = 0.009", "sla.near_breach_ratio: must be a number from"),
        ("[kpi]\ncompletion_rate = 1.01", "kpi.completion_rate: must be a number from 0 to 1"),
        ("[kpi]\ncompletion_rate = -0.01", "kpi.completion_rate: must be a number from 0 to 1"),
        ("[kpi]\ncsat = 0.99", "vadesk.toml: kpi.csat: must be a number from 1 to 5, got 0.99"),
        (
            "[timers]\nmax_entry_hours = 24.01",
            "vadesk.toml: timers.max_entry_hours: must be a number of hours from 0.25 to 24",
        ),
        ("[timers]\nmax_entry_hours = 0.24", "timers.max_entry_hours: must be a number of hours"),
        ("[timers]\nnudge_after_hours = 24.5", "timers.nudge_after_hours: must be a number of"),
        ("[timers]\nnudge_after_hours = 0.2", "timers.nudge_after_hours: must be a number of"),
        (
            "[delegation]\nchase_after_business_hours = 168.5",
            "delegation.chase_after_business_hours: must be a number of hours from 0.25 to 168",
        ),
        (
            "[delegation]\nchase_after_business_hours = 0.2",
            "delegation.chase_after_business_hours: must be a number of hours from 0.25 to 168",
        ),
        (
            f"[delegation]\ncategories = {{ {CATEGORIES_101} }}",
            "vadesk.toml: delegation.categories: has 101 categories; /assign's menu holds at "
            "most 100",
        ),
        (
            '[templates.welcome]\ntext = "Due {due:%A}"',
            "vadesk.toml: templates.welcome.text: placeholder {due:%A} must be written {due}: "
            "it is filled with text as it is, without a format, conversion, attribute or index",
        ),
        ('[templates.welcome]\ntext = "{client!r}"', "placeholder {client!r} must be written"),
        ('[templates.welcome]\ntext = "{client.upper}"', "placeholder {client.upper} must be"),
        ('[templates.welcome]\ntext = "{task[0]}"', "placeholder {task[0]} must be written"),
        ('[templates.welcome]\ntext = "{va:>{due}}"', "placeholder {va:>{due}} must be written"),
        (
            f'[templates.welcome]\ntext = "{"x" * 3001}"',
            "vadesk.toml: templates.welcome.text: has 3,001 characters; a post holds at most 3,000",
        ),
        (
            f'[templates.{"t" * 65}]\ntext = "Hi"',
            f"vadesk.toml: templates.{'t' * 65}: a name must be at most 64 characters",
        ),
        (
            f"[routines.{'r' * 65}]\n{ROUTINE}",
            f"vadesk.toml: routines.{'r' * 65}: a name must be at most 64 characters",
        ),
        (
            f'[routines.morning]\ntitle = "{"T" * 151}"',
            "vadesk.toml: routines.morning.title: has 151 characters; at most 150 "
            "(a message header)",
        ),
        (
            '[routines.x]\nschedule = "sat,sun 10:00"\naudience = "vas"\nitems = ["x"]',
            "vadesk.toml: routines.x.schedule: 'sat,sun 10:00' falls on no business day "
            "([workspace] business_days: mon, tue, wed, thu, fri), so it would never run; "
            "schedule it on a business day",
        ),
        ('[reports]\nweekly = "sun 15:00"', "vadesk.toml: reports.weekly: 'sun 15:00' falls on"),
        (
            '[workspace]\nbusiness_days = ["sat", "sun"]',
            "vadesk.toml: reports.weekly: 'fri 15:00' falls on no business day",
        ),
        (
            f'[roles]\nvas = ["U{"A" * 32}"]',
            f"vadesk.toml: roles.vas: 'U{'A' * 32}' is not a Slack user id (they look like "
            "U0123ABCD, at most 32 characters)",
        ),
        (
            f'[channels]\ndigest = "C{"B" * 32}"',
            f"vadesk.toml: channels.digest: 'C{'B' * 32}' is not a Slack channel id",
        ),
        (
            f'[clients.{"k" * 65}]\nname = "K"',
            f"vadesk.toml: clients.{'k' * 65}: a client key must be at most 64 characters",
        ),
        (
            f'[clients.acme]\nname = "{"N" * 201}"',
            "vadesk.toml: clients.acme.name: has 201 characters; at most 200 (what VA Desk stores)",
        ),
        (
            '[clients.acme]\nname = "Acme"\n[billing]\nrates = { acme = 100000.5 }',
            "vadesk.toml: billing.rates.acme: must be an hourly rate from 0 to 100,000, "
            "got 100000.5",
        ),
    ],
)
def test_one_past_each_bound_is_refused(cwd: Path, text: str, message: str) -> None:
    error = config_error(cwd, text)
    assert message in str(error)
    assert str(error).startswith(f"vadesk.toml: {error.key}: ")
    assert "\n" not in str(error)


def test_unknown_key_in_a_section(cwd: Path) -> None:
    error = config_error(cwd, "[sla]\nfirst_response_minute = 10")
    assert error.key == "sla.first_response_minute"
    assert str(error) == (
        "vadesk.toml: sla.first_response_minute: unknown key "
        "(did you mean 'first_response_minutes'?)"
    )


def test_unknown_key_in_a_client(cwd: Path) -> None:
    error = config_error(cwd, '[clients.acme]\nname = "Acme"\ncolour = "red"')
    assert error.key == "clients.acme.colour"
    assert error.reason.startswith("unknown key")


def test_unknown_section(cwd: Path) -> None:
    error = config_error(cwd, "[zebra]\nstripes = 3")
    assert error.key == "zebra"
    assert error.reason.startswith("unknown section; expected one of workspace, roles")
    assert config_error(cwd, "[workspac]").reason == "unknown section (did you mean 'workspace'?)"


def test_syntax_error_names_the_line(cwd: Path) -> None:
    error = config_error(cwd, '[sla]\nfirst_response_minutes = 15\ncsat = "unterminated\n')
    assert error.key == "<syntax>"
    assert str(error).startswith("vadesk.toml: <syntax>: ")
    assert "line 3" in error.reason


def test_vadesk_config_points_at_a_file(cwd: Path) -> None:
    path = write_config(cwd, "[sla]\nfirst_response_minutes = 20", name="custom.toml")
    settings = load({"VADESK_CONFIG": str(path)})
    assert settings.config_path == path
    assert settings.sla.first_response_minutes == 20


def test_vadesk_config_missing_file(cwd: Path) -> None:
    write_config(cwd, "")  # a default file must not be used instead
    with pytest.raises(ConfigError) as caught:
        load({"VADESK_CONFIG": "missing.toml"})
    assert caught.value.key == "VADESK_CONFIG"
    assert "'missing.toml' does not exist" in str(caught.value)


def test_errors_name_the_file_given_by_vadesk_config(cwd: Path) -> None:
    write_config(cwd, '[workspace]\ntimezone = "Mars/Base"', name="prod.toml")
    with pytest.raises(ConfigError) as caught:
        load({"VADESK_CONFIG": "prod.toml"})
    assert str(caught.value) == "prod.toml: workspace.timezone: unknown time zone 'Mars/Base'"


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        (
            "SLACK_API_URL",
            "notaurl",
            "environment: SLACK_API_URL: must be an http:// or https:// URL such as "
            "https://slack.com/api/, got 'notaurl'",
        ),
        ("SLACK_API_URL", "ftp://slack.com/api/", "environment: SLACK_API_URL: must be an"),
        ("SLACK_API_URL", "http://[::1/api", "environment: SLACK_API_URL: must be an"),
        (
            "VADESK_NOW",
            "tomorrow",
            "environment: VADESK_NOW: must be an ISO 8601 instant such as "
            "2026-11-30T14:00:00Z, got 'tomorrow'",
        ),
        (
            "VADESK_NOW",
            "9999-12-31T23:59:59Z",
            "environment: VADESK_NOW: must be in the years 2000 to 2999, "
            "got '9999-12-31T23:59:59Z'",
        ),
        ("VADESK_NOW", "1999-12-31T23:59:59Z", "environment: VADESK_NOW: must be in the years"),
    ],
)
def test_environment_values_that_cannot_work_are_refused(
    cwd: Path, variable: str, value: str, message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load({variable: value})
    assert str(caught.value) == message or str(caught.value).startswith(message)
    assert caught.value.key == variable


def test_environment_values_at_their_bounds_load(cwd: Path) -> None:
    for now in ("2000-01-01T00:00:00Z", "2999-12-31T23:59:59+00:00", "2026-11-30T09:00:00"):
        load({"VADESK_NOW": now})
    assert load({"SLACK_API_URL": "http://127.0.0.1:8080"}).slack_api_url == (
        "http://127.0.0.1:8080/"
    )


def test_invalid_log_level(cwd: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load({"LOG_LEVEL": "LOUD"})
    assert caught.value.key == "LOG_LEVEL"
    assert "'LOUD'" in caught.value.reason


def test_dotenv_is_read_without_overriding_the_environment(cwd: Path) -> None:
    (cwd / ".env").write_text(
        "SLACK_BOT_TOKEN=xoxb-from-dotenv\nDATABASE_URL=sqlite:///dotenv.db\n", encoding="utf-8"
    )
    environ = {"SLACK_BOT_TOKEN": "xoxb-real"}
    settings = load_settings(environ)
    assert settings.bot_token == "xoxb-real"
    assert settings.database_url == "sqlite:///dotenv.db"
    assert environ == {"SLACK_BOT_TOKEN": "xoxb-real"}
    assert os.environ.get("DATABASE_URL") != "sqlite:///dotenv.db"

    assert load_settings(environ, load_dotenv_file=False).database_url == "sqlite:///vadesk.db"


def test_dotenv_with_the_process_environment(cwd: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (cwd / ".env").write_text(
        "SLACK_BOT_TOKEN=xoxb-from-dotenv\nLOG_LEVEL=warning\n", encoding="utf-8"
    )
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-real")
    monkeypatch.delenv("LOG_LEVEL", raising=False)
    settings = load_settings()
    assert settings.bot_token == "xoxb-real"
    assert settings.log_level == "WARNING"
    assert os.environ["SLACK_BOT_TOKEN"] == "xoxb-real"


def test_dotenv_log_level_error_names_dotenv(cwd: Path) -> None:
    (cwd / ".env").write_text("LOG_LEVEL=chatty\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings({})
    assert str(caught.value).startswith(".env: LOG_LEVEL: ")


@pytest.mark.parametrize(
    ("variable", "expected"),
    [
        (
            "SLACK_BOT_TOKEN",
            "SLACK_BOT_TOKEN is not set: use the Bot User OAuth Token (xoxb-...) from your "
            "app's OAuth & Permissions page at https://api.slack.com/apps",
        ),
        ("SLACK_APP_TOKEN", "SLACK_APP_TOKEN is not set: create an App-Level Token (xapp-...)"),
        ("SLACK_SIGNING_SECRET", "SLACK_SIGNING_SECRET is not set: copy the Signing Secret"),
    ],
)
def test_missing_credentials(variable: str, expected: str) -> None:
    with pytest.raises(MissingCredential) as caught:
        Settings().require(variable)
    assert caught.value.variable == variable
    assert str(caught.value).startswith(expected)
    assert "\n" not in str(caught.value)


def test_require_reports_the_first_missing_credential() -> None:
    settings = Settings(bot_token="xoxb-1")
    settings.require("SLACK_BOT_TOKEN")
    with pytest.raises(MissingCredential) as caught:
        settings.require("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET")
    assert caught.value.variable == "SLACK_APP_TOKEN"


def test_require_refuses_wrong_token_kinds() -> None:
    with pytest.raises(MissingCredential) as caught:
        Settings(bot_token="xoxp-user-token").require("SLACK_BOT_TOKEN")
    message = str(caught.value)
    assert message.startswith("SLACK_BOT_TOKEN is not a bot token (xoxb-...; it starts with xoxp-)")
    assert "user-token" not in message

    with pytest.raises(MissingCredential) as caught:
        Settings(app_token="xoxb-1").require("SLACK_APP_TOKEN")
    assert str(caught.value).startswith("SLACK_APP_TOKEN is not an app-level token")

    Settings(signing_secret="abc123").require("SLACK_SIGNING_SECRET")


def _toml_as_json(text: str) -> object:
    """What an editor's TOML extension hands a JSON Schema: dates become strings."""
    import json
    import tomllib

    return json.loads(json.dumps(tomllib.loads(text), default=str))


def test_the_schema_accepts_the_full_file_and_flags_what_the_loader_refuses(cwd: Path) -> None:
    import json

    import jsonschema

    from tests.vadesk_process import run_vadesk, vadesk_env

    write_config(cwd, "[sla]\nfirst_response_minute = 10")  # broken: the schema still prints
    result = run_vadesk("config", "schema", env=vadesk_env(), cwd=cwd)
    assert result.returncode == 0, result.stderr
    schema = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    assert list(validator.iter_errors(_toml_as_json(FULL_FILE))) == []
    for broken in (
        "[sla]\nfirst_response_minute = 10",
        '[workspace]\nbusiness_hours = "9-5"',
        '[users.U0VA1]\nphase = "IV"',
        '[roles]\nowners = ["bob"]',
        "[billing]\nrounding_minutes = 7",
    ):
        assert list(validator.iter_errors(_toml_as_json(broken))), broken


def test_config_show_prints_the_settings_in_effect_with_secrets_hidden(cwd: Path) -> None:
    import json

    from tests.vadesk_process import run_vadesk, vadesk_env

    write_config(cwd, FULL_FILE)
    env = vadesk_env(
        "postgresql+psycopg://vadesk:s3cret@db.example/vadesk",
        SLACK_BOT_TOKEN="xoxb-very-secret-token",
        SLACK_SIGNING_SECRET="signing-secret-value",
    )
    result = run_vadesk("config", "show", env=env, cwd=cwd)
    assert result.returncode == 0, result.stderr
    for secret in ("very-secret-token", "signing-secret-value", "s3cret"):
        assert secret not in result.stdout
    shown = json.loads(result.stdout)
    assert (
        shown["environment"]["DATABASE_URL"] == "postgresql+psycopg://vadesk:***@db.example/vadesk"
    )
    assert shown["environment"]["SLACK_APP_TOKEN"] is None
    assert shown["workspace"]["business_hours"] == "09:00-17:00"
    assert shown["workspace"]["holidays"] == ["2026-07-03", "2026-12-25"]
    assert shown["clients"]["acme"]["business_days"] == ["mon", "tue", "wed"]
    assert shown["users"]["U0VA1"] == {
        "working_hours": "21:00-23:30",
        "phase": "II",
        "timezone": "Asia/Manila",
    }
    assert shown["billing"]["rates"] == {"acme": 35.0, "globex": 42.5}
    assert shown["delegation"] == {
        "chase_after_business_hours": 2.0,
        "categories": {
            "clerical": "I",
            "administrative": "II",
            "calendar": "III",
            "sales pipeline": "III",
        },
    }
    # What `show` prints is itself a valid settings file's content.
    loaded = load_settings({}, load_dotenv_file=False)
    assert shown["sla"] == loaded.sla.model_dump(mode="json")


def test_settings_sections_are_frozen_and_refuse_unknown_keys() -> None:
    from pydantic import ValidationError

    from bot.settings.schema import SlaSettings

    sla = SlaSettings()
    with pytest.raises(ValidationError):
        sla.first_response_minutes = 5  # type: ignore[misc]
    with pytest.raises(ValidationError):
        SlaSettings(first_response_minute=5)  # type: ignore[call-arg]
    assert UserSettings(working_hours="08:00-16:00").working_hours == (time(8), time(16))
