"""Routines posted by the scheduler: each person at the start of their own working day,
once however many processes tick, caught up once after downtime, never on a day off or
while out of office."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

import pytest

from bot import clock
from bot.services.calendars import set_away
from bot.services.people import resolve_actor
from store.db import session_scope
from store.models import Delivery
from tests.scheduling import MANILA_VA, NY_VA, OWNER, TEAM, Rig, posted_to, schedule_settings


@pytest.fixture
def rig(tmp_path: Path, engine, database_url, fake_slack) -> Rig:
    fake_slack.add_user(NY_VA, tz="America/New_York")
    fake_slack.add_user(MANILA_VA, tz="Asia/Manila")
    return Rig(schedule_settings(tmp_path, database_url, fake_slack), engine, fake_slack)


def test_each_va_gets_the_morning_routine_at_the_start_of_their_own_day(rig: Rig):
    # Monday 2026-11-30, 09:05 in Manila (01:05 UTC): only the Manila VA's day has begun.
    outcomes = rig.tick("2026-11-30T01:05:00Z", only="routine:morning")
    assert posted_to(outcomes) == [("routine:morning", MANILA_VA)]
    (post,) = rig.posts()
    assert post.params["channel"] == MANILA_VA
    assert "Morning routine: 0 of 4 done" in post.params["text"]
    # 09:05 in New York (14:05 UTC): the New York VA's turn; Manila's is not sent again.
    outcomes = rig.tick("2026-11-30T14:05:00Z", only="routine:morning")
    assert posted_to(outcomes) == [("routine:morning", NY_VA)]
    assert [p.params["channel"] for p in rig.posts()] == [MANILA_VA, NY_VA]


def test_a_dst_change_moves_the_utc_time_not_the_local_one(rig: Rig):
    # Friday 2026-10-30 09:00 EDT is 13:00 UTC; Monday 2026-11-02 09:00 EST is 14:00 UTC.
    assert posted_to(rig.tick("2026-10-30T13:01:00Z", only="routine:morning")) == [
        ("routine:morning", NY_VA)
    ]
    assert rig.tick("2026-11-02T13:30:00Z", only="routine:morning") == []  # 08:30 EST
    assert posted_to(rig.tick("2026-11-02T14:01:00Z", only="routine:morning")) == [
        ("routine:morning", NY_VA)
    ]


def test_nothing_on_a_holiday_or_a_weekend(rig: Rig):
    assert rig.tick("2026-12-25T15:00:00Z") == []  # Christmas, a Friday: a workspace holiday
    assert rig.tick("2026-12-26T15:00:00Z") == []  # Saturday in New York and Manila
    assert rig.posts() == []


def test_nobody_is_sent_a_routine_while_out_of_office(rig: Rig):
    clock.set_now("2026-11-27T20:00:00Z")
    with session_scope(rig.engine) as session:
        actor = resolve_actor(
            session, rig.settings, TEAM, NY_VA, lambda _u: {"tz": "America/New_York"}
        )
        set_away(session, actor, date(2026, 11, 30))
    assert rig.tick("2026-11-30T14:05:00Z", only="routine:morning") == []
    # Back on Tuesday.
    assert posted_to(rig.tick("2026-12-01T14:05:00Z", only="routine:morning")) == [
        ("routine:morning", NY_VA)
    ]


def test_downtime_is_caught_up_once_with_the_latest_slot_only(rig: Rig):
    # Down from before 09:00 to 11:40 New York time on Monday 2026-11-30 (16:40 UTC).
    outcomes = rig.tick("2026-11-30T16:40:00Z")
    ny = [o.outgoing.job for o in outcomes if o.outgoing.recipient == NY_VA]
    # The morning routine and the Monday audit (10:00) once each, and the 11:00 hourly
    # check only (not 10:00's as well).
    assert sorted(ny) == ["routine:hourly", "routine:monday-audit", "routine:morning"]
    (hourly,) = [
        o for o in outcomes if o.outgoing.job == "routine:hourly" and o.outgoing.recipient == NY_VA
    ]
    assert hourly.outgoing.slot.isoformat() == "2026-11-30T16:00:00+00:00"
    # Manila's working day ended at 17:00 local (09:00 UTC): nothing of it is useful now.
    assert [o for o in outcomes if o.outgoing.recipient == MANILA_VA] == []
    # A second start a minute later sends nothing again.
    again = rig.tick("2026-11-30T16:41:00Z")
    assert {o.status for o in again} == {"already posted"}
    assert len(rig.posts(NY_VA)) == 3
    # The owner (in the workspace's zone) had their morning's agenda once, too.
    assert posted_to(outcomes) == sorted(
        [*((job, NY_VA) for job in ny), ("routine:owner-morning", OWNER)]
    )


def test_two_schedulers_ticking_at_once_post_each_slot_once(rig: Rig):
    clock.set_now("2026-11-30T14:05:00Z")
    barrier = threading.Barrier(4)
    results = []

    def tick() -> None:
        scheduler, notifier = rig.scheduler(), rig.notifier()
        barrier.wait()
        results.append(scheduler.run_due(notifier, clock.now(), only="routine:morning"))

    threads = [threading.Thread(target=tick) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    posted = [o for outcomes in results for o in outcomes if o.status == "posted"]
    assert [o.outgoing.recipient for o in posted] == [NY_VA]
    assert [p.params["channel"] for p in rig.posts()] == [NY_VA]
    assert len(rig.deliveries()) == 1


def test_a_claimed_message_whose_post_was_not_confirmed_is_never_posted_again(rig: Rig):
    """At most once: a crash between the claim and Slack's answer leaves a claim without
    a ts; the next run leaves it alone rather than risk a second copy."""
    clock.set_now("2026-11-30T14:05:00Z")
    scheduler = rig.scheduler()
    scheduler.refresh_people(TEAM)  # learn that the Manila VA's day is over
    (outgoing,) = scheduler.due_messages(clock.now(), only="routine:morning")
    with session_scope(rig.engine) as session:
        session.add(
            Delivery(
                team_id=TEAM,
                job=outgoing.job,
                slot=outgoing.slot,
                recipient=outgoing.recipient,
                claimed_at=clock.now(),
            )
        )
    outcomes = scheduler.run_due(rig.notifier(), clock.now(), only="routine:morning")
    assert [o.status for o in outcomes] == ["already posted"]
    assert rig.posts() == []


def test_people_are_looked_up_a_few_a_tick_and_a_failure_stops_the_asking(rig: Rig):
    from bot.scheduling.scheduler import PROFILES_PER_TICK

    clock.set_now("2026-11-30T12:00:00Z")
    scheduler = rig.scheduler()
    rig.fake.fail_next("users.info", error="user_not_found")
    scheduler.refresh_people(TEAM)
    assert len(rig.fake.calls("users.info")) == 1  # the first refusal ends this tick's asking
    scheduler.refresh_people(TEAM)
    asked = [c.params["user"] for c in rig.fake.calls("users.info")]
    # The one Slack refused waits an hour; the roster's other three are learned now.
    assert len(asked) == 4 and asked[0] not in asked[1:]
    assert len(set(asked)) == 4 <= PROFILES_PER_TICK
    scheduler.refresh_people(TEAM)
    assert len(rig.fake.calls("users.info")) == 4  # nothing stale but the one on hold


def test_someone_whose_time_zone_is_not_known_yet_waits_and_gets_one_morning(rig: Rig, monkeypatch):
    # The workspace keeps New York's time; U0VA2 works from Chicago, an hour behind. At
    # 10:30 in New York both mornings have begun. Learned one person a tick, U0VA2 waits
    # for their own zone: sent in the workspace's first, their morning would come twice.
    rig.fake.add_user(MANILA_VA, tz="America/Chicago")
    monkeypatch.setattr("bot.scheduling.scheduler.PROFILES_PER_TICK", 1)
    clock.set_now("2026-11-30T15:30:00Z")
    scheduler, notifier = rig.scheduler(), rig.notifier()
    for _ in range(6):  # the roster's four people, one a tick, and two more ticks
        scheduler.run_due(notifier, clock.now(), only="routine:morning")
    assert sorted(c.params["channel"] for c in rig.posts()) == [NY_VA, MANILA_VA]
    slots = {d.recipient: d.slot.isoformat() for d in rig.deliveries()}
    assert slots[MANILA_VA] == "2026-11-30T15:00:00+00:00"  # 09:00 in Chicago
    assert slots[NY_VA] == "2026-11-30T14:00:00+00:00"
