"""The first-response clock of a client conversation: business minutes on the client's
schedule (its hours, days and time zone, else the workspace's; holidays skip), started
by the message's own ts, whenever it was sent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.services.chats import client_calendar
from bot.services.schedules import add_working_time, working_time_between
from bot.settings import load_settings

SETTINGS = """
[workspace]
timezone = "America/New_York"
business_hours = "09:00-17:00"
holidays = ["2026-12-25", "2027-01-01"]

[clients.acme]
name = "Acme"
channel = "C0ACME"

[clients.manila]
name = "Manila Co"
channel = "C0MANILA"
timezone = "Asia/Manila"
business_hours = "08:00-18:00"
business_days = ["mon", "tue", "wed", "thu", "fri", "sat"]
"""


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory):
    path: Path = tmp_path_factory.mktemp("clock") / "vadesk.toml"
    path.write_text(SETTINGS, encoding="utf-8")
    return load_settings({"VADESK_CONFIG": str(path)}, load_dotenv_file=False)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("client", "sent", "due"),
    [
        # New York (the workspace's schedule): inside hours, 15 minutes later.
        ("acme", "2026-11-30T15:00:00", "2026-11-30T15:15:00"),
        # Before opening (07:00): the clock starts at 09:00.
        ("acme", "2026-11-30T12:00:00", "2026-11-30T14:15:00"),
        # After closing (20:00): the next morning.
        ("acme", "2026-12-01T01:00:00", "2026-12-01T14:15:00"),
        # 16:55 on a Friday: 5 minutes then, 10 on Monday.
        ("acme", "2026-12-04T21:55:00", "2026-12-07T14:10:00"),
        # On Saturday: Monday at 09:15.
        ("acme", "2026-12-05T15:00:00", "2026-12-07T14:15:00"),
        # Christmas Eve 16:50, Christmas a holiday: the 26th and 27th a weekend: Monday 09:05.
        ("acme", "2026-12-24T21:50:00", "2026-12-28T14:05:00"),
        # DST starts on Sunday 14 March 2027: Friday 16:55 EST, due Monday 09:10 EDT.
        ("acme", "2027-03-12T21:55:00", "2027-03-15T13:10:00"),
        # Manila, 08:00-18:00 Monday to Saturday: Saturday is a working day there.
        ("manila", "2026-12-05T09:55:00", "2026-12-07T00:10:00"),
        # Manila 07:00 on a Monday: the clock starts at 08:00 local.
        ("manila", "2026-11-29T23:00:00", "2026-11-30T00:15:00"),
    ],
)
def test_first_response_due(settings, client, sent, due):
    calendar = client_calendar(settings, settings.client(client))
    at = utc(sent)
    target = add_working_time(calendar, at, timedelta(minutes=15))
    assert target == utc(due)
    assert working_time_between(calendar, at, target) == timedelta(minutes=15)


def test_time_outside_business_hours_does_not_count(settings):
    calendar = client_calendar(settings, settings.client("acme"))
    # Friday 16:00 to Monday 10:00 in New York: one hour on Friday, one on Monday.
    assert working_time_between(
        calendar, utc("2026-12-04T21:00:00"), utc("2026-12-07T15:00:00")
    ) == timedelta(hours=2)
    # Entirely on a weekend: nothing.
    assert working_time_between(
        calendar, utc("2026-12-05T15:00:00"), utc("2026-12-06T20:00:00")
    ) == timedelta(0)
