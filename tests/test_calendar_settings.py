"""`[calendars]`, `[calendars.<name>]` and a person's `calendar`, `remind` and `supports`:
each key read at its bounds, one past refused with the key and a sentence, the sources
VA Desk reads (https, webcal as https, http to this machine only, a file path), and an
address never shown with its secret (`vadesk config show`, errors)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.services.agenda.feeds import configured_feeds, feed_keys_for, shared_feed_keys
from bot.services.agenda.sources import fingerprint, normalise_source, redacted
from bot.settings import ConfigError, Settings, load_settings

GOOGLE = (
    "https://calendar.google.com/calendar/ical/olivia%40example.com/"
    "private-0123456789abcdef0123456789abcdef/basic.ics"
)
OUTLOOK = (
    "https://outlook.office365.com/owa/calendar/1f2e3d4c5b6a@example.com/"
    "9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7/calendar.ics"
)
CALENDLY = "https://calendly.com/api/calendar/ics/Z2lkOi8vY2FsZW5kbHk?token=s3cr3tvalue"


@pytest.fixture
def cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def load(cwd: Path, text: str) -> Settings:
    (cwd / "vadesk.toml").write_text(text, encoding="utf-8")
    return load_settings({}, load_dotenv_file=False)


def refusal(cwd: Path, text: str) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load(cwd, text)
    error = caught.value
    assert str(error) == f"vadesk.toml: {error.key}: {error.reason}"
    return error


def test_defaults_when_the_file_says_nothing(cwd: Path) -> None:
    settings = load(cwd, "")
    calendars = settings.calendars
    assert (calendars.refresh_minutes, calendars.remind_minutes) == (10, 0)
    assert (calendars.max_feed_megabytes, calendars.timeout_seconds) == (5, 10)
    assert calendars.shared == {}
    user = settings.user_settings("U0NOBODY")
    assert (user.calendar, user.remind, user.supports) == (None, False, ())
    assert feed_keys_for(settings, "U0NOBODY") == []


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        (
            "refresh_minutes = 1\nremind_minutes = 0\nmax_feed_megabytes = 1\ntimeout_seconds = 1",
            (1, 0, 1, 1),
        ),
        (
            "refresh_minutes = 1440\nremind_minutes = 1440\nmax_feed_megabytes = 100\n"
            "timeout_seconds = 120",
            (1440, 1440, 100, 120),
        ),
    ],
    ids=["lower", "upper"],
)
def test_every_key_at_its_bounds(cwd: Path, keys: str, expected: tuple) -> None:
    calendars = load(cwd, f"[calendars]\n{keys}\n").calendars
    found = (
        calendars.refresh_minutes,
        calendars.remind_minutes,
        calendars.max_feed_megabytes,
        calendars.timeout_seconds,
    )
    assert found == expected
    assert calendars.max_feed_bytes == expected[2] * 1024 * 1024


@pytest.mark.parametrize(
    ("text", "key", "reason"),
    [
        ("refresh_minutes = 0", "calendars.refresh_minutes", "must be a positive integer, got 0"),
        ("refresh_minutes = 1441", "calendars.refresh_minutes", "must be at most 1,440 (a day)"),
        ("remind_minutes = -1", "calendars.remind_minutes", "from 0 (off) to 1440, got -1"),
        ("remind_minutes = 1441", "calendars.remind_minutes", "from 0 (off) to 1440, got 1441"),
        ("remind_minutes = true", "calendars.remind_minutes", "got true"),
        ("max_feed_megabytes = 0", "calendars.max_feed_megabytes", "positive integer, got 0"),
        ("max_feed_megabytes = 101", "calendars.max_feed_megabytes", "at most 100"),
        ("timeout_seconds = 0", "calendars.timeout_seconds", "positive integer, got 0"),
        ("timeout_seconds = 121", "calendars.timeout_seconds", "at most 120 (two minutes)"),
        ("refresh_minute = 5", "calendars.refresh_minute", "did you mean 'refresh_minutes'?"),
    ],
)
def test_one_past_each_bound_is_refused(cwd: Path, text: str, key: str, reason: str) -> None:
    error = refusal(cwd, f"[calendars]\n{text}\n")
    assert error.key == key
    assert reason in error.reason


def test_shared_calendars_are_the_tables_of_the_section(cwd: Path) -> None:
    long_name = "b" * 64
    settings = load(
        cwd,
        "[calendars]\nrefresh_minutes = 5\n"
        '[calendars.bookings]\nurl = "webcal://calendly.example.com/x.ics"\n'
        f'title = "{"T" * 100}"\n'
        f'[calendars.{long_name}]\nurl = "bookings.ics"\n'
        '[calendars.shared]\nurl = "https://example.com/shared.ics"\n',
    )
    shared = settings.calendars.shared
    assert list(shared) == ["bookings", long_name, "shared"]
    assert shared["bookings"].url == "https://calendly.example.com/x.ics"  # webcal read as https
    assert shared[long_name].url == str(cwd / "bookings.ics")  # beside the settings file
    assert settings.calendars.title_of("bookings") == "T" * 100
    assert settings.calendars.title_of(long_name) == long_name
    assert shared_feed_keys(settings) == ["shared:bookings", f"shared:{long_name}", "shared:shared"]


@pytest.mark.parametrize(
    ("text", "key", "reason"),
    [
        (
            '[calendars.bookings]\nurl = "http://calendar.example.com/a.ics"',
            "calendars.bookings.url",
            "is plain http://; use the https:// address",
        ),
        (
            '[calendars.bookings]\nurl = "ftp://example.com/a.ics"',
            "calendars.bookings.url",
            "ftp:// is not read",
        ),
        ('[calendars.bookings]\nurl = ""', "calendars.bookings.url", "must be an https://"),
        ('[calendars.bookings]\nurl = "https:///a.ics"', "calendars.bookings.url", "names no host"),
        ("[calendars.bookings]\nurl = 5", "calendars.bookings.url", "must be a string, got 5"),
        ('[calendars.bookings]\ntitle = "B"', "calendars.bookings.url", "is required"),
        (
            '[calendars.bookings]\nurl = "a.ics"\ntitle = ""',
            "calendars.bookings.title",
            "must not be empty",
        ),
        (
            f'[calendars.bookings]\nurl = "a.ics"\ntitle = "{"T" * 101}"',
            "calendars.bookings.title",
            "has 101 characters; at most 100",
        ),
        (
            '[calendars.bookings]\nurl = "a.ics"\nurls = "a.ics"',
            "calendars.bookings.urls",
            "did you mean 'url'?",
        ),
        (
            f'[calendars.{"b" * 65}]\nurl = "a.ics"',
            f"calendars.{'b' * 65}",
            "at most 64 characters",
        ),
        (
            '[calendars.Bookings]\nurl = "a.ics"',
            "calendars.Bookings",
            "lowercase letters, digits or '-'",
        ),
        (
            f'[calendars.bookings]\nurl = "https://example.com/{"a" * 2000}"',
            "calendars.bookings.url",
            "at most 2,000",
        ),
        (
            '[users.U0VA1]\ncalendar = "http://example.com/x.ics"',
            "users.U0VA1.calendar",
            "plain http://",
        ),
        ('[users.U0VA1]\nremind = "yes"', "users.U0VA1.remind", "valid boolean"),
        ('[users.U0VA1]\nsupports = ["someone"]', "users.U0VA1.supports", "is not a Slack user id"),
    ],
)
def test_bad_calendars_are_refused(cwd: Path, text: str, key: str, reason: str) -> None:
    error = refusal(cwd, text + "\n")
    assert error.key == key
    assert reason in error.reason


def test_the_secret_never_shows_in_a_refusal(cwd: Path) -> None:
    error = refusal(
        cwd, '[users.U0VA1]\ncalendar = "http://cal.example.com/private-s3cr3t/basic.ics"\n'
    )
    assert "s3cr3t" not in str(error)
    assert "http://cal.example.com/…/basic.ics" in str(error)


def test_a_persons_calendar_remind_and_supports(cwd: Path) -> None:
    long_id = "U" + "A" * 31
    settings = load(
        cwd,
        f'[users.U0OWNER]\ncalendar = "{GOOGLE}"\nremind = true\n'
        f'[users.U0VA1]\nphase = "III"\nsupports = ["U0OWNER", "{long_id}", "U0OWNER"]\n'
        '[users.U0LOCAL]\ncalendar = "http://127.0.0.1:8123/me.ics"\n'
        '[users.U0LOCAL6]\ncalendar = "http://[::1]/me.ics"\n'
        '[users.U0FILE]\ncalendar = "/srv/calendars/me.ics"\n',
    )
    owner = settings.user_settings("U0OWNER")
    assert owner.calendar == GOOGLE and owner.remind is True
    assert settings.user_settings("U0VA1").supports == ("U0OWNER", long_id)
    assert settings.user_settings("U0FILE").calendar == "/srv/calendars/me.ics"
    assert feed_keys_for(settings, "U0OWNER") == ["user:U0OWNER"]
    assert feed_keys_for(settings, "U0VA1") == []
    feeds = configured_feeds(settings, {"U0OWNER": "Olivia"})
    assert [(f.key, f.title) for f in feeds][:2] == [
        ("user:U0OWNER", "Olivia's calendar"),
        ("user:U0LOCAL", "U0LOCAL's calendar"),
    ]


def test_config_show_redacts_every_address(cwd: Path) -> None:
    settings = load(
        cwd,
        f'[users.U0OWNER]\ncalendar = "{GOOGLE}"\n'
        f'[calendars]\nremind_minutes = 15\n[calendars.bookings]\nurl = "{CALENDLY}"\n'
        f'title = "Bookings"\n[calendars.team]\nurl = "{OUTLOOK}"\n',
    )
    shown = settings.for_display()
    assert shown["calendars"] == {
        "refresh_minutes": 10,
        "remind_minutes": 15,
        "max_feed_megabytes": 5,
        "timeout_seconds": 10,
        "bookings": {"url": "https://calendly.com/…?…", "title": "Bookings"},
        "team": {"url": "https://outlook.office365.com/…/calendar.ics"},
    }
    assert shown["users"]["U0OWNER"]["calendar"] == "https://calendar.google.com/…/basic.ics"
    text = repr(shown) + repr(settings)  # nor in the settings' repr, should one be logged
    for secret in ("private-0123", "9a8b7c6d", "s3cr3t", "olivia%40", "Z2lkOi8v"):
        assert secret not in text


@pytest.mark.parametrize(
    ("source", "shown"),
    [
        (GOOGLE, "https://calendar.google.com/…/basic.ics"),
        (OUTLOOK, "https://outlook.office365.com/…/calendar.ics"),
        (CALENDLY, "https://calendly.com/…?…"),
        ("https://user:pass@example.com:8443/a.ics#x", "https://example.com:8443/a.ics?…"),
        ("https://example.com/0123456789abcdef0123456789.ics", "https://example.com/…"),
        ("https://example.com", "https://example.com"),
        ("/srv/cal/me.ics", "/srv/cal/me.ics"),
    ],
)
def test_redacted_keeps_no_token(source: str, shown: str) -> None:
    assert redacted(source) == shown


def test_sources_as_read() -> None:
    assert normalise_source(" webcal://example.com/a.ics ") == "https://example.com/a.ics"
    assert normalise_source("WEBCAL://example.com/a.ics") == "https://example.com/a.ics"
    assert normalise_source("http://localhost:9/a.ics") == "http://localhost:9/a.ics"
    assert normalise_source("cal/a.ics", Path("/etc/vadesk")) == "/etc/vadesk/cal/a.ics"
    assert fingerprint("a") != fingerprint("b") and len(fingerprint("a")) == 64
