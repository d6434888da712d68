"""Reminders before appointments, under the scheduler's clock: a DM [calendars]
remind_minutes before each timed appointment of a person with `remind = true`, once
however many ticks and processes claim it, none for all-day events or after the start,
a moved occurrence reminded at its new start and not the old, a cancelled one (no longer
stored) not at all, nobody reminded who did not ask. Occurrences are stored as the
refresh leaves them. Monday 2026-11-30: 09:00 in New York is 14:00 UTC."""

from __future__ import annotations

import subprocess
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from bot import clock
from bot.services.agenda.feeds import user_feed_key
from store.db import session_scope
from store.models import CalendarFeed, CalendarOccurrence, Delivery
from tests.scheduling import NY_VA, OWNER, Rig, posted_to, schedule_settings
from tests.vadesk_process import vadesk_argv, vadesk_env

JOB = "appointment-reminders"
REMIND_TOML = """
[calendars]
remind_minutes = {minutes}

[users.U0OWNER]
timezone = "America/New_York"
calendar = "{folder}/owner.ics"
remind = true

[users.U0VA1]
timezone = "America/New_York"
calendar = "{folder}/va.ics"
"""


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def remind_toml(folder: Path, minutes: int = 15) -> str:
    return REMIND_TOML.format(minutes=minutes, folder=folder.as_posix())


@pytest.fixture
def rig(tmp_path: Path, engine, database_url, fake_slack) -> Rig:
    fake_slack.add_user(OWNER, tz="America/New_York")
    fake_slack.add_user(NY_VA, tz="America/New_York")
    settings = schedule_settings(tmp_path, database_url, fake_slack, remind_toml(tmp_path))
    rig = Rig(settings, engine, fake_slack)
    for user_id in (OWNER, NY_VA):
        _feed(engine, user_id)
    return rig


def _feed(engine, user_id: str) -> None:
    with session_scope(engine) as session:
        session.add(
            CalendarFeed(
                feed_key=user_feed_key(user_id),
                source_fingerprint="0" * 64,
                title="Olivia's calendar" if user_id == OWNER else "Vic's calendar",
                good_at=utc("2026-11-30T12:00:00"),
                checked_at=utc("2026-11-30T12:00:00"),
            )
        )


def _event(
    engine, user_id: str, summary: str, start: str, end: str, uid: str, recurrence_id: str = ""
) -> None:
    with session_scope(engine) as session:
        session.add(
            CalendarOccurrence(
                feed_key=user_feed_key(user_id),
                uid=uid,
                recurrence_id=recurrence_id,
                start_at=utc(start),
                end_at=utc(end),
                summary=summary,
                location="Room <2>",
            )
        )


def _all_day(engine, user_id: str, summary: str, day: date) -> None:
    with session_scope(engine) as session:
        session.add(
            CalendarOccurrence(
                feed_key=user_feed_key(user_id),
                uid=f"{summary}@test",
                start_at=datetime.combine(day, datetime.min.time(), UTC),
                end_at=datetime.combine(day + timedelta(days=1), datetime.min.time(), UTC),
                all_day=True,
                first_day=day,
                last_day=day,
                summary=summary,
            )
        )


def _move(engine, uid: str, recurrence_id: str, start: str, end: str) -> None:
    """What a refresh does when the organiser moves one occurrence."""
    with session_scope(engine) as session:
        row = session.exec(
            select(CalendarOccurrence).where(
                CalendarOccurrence.uid == uid, CalendarOccurrence.recurrence_id == recurrence_id
            )
        ).one()
        row.start_at, row.end_at = utc(start), utc(end)
        session.add(row)


def _cancel(engine, uid: str) -> None:
    """A cancelled occurrence is dropped from the stored copy."""
    with session_scope(engine) as session:
        for row in session.exec(select(CalendarOccurrence).where(CalendarOccurrence.uid == uid)):
            session.delete(row)


def _texts(rig: Rig) -> list[str]:
    return [p.params["text"] for p in rig.posts()]


def test_a_reminder_goes_once_remind_minutes_before_across_ticks(rig: Rig):
    _event(rig.engine, OWNER, "Dentist & co", "2026-11-30T16:00:00", "2026-11-30T16:30:00", "d1")
    assert posted_to(rig.tick("2026-11-30T15:44:30Z", only=JOB)) == []  # 15:30 local: early
    outcomes = rig.tick("2026-11-30T15:45:10Z", only=JOB)
    assert [(o.outgoing.recipient, o.status) for o in outcomes] == [(OWNER, "posted")]
    assert rig.tick("2026-11-30T15:45:40Z", only=JOB)[0].status == "already posted"
    (post,) = rig.posts()
    assert post.params["channel"] == OWNER
    text = post.params["text"]
    start, end = (int(utc(f"2026-11-30T{t}:00").timestamp()) for t in ("16:00", "16:30"))
    when = f"<!date^{start}^{{time}}|11:00>–<!date^{end}^{{time}}|11:30>"
    assert text.startswith(f":alarm_clock: In 15 minutes: {when}  *Dentist")
    assert "*Dentist &amp; co* · Room &lt;2&gt; · _Olivia's calendar_" in text
    (delivery,) = rig.deliveries()
    assert delivery.job.startswith(f"{JOB}:") and len(delivery.job) <= 80
    assert delivery.slot == utc("2026-11-30T16:00:00")  # the occurrence's start


def test_two_schedulers_at_once_claim_each_reminder_once(rig: Rig):
    _event(rig.engine, OWNER, "Call", "2026-11-30T16:00:00", "2026-11-30T16:30:00", "c1")
    _event(rig.engine, OWNER, "Lunch", "2026-11-30T16:05:00", "2026-11-30T17:00:00", "l1")
    clock.set_now("2026-11-30T15:50:30Z")
    barrier = threading.Barrier(3)
    results = []

    def tick() -> None:
        scheduler, notifier = rig.scheduler(), rig.notifier()
        barrier.wait()
        results.append(scheduler.run_due(notifier, clock.now(), only=JOB))

    threads = [threading.Thread(target=tick) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    posted = [o for outcomes in results for o in outcomes if o.status == "posted"]
    assert len(posted) == 2  # two appointments of one person: two reminders, each once
    assert sorted(t.split("*")[1] for t in _texts(rig)) == ["Call", "Lunch"]
    assert len(rig.deliveries()) == 2


@pytest.mark.real_clock
def test_two_vadesk_job_processes_send_one_reminder(tmp_path, rig: Rig, database_url, fake_slack):
    _event(rig.engine, OWNER, "Board", "2026-11-30T16:00:00", "2026-11-30T17:00:00", "b1")
    config = tmp_path / "vadesk.toml"
    config.write_text((tmp_path / "schedule.toml").read_text(encoding="utf-8"), encoding="utf-8")
    env = vadesk_env(
        database_url,
        SLACK_API_URL=fake_slack.base_url,
        SLACK_BOT_TOKEN="xoxb-test-token",
        VADESK_CONFIG=str(config),
    )
    argv = vadesk_argv("job", JOB, "--now", "2026-11-30T15:46:00Z")
    processes = [
        subprocess.Popen(
            argv, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outputs = [process.communicate(timeout=60) for process in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    posts = [c for c in fake_slack.calls("chat.postMessage") if c.status == 200]
    assert [p.params["channel"] for p in posts] == [OWNER]
    assert "*Board*" in posts[0].params["text"]


def test_no_reminder_for_an_all_day_event_or_for_people_without_remind(rig: Rig):
    _all_day(rig.engine, OWNER, "Conference", date(2026, 12, 1))
    _event(rig.engine, NY_VA, "VA's call", "2026-11-30T16:00:00", "2026-11-30T16:30:00", "v1")
    for at in ("2026-11-30T15:45:30Z", "2026-11-30T23:50:00Z", "2026-12-01T04:46:00Z"):
        assert rig.tick(at, only=JOB) == []
    assert rig.posts() == []


def test_after_downtime_a_reminder_whose_appointment_began_is_not_sent(rig: Rig):
    _event(rig.engine, OWNER, "Started", "2026-11-30T16:00:00", "2026-11-30T17:00:00", "s1")
    _event(rig.engine, OWNER, "Soon", "2026-11-30T16:20:00", "2026-11-30T17:00:00", "s2")
    outcomes = rig.tick("2026-11-30T16:10:00Z", only=JOB)  # back up at 11:10 local
    assert [o.status for o in outcomes] == ["posted"]
    (text,) = _texts(rig)
    assert "*Soon*" in text and text.startswith(":alarm_clock: In 10 minutes:")


def test_a_moved_occurrence_is_reminded_at_its_new_time_and_not_the_old(rig: Rig):
    series = "weekly@test"
    original = "2026-11-30T16:00:00+00:00"
    _event(rig.engine, OWNER, "Standup", "2026-11-30T16:00:00", "2026-11-30T16:15:00", series)
    _move(rig.engine, series, "", "2026-11-30T18:00:00", "2026-11-30T18:15:00")
    with session_scope(rig.engine) as session:
        row = session.exec(select(CalendarOccurrence)).one()
        row.recurrence_id = original
        session.add(row)
    assert rig.tick("2026-11-30T15:45:30Z", only=JOB) == []  # the old time: nothing
    outcomes = rig.tick("2026-11-30T17:45:30Z", only=JOB)
    assert [o.status for o in outcomes] == ["posted"]
    # Moved again, after its reminder: the new start is a new slot, reminded once more.
    _move(rig.engine, series, original, "2026-11-30T19:00:00", "2026-11-30T19:15:00")
    assert rig.tick("2026-11-30T17:50:00Z", only=JOB) == []
    assert [o.status for o in rig.tick("2026-11-30T18:45:30Z", only=JOB)] == ["posted"]
    slots = sorted(d.slot for d in rig.deliveries())
    assert slots == [utc("2026-11-30T18:00:00"), utc("2026-11-30T19:00:00")]
    assert len({d.job for d in rig.deliveries()}) == 1  # one occurrence, two starts


def test_a_cancelled_occurrence_is_not_reminded(rig: Rig):
    _event(rig.engine, OWNER, "Cancelled", "2026-11-30T16:00:00", "2026-11-30T16:30:00", "x1")
    _event(rig.engine, OWNER, "Kept", "2026-11-30T16:00:00", "2026-11-30T16:30:00", "k1")
    _cancel(rig.engine, "x1")
    rig.tick("2026-11-30T15:45:30Z", only=JOB)
    assert ["*Kept*" in t for t in _texts(rig)] == [True]


def test_an_occurrence_cancelled_between_the_look_and_the_claim_says_nothing(rig: Rig):
    _event(rig.engine, OWNER, "Gone", "2026-11-30T16:00:00", "2026-11-30T16:30:00", "g1")
    clock.set_now("2026-11-30T15:45:30Z")
    scheduler = rig.scheduler()
    outgoings = scheduler.due_messages(clock.now(), only=JOB)
    _cancel(rig.engine, "g1")
    outcomes = rig.notifier().deliver(outgoings)
    assert [o.status for o in outcomes] == ["nothing to post"]
    assert rig.posts() == []


def test_reminders_are_off_at_zero_and_the_job_says_why(tmp_path, engine, database_url, fake_slack):
    settings = schedule_settings(tmp_path, database_url, fake_slack, remind_toml(tmp_path, 0))
    rig = Rig(settings, engine, fake_slack)
    _feed(engine, OWNER)
    _event(engine, OWNER, "Off", "2026-11-30T16:00:00", "2026-11-30T16:30:00", "o1")
    assert rig.tick("2026-11-30T15:59:00Z", only=JOB) == []
    job = rig.scheduler().job(JOB)
    assert job.next_run(rig.scheduler().context, "T0TEAM", clock.now()) is None
    assert "remind_minutes is 0" in job.unscheduled_reason(rig.scheduler().context)
    with session_scope(engine) as session:
        assert session.exec(select(Delivery)).all() == []
