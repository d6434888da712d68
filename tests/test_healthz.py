"""/healthz: the database decides the status (503 while it is gone, 200 again once it is
back, in the same process), the scheduler's latest ticks are read from the database (any
replica can tell), and Slack's reachability is asked at most once a minute."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot.observe.health import Health, SlackCheck, scheduler_status
from bot.scheduling.notify import Notifier
from bot.scheduling.scheduler import Scheduler
from bot.slack.web_client import make_posting_client, make_web_client
from store.db import create_db_engine, migrate
from store.heartbeat import last_ticks, record_tick
from tests.conftest import BOT_TOKEN, TEAM
from tests.tcp_proxy import TcpProxy

NOW = datetime(2020, 1, 6, 15, 0, tzinfo=UTC)  # long before any run of this test


def test_healthz_reports_database_scheduler_and_slack(live_app):
    status, body = live_app.get("/healthz")
    assert status == 200 and body["ok"] is True
    assert body["database"]["ok"] is True
    assert body["scheduler"] == {"status": "never"}  # no scheduler has ticked here
    assert body["slack"]["status"] == "ok" and body["slack"]["team"] == TEAM


def test_a_running_scheduler_beats_in_the_database(live_app):
    scheduler = Scheduler(
        live_app.settings, live_app.engine, make_web_client(BOT_TOKEN, live_app.fake.base_url)
    )
    notifier = Notifier(make_posting_client(BOT_TOKEN, live_app.fake.base_url), live_app.engine)
    scheduler.start(notifier, tick_seconds=600)  # ticks at once, then not again here
    try:
        deadline = time.monotonic() + 20
        while len(last_ticks(live_app.engine)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        assert scheduler.stop()
    status, body = live_app.get("/healthz")
    assert status == 200
    scheduler_part = body["scheduler"]
    assert scheduler_part["status"] == "ok", scheduler_part
    assert set(scheduler_part["ticks"]) == {"posts", "chores"}
    for tick in scheduler_part["ticks"].values():
        assert tick["status"] == "ok" and tick["duration_seconds"] >= 0
        assert tick["process"].endswith(f":{os.getpid()}")


def test_the_latest_tick_wins_and_a_stale_one_is_said_without_failing(live_app):
    engine = live_app.engine
    record_tick(engine, "posts", NOW, NOW + timedelta(seconds=2), True, "web-1:10")
    record_tick(
        engine, "posts", NOW - timedelta(seconds=40), NOW - timedelta(seconds=39), True, "web-2:20"
    )
    (beat,) = last_ticks(engine)
    assert beat.process == "web-1:10" and beat.duration_ms == 2000  # an older end loses
    record_tick(
        engine,
        "posts",
        NOW + timedelta(seconds=30),
        NOW + timedelta(seconds=30.25),
        False,
        "web-2:20",
    )
    (beat,) = last_ticks(engine)
    assert (beat.process, beat.ok, beat.duration_ms) == ("web-2:20", False, 250)

    failing = scheduler_status(engine, NOW + timedelta(seconds=40))
    assert failing["status"] == "failing" and failing["ticks"]["posts"]["status"] == "failing"
    record_tick(
        engine, "posts", NOW + timedelta(seconds=60), NOW + timedelta(seconds=61), True, "web-2:20"
    )
    assert scheduler_status(engine, NOW + timedelta(seconds=90))["status"] == "ok"
    stale = scheduler_status(engine, NOW + timedelta(minutes=10))
    assert stale["status"] == "stale" and stale["ticks"]["posts"]["age_seconds"] == 539.0

    status, body = live_app.get("/healthz")  # on the machine's clock, years after NOW
    assert status == 200 and body["ok"] is True
    assert body["scheduler"]["status"] == "stale"


def test_slack_is_asked_once_a_minute_and_unreachable_is_said(fake_slack):
    now = [0.0]
    check = SlackCheck(BOT_TOKEN, fake_slack.base_url, every=60, monotonic=lambda: now[0])
    assert check.status()["status"] == "ok"
    now[0] = 59.0
    assert check.status()["status"] == "ok"
    assert len(fake_slack.calls("auth.test")) == 1
    fake_slack.fail_next("auth.test", error="invalid_auth")
    now[0] = 61.0
    refused = check.status()
    assert refused["status"] == "refused" and refused["error"] == "invalid_auth"
    assert len(fake_slack.calls("auth.test")) == 2

    nowhere = SlackCheck(BOT_TOKEN, "http://127.0.0.1:9/api/")
    began = time.monotonic()
    assert nowhere.status()["status"] == "unreachable"
    assert time.monotonic() - began < 5
    assert SlackCheck(None, fake_slack.base_url).status()["status"] == "not checked"


@pytest.fixture
def engine(database_url: str) -> Iterator:
    """On PostgreSQL the app reaches the database through a `TcpProxy` it can lose."""
    if database_url.startswith("sqlite"):
        engine = create_db_engine(database_url)
        migrate(engine)
        yield engine
        engine.dispose()
        return
    url = make_url(database_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    engine = create_db_engine(url.set(host="127.0.0.1", port=proxy.port).render_as_string(False))
    engine.proxy = proxy  # type: ignore[attr-defined]
    migrate(engine)
    yield engine
    proxy.close()
    engine.dispose()


def test_a_database_gone_is_503_and_the_same_process_recovers(live_app, database_url):
    assert live_app.get("/healthz")[0] == 200
    assert "Timer started on *T-1*" in live_app.command("/timer", "start Filing")["text"]
    if database_url.startswith("sqlite"):
        database = Path(make_url(database_url).database)
        moved = database.with_name("elsewhere")
        moved.mkdir()
        for path in database.parent.glob(database.name + "*"):
            shutil.move(path, moved / path.name)

        def restore() -> None:
            for path in moved.iterdir():
                shutil.move(path, database.parent / path.name)
    else:
        proxy = live_app.engine.proxy
        proxy.cut()
        restore = proxy.restore

    status, body = live_app.get("/healthz")
    assert status == 503 and body["ok"] is False
    assert body["database"]["ok"] is False and body["database"]["error"]
    assert body["scheduler"]["status"] == "unknown"
    assert body["slack"]["status"] == "ok"  # Slack is fine: only the database is gone

    restore()
    status, body = live_app.get("/healthz")
    assert status == 200 and body["database"]["ok"] is True, body
    # Requests are served again without a restart, on the data from before.
    assert "T-1" in live_app.command("/timer", "stop")["text"]


def test_slack_unreachable_is_reported_without_failing(engine):
    check = SlackCheck(BOT_TOKEN, "http://127.0.0.1:9/api/")
    healthy, report = Health(engine, check).report()
    assert healthy is True and report["ok"] is True
    assert report["slack"]["status"] == "unreachable" and report["slack"]["error"]
