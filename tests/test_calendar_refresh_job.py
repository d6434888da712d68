"""The calendar refresh as the scheduler runs it (`calendars-refresh`, a chore that posts
nothing): listed with its next run, run on a tick, by hand with `vadesk job` (and as a dry
run that stores nothing), and `vadesk doctor` naming a broken feed and why, its address
redacted."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import redirect_stdout
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from bot import clock
from bot.doctor import run_checks
from bot.scheduling.calendars import CALENDARS_REFRESH
from bot.scheduling.job_command import run_by_hand
from bot.scheduling.notify import DryRun
from bot.scheduling.scheduler import Scheduler
from bot.settings import Settings, load_settings
from bot.slack.web_client import make_web_client
from store.db import session_scope
from store.models import CalendarFeed, CalendarOccurrence, Workspace
from tests.calendar_feeds import SECRET, FeedServer, Served, calendar, vevent

NOW = "2026-03-02T12:00:00Z"
PATH = f"/owa/calendar/{SECRET}/calendar.ics"


@pytest.fixture
def server() -> Iterator[FeedServer]:
    running = FeedServer().start()
    yield running
    running.stop()


@pytest.fixture
def settings(tmp_path: Path, database_url: str, server: FeedServer) -> Settings:
    server.feeds[PATH] = Served(
        calendar(vevent("a@x", ":20260302T150000Z", ":20260302T160000Z")), etag='"1"'
    )
    server.feeds["/page"] = Served(b"<html>Sign in</html>", content_type="text/html")
    path = tmp_path / "vadesk.toml"
    path.write_text(
        f'[users.U0OWNER]\ncalendar = "{server.url(PATH)}"\n'
        "[calendars]\nrefresh_minutes = 15\n"
        f'[calendars.bookings]\nurl = "{server.url("/page", "key=s3cr3t")}"\n',
        encoding="utf-8",
    )
    return load_settings(
        {"VADESK_CONFIG": str(path), "DATABASE_URL": database_url}, load_dotenv_file=False
    )


def scheduler(settings: Settings, engine) -> Scheduler:
    clock.set_now(NOW)
    with session_scope(engine) as session:
        session.add(Workspace(id="T0TEAM", created_at=clock.now()))
    return Scheduler(settings, engine, make_web_client(None, "http://127.0.0.1:9/api/"))


def next_refresh(scheduler: Scheduler):
    (upcoming,) = [u for u in scheduler.upcoming(clock.now()) if u.name == CALENDARS_REFRESH]
    return upcoming.next_run


def test_a_tick_refreshes_the_feeds_and_lists_the_next_run(settings, engine) -> None:
    rig = scheduler(settings, engine)
    assert next_refresh(rig) == clock.now()  # never read: due now
    outcomes = rig.run_due(DryRun(engine, io.StringIO()))
    assert outcomes == []  # a chore posts nothing
    with session_scope(engine) as session:
        feeds = {f.feed_key: f for f in session.exec(select(CalendarFeed))}
        assert [o.uid for o in session.exec(select(CalendarOccurrence))] == ["a@x"]
    assert feeds["user:U0OWNER"].good_at == clock.now()
    assert feeds["shared:bookings"].error.startswith("is not an iCalendar file")
    # The broken feed is retried in a minute, then in two; the good one in 15.
    assert next_refresh(rig) == clock.now() + timedelta(minutes=1)
    clock.set_now("2026-03-02T12:01:00Z")
    rig.run_due(DryRun(engine, io.StringIO()))
    assert next_refresh(rig) == clock.now() + timedelta(minutes=2)
    with session_scope(engine) as session:
        own = session.exec(select(CalendarFeed).where(CalendarFeed.feed_key == "user:U0OWNER"))
        assert own.one().checked_at == clock.parse_instant(NOW)  # not read again before 15


def test_other_jobs_by_hand_do_not_refresh(settings, engine) -> None:
    rig = scheduler(settings, engine)
    rig.run_due(DryRun(engine, io.StringIO()), only="reminders")
    with session_scope(engine) as session:
        assert session.exec(select(CalendarFeed)).all() == []


def test_vadesk_job_reads_every_feed_now_and_says_what_became_of_each(settings, engine) -> None:
    rig = scheduler(settings, engine)
    out = io.StringIO()
    with redirect_stdout(out):
        status = run_by_hand(
            rig, DryRun(engine, io.StringIO()), clock.now(), CALENDARS_REFRESH, refresh=False
        )
    lines = out.getvalue().splitlines()
    assert status == 1  # one feed failed
    host = settings.calendars.shared["bookings"].url.split("/page")[0]
    assert lines == [
        f"user:U0OWNER ({host}/…/calendar.ics): would store: read: 1 event(s), 0.2 KB",
        f"shared:bookings ({host}/…?…): failed: is not an iCalendar file "
        "(it starts with '<html>Sign in</html>')",
        "calendars-refresh: 2 feed(s), 1 failed",
    ]
    with session_scope(engine) as session:  # a dry run stores nothing
        assert session.exec(select(CalendarFeed)).all() == []


def test_vadesk_job_by_hand_stores_and_forces_a_read(settings, engine, server) -> None:
    rig = scheduler(settings, engine)
    rig.run_chores(clock.now())
    out = io.StringIO()
    with redirect_stdout(out):
        run_by_hand(rig, None, clock.now(), CALENDARS_REFRESH, refresh=False)  # type: ignore[arg-type]
    text = out.getvalue()
    assert "user:U0OWNER" in text and ": unchanged: the stored copy is current" in text
    assert len([r for r in server.requests if r[0] == PATH]) == 2  # read again though not due
    assert SECRET not in text and "s3cr3t" not in text


def test_no_calendar_says_so(tmp_path, database_url, engine) -> None:
    plain = load_settings({"DATABASE_URL": database_url}, load_dotenv_file=False)
    rig = scheduler(plain, engine)
    assert next_refresh(rig) is None
    out = io.StringIO()
    with redirect_stdout(out):
        assert run_by_hand(rig, None, clock.now(), CALENDARS_REFRESH, refresh=False) == 0  # type: ignore[arg-type]
    assert "nothing to do: no calendar is set" in out.getvalue()


def test_doctor_names_a_broken_feed_and_why(settings, engine) -> None:
    checks = {c.name: c for c in run_checks(settings, engine)}
    own, bookings = checks["calendar user:U0OWNER"], checks["calendar shared:bookings"]
    assert own.ok and own.detail.endswith("/…/calendar.ics: read: 1 event(s), 0.2 KB")
    assert not bookings.ok
    assert bookings.detail.endswith(
        "/…?…: is not an iCalendar file (it starts with '<html>Sign in</html>')"
    )
    assert all(SECRET not in c.detail and "s3cr3t" not in c.detail for c in checks.values())
