"""The calendars in the morning checklists, posted by the scheduler: the owner's
`owner-morning` carries their day as /agenda shows it (their own midnights in New York,
the one appointment formatter), and a VA's `morning` lists the shared calendars' new
bookings since that VA's previous morning, each once, the feed's baseline never.
Stored copies are written as the refresh leaves them."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot import clock
from bot.services.agenda.feeds import shared_feed_key, user_feed_key
from bot.services.people import resolve_actor
from bot.services.tasks import NewTask, create_task
from store.db import session_scope
from store.models import CalendarBookingSeen, CalendarFeed, CalendarOccurrence
from tests.scheduling import NY_VA, OWNER, TEAM, Rig, schedule_settings

CALENDARS_TOML = """
[calendars.bookings]
url = "{folder}/bookings.ics"
title = "Client bookings"

[users.U0OWNER]
timezone = "America/New_York"
calendar = "{folder}/owner.ics"
"""
BOOKINGS = shared_feed_key("bookings")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def rig(tmp_path: Path, engine, database_url, fake_slack) -> Rig:
    fake_slack.add_user(OWNER, tz="America/New_York")
    fake_slack.add_user(NY_VA, tz="America/New_York")
    extra = CALENDARS_TOML.format(folder=tmp_path.as_posix())
    rig = Rig(schedule_settings(tmp_path, database_url, fake_slack, extra), engine, fake_slack)
    with session_scope(engine) as session:
        feeds = ((user_feed_key(OWNER), "Olivia's calendar"), (BOOKINGS, "Client bookings"))
        for key, title in feeds:
            session.add(
                CalendarFeed(
                    feed_key=key,
                    source_fingerprint="0" * 64,
                    title=title,
                    good_at=utc("2026-11-30T13:55:00"),
                    checked_at=utc("2026-11-30T13:55:00"),
                )
            )
    return rig


def _event(engine, key: str, summary: str, start: str, end: str, uid: str | None = None) -> None:
    with session_scope(engine) as session:
        session.add(
            CalendarOccurrence(
                feed_key=key,
                uid=uid or f"{summary}@test",
                start_at=utc(start),
                end_at=utc(end),
                summary=summary,
            )
        )


def _seen(engine, uid: str, at: str, baseline: bool = False) -> None:
    with session_scope(engine) as session:
        session.add(
            CalendarBookingSeen(
                feed_key=BOOKINGS, uid=uid, first_seen_at=utc(at), baseline=baseline
            )
        )


def _dm(rig: Rig, user_id: str) -> str:
    (post,) = [p for p in rig.posts(user_id)]
    return json.dumps(post.json("blocks"))


def _token(at: str, shown: str) -> str:
    return f"<!date^{int(utc(at).timestamp())}^{{time}}|{shown}>"


def test_the_owners_morning_carries_their_new_york_day(rig: Rig):
    key = user_feed_key(OWNER)
    _event(rig.engine, key, "Late Sunday call", "2026-11-30T03:00:00", "2026-11-30T04:00:00")
    _event(rig.engine, key, "Board <prep>", "2026-11-30T15:00:00", "2026-11-30T16:00:00")
    _event(rig.engine, key, "Investor dinner", "2026-12-01T01:00:00", "2026-12-01T03:00:00")
    _event(rig.engine, key, "Late call", "2026-12-01T04:30:00", "2026-12-01T04:50:00")
    _event(rig.engine, key, "Tuesday", "2026-12-01T05:00:00", "2026-12-01T06:00:00")
    clock.set_now("2026-11-29T12:00:00Z")
    with session_scope(rig.engine) as session:
        owner = resolve_actor(
            session, rig.settings, TEAM, OWNER, lambda _u: {"tz": "America/New_York"}
        )
        create_task(session, owner, NewTask("Sign the lease", due=date(2026, 11, 30)))
    assert rig.tick("2026-11-30T13:59:00Z", only="routine:owner-morning") == []
    outcomes = rig.tick("2026-11-30T14:05:00Z", only="routine:owner-morning")  # 09:05 NY
    assert [(o.outgoing.recipient, o.status) for o in outcomes] == [(OWNER, "posted")]
    blocks = _dm(rig, OWNER)
    assert '"Your day"' in blocks  # the checklist's header
    assert "*Your agenda* \\u2014 Mon 2026-11-30" in blocks
    assert "midnight to midnight in America/New_York" in blocks
    board = (
        f"{_token('2026-11-30T15:00:00', '10:00')}\\u2013{_token('2026-11-30T16:00:00', '11:00')}"
    )
    assert f"{board}  *Board &lt;prep&gt;*" in blocks
    assert "*Investor dinner*" in blocks and "*Late call*" in blocks  # 20:00, 23:30 in NY
    assert "Late Sunday call" not in blocks and "*Tuesday*" not in blocks  # not NY's Monday
    assert "Sign the lease" in blocks
    assert rig.posts(NY_VA) == []  # the owners' routine is the owners'


def test_a_vas_morning_lists_each_new_booking_once_and_never_the_baseline(rig: Rig):
    _event(rig.engine, BOOKINGS, "Old client", "2026-12-02T15:00:00", "2026-12-02T16:00:00")
    _seen(rig.engine, "Old client@test", "2026-11-01T10:00:00", baseline=True)
    _event(rig.engine, BOOKINGS, "Acme intro", "2026-12-03T15:00:00", "2026-12-03T15:30:00")
    _seen(rig.engine, "Acme intro@test", "2026-11-29T20:00:00")  # Sunday: since the day before
    _event(rig.engine, BOOKINGS, "Ancient", "2026-12-04T15:00:00", "2026-12-04T15:30:00")
    _seen(rig.engine, "Ancient@test", "2026-11-28T20:00:00")  # before the 24 h looked back
    rig.tick("2026-11-30T14:05:00Z", only="routine:morning")
    monday = _dm(rig, NY_VA)
    assert "*New bookings since the last morning* in the shared calendars:" in monday
    acme = _token("2026-12-03T15:00:00", "10:00").replace("{time}", "{date_short_pretty} {time}")
    acme = acme.replace("|10:00", "|Thu 2026-12-03 10:00")
    assert f"{acme}" in monday and "*Acme intro*" in monday and "_Client bookings_" in monday
    assert "Old client" not in monday and "Ancient" not in monday
    # Booked on Monday afternoon: Tuesday's morning lists it, and Acme no more.
    _event(rig.engine, BOOKINGS, "Beta demo", "2026-12-01T19:00:00", "2026-12-01T20:00:00")
    _seen(rig.engine, "Beta demo@test", "2026-11-30T18:00:00")
    rig.tick("2026-12-01T14:05:00Z", only="routine:morning")
    tuesday = [json.dumps(p.json("blocks")) for p in rig.posts(NY_VA)][-1]
    assert "*Beta demo*" in tuesday
    assert "Acme intro" not in tuesday and "Old client" not in tuesday
    # Wednesday: nothing new since Tuesday's morning.
    rig.tick("2026-12-02T14:05:00Z", only="routine:morning")
    wednesday = [json.dumps(p.json("blocks")) for p in rig.posts(NY_VA)][-1]
    assert "*New bookings since the last morning*: none." in wednesday


def test_without_shared_calendars_the_morning_has_no_bookings_part(
    tmp_path, engine, database_url, fake_slack
):
    fake_slack.add_user(NY_VA, tz="America/New_York")
    rig = Rig(schedule_settings(tmp_path, database_url, fake_slack), engine, fake_slack)
    rig.tick("2026-11-30T14:05:00Z", only="routine:morning")
    assert "New bookings" not in _dm(rig, NY_VA)
