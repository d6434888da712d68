"""Shared fixtures: a migrated database (SQLite, and PostgreSQL when TEST_DATABASE_URL
is set), settings, a fake Slack Web API, and the real app served over HTTP.

No test depends on today's date. The app driven over HTTP (`live_app`) and the actors
of `actor_for` start on a pinned clock, `PINNED_NOW`, and a test moves it with
`clock.set_now`. Any test in which `bot.clock.now()` falls through to the machine's clock
fails at teardown, naming where it was read; a test that truly needs the machine's clock
(a real process or a real timeout) says so with `@pytest.mark.real_clock`.

`TEST_CLOCK_SHIFT_DAYS=N` moves the whole run's clock N days (negative: back) from the
machine's, to show the suite passes on any date: `TEST_CLOCK_SHIFT_DAYS=365 pytest`.
`vadesk` child processes keep the machine's clock; tests sign their requests on it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
import time
import traceback
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
import time_machine

from bot import clock
from bot.services.people import Actor, resolve_actor
from bot.settings import Settings, load_settings
from store.db import create_db_engine, migrate, session_scope
from tests.fakeslack import FakeSlack, interactive_body, signed_headers, slash_command_body

SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token"
APP_TOKEN = "xapp-test-token"
TEAM = "T0TEAM"
PINNED_NOW = "2026-11-30T14:00:00Z"  # a Monday, 09:00 in New York: the working day starts

CONFIG_TOML = """
[workspace]
timezone = "America/New_York"
business_hours = "09:00-17:00"

[roles]
owners = ["U0OWNER"]
supervisors = ["U0SUPER"]
vas = ["U0VA1", "U0VA2"]

[clients.acme]
name = "Acme Corp"
channel = "C0ACME"

[clients.globex]
name = "Globex"
channel = "C0GLOBEX"
"""


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No real tokens, proxies or pinned clocks leak into a test."""
    for name in list(os.environ):
        if name.startswith(("SLACK_", "VADESK_")) or name.lower().endswith("_proxy"):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    yield
    clock.set_now(None)


def _clock_shift_days() -> int:
    raw = os.environ.get("TEST_CLOCK_SHIFT_DAYS", "").strip()
    try:
        return int(raw or 0)
    except ValueError:
        message = f"TEST_CLOCK_SHIFT_DAYS must be a whole number, not {raw!r}"
        raise pytest.UsageError(message) from None


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "real_clock: the test may read the machine's clock through bot.clock"
    )
    days = _clock_shift_days()
    if days:
        shifted = time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=days))
        shifted.start()
        config.add_cleanup(shifted.stop)


def pytest_report_header(config: pytest.Config) -> str | None:
    days = _clock_shift_days()
    return f"clock shifted {days:+d} days: {dt.datetime.now(dt.UTC):%Y-%m-%d}" if days else None


@pytest.fixture(autouse=True)
def _no_real_clock(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch):
    """Fail a test that lets the app read the machine's clock: it would pass or fail
    depending on the day it runs."""
    reads: list[str] = []
    real = clock.system_now

    def recorded_system_now():
        if not reads:
            frame = traceback.extract_stack(limit=3)[0]
            reads.append(f"{frame.filename}:{frame.lineno} ({frame.name})")
        return real()

    monkeypatch.setattr(clock, "system_now", recorded_system_now)
    yield
    if reads and request.node.get_closest_marker("real_clock") is None:
        pytest.fail(
            f"read the machine's clock at {reads[0]}: pin it with clock.set_now "
            "(or mark the test real_clock)",
            pytrace=False,
        )


def _reset_postgres(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


def database_urls() -> list:
    postgres = os.environ.get("TEST_DATABASE_URL")
    return [
        pytest.param("sqlite", id="sqlite"),
        pytest.param(
            postgres,
            id="postgresql",
            marks=pytest.mark.skipif(
                not postgres, reason="TEST_DATABASE_URL is not set: PostgreSQL run skipped"
            ),
        ),
    ]


@pytest.fixture(params=database_urls())
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'vadesk.db'}"
    _reset_postgres(request.param)
    return request.param


@pytest.fixture
def postgres_engine() -> Iterator[sa.engine.Engine]:
    """A migrated PostgreSQL database of its own, for tests of several processes on one
    database (SQLite serves one process): skipped without TEST_DATABASE_URL."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip(
            "TEST_DATABASE_URL is not set: several processes on one database need PostgreSQL"
        )
    _reset_postgres(url)
    engine = create_db_engine(url)
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.engine.Engine]:
    engine = create_db_engine(database_url)
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "vadesk.toml"
    path.write_text(CONFIG_TOML, encoding="utf-8")
    return path


@pytest.fixture
def settings(config_file: Path, database_url: str) -> Settings:
    return load_settings(
        {
            "VADESK_CONFIG": str(config_file),
            "DATABASE_URL": database_url,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_APP_TOKEN": APP_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": "http://127.0.0.1:9/api/",
        },
        load_dotenv_file=False,
    )


@pytest.fixture
def actor_for(engine, settings):
    """Resolve an Actor with a fixed zone, as a request from that user would."""
    if not clock.is_pinned():
        clock.set_now(PINNED_NOW)

    def make(user_id: str = "U0VA1", tz: str = "America/New_York") -> Actor:
        with session_scope(engine) as session:
            return resolve_actor(session, settings, TEAM, user_id, lambda _u: {"tz": tz})

    return make


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@dataclass
class LiveApp:
    """The real Bolt app behind waitress, reached over HTTP like Slack reaches it."""

    url: str
    fake: FakeSlack
    engine: sa.engine.Engine
    settings: Settings

    def post(self, body: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
        request = urllib.request.Request(
            self.url + "/slack/events",
            data=body.encode(),
            headers=headers if headers is not None else signed_headers(SIGNING_SECRET, body),
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def command_body(self, command: str, text: str, user: str, reply_to: str | None) -> str:
        """A signed-to-be slash command; its replies go to the fake's `reply_to` URL."""
        if reply_to is None:
            return slash_command_body(command, text, user_id=user, team_id=TEAM)
        response_url = self.fake.response_url(reply_to)
        return slash_command_body(
            command, text, user_id=user, team_id=TEAM, response_url=response_url
        )

    def send_command(
        self, command: str, text: str = "", user: str = "U0VA1", reply_to: str | None = None
    ) -> None:
        """Send a slash command without waiting for its answer (a modal, or a reply later)."""
        status, _ = self.post(self.command_body(command, text, user, reply_to))
        assert status == 200, (command, text)

    def command(self, command: str, text: str = "", user: str = "U0VA1") -> dict:
        """Send a slash command and return what the app answered on the response URL."""
        before = len(self.fake.calls("response_url"))
        self.send_command(command, text, user, reply_to=f"{command.strip('/')}-{before}")
        return self.fake.wait_for("response_url", before + 1)[before].params

    def commands_at_once(self, sent: list[tuple[str, str, str]]) -> list[str]:
        """Send (command, text, user) requests in parallel, as fast double-clicks and
        several people do; return each one's reply text, in the order given."""
        from concurrent.futures import ThreadPoolExecutor

        tag = f"parallel-{len(self.fake.calls())}"
        bodies = [
            self.command_body(command, text, user, reply_to=f"{tag}-{index}")
            for index, (command, text, user) in enumerate(sent)
        ]
        start = threading.Barrier(len(bodies))

        def post(body: str) -> int:
            start.wait()
            return self.post(body)[0]

        with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
            statuses = list(pool.map(post, bodies))
        assert statuses == [200] * len(bodies)
        replies: dict[str, str] = {}
        deadline = time.monotonic() + 20
        while len(replies) < len(bodies) and time.monotonic() < deadline:
            for call in self.fake.calls("response_url"):
                if call.path.startswith(f"/respond/{tag}-"):
                    replies[call.path.rsplit("-", 1)[1]] = call.params.get("text", "")
            time.sleep(0.02)
        assert len(replies) == len(bodies), f"{len(bodies) - len(replies)} requests unanswered"
        return [replies[str(index)] for index in range(len(bodies))]

    def interact(self, payload: dict) -> tuple[int, str]:
        payload.setdefault("team", {"id": TEAM})
        payload.setdefault("user", {"id": "U0VA1", "team_id": TEAM})
        payload.setdefault("trigger_id", "trigger.1")
        return self.post(interactive_body(payload))

    def get(self, path: str) -> tuple[int, dict]:
        try:
            with urllib.request.urlopen(self.url + path, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")


@pytest.fixture
def live_app(engine, settings, fake_slack) -> Iterator[LiveApp]:
    from concurrent.futures import ThreadPoolExecutor
    from dataclasses import replace

    from waitress.server import create_server

    from bot.app import build_app
    from bot.server import make_wsgi_app
    from bot.slack.desk import Desk

    settings = replace(settings, slack_api_url=fake_slack.base_url)
    if not clock.is_pinned():
        clock.set_now(PINNED_NOW)
    listeners = ThreadPoolExecutor(max_workers=8, thread_name_prefix="test-listener")
    desk = Desk(settings, engine)
    app = build_app(settings, engine, listener_executor=listeners, desk=desk)
    server = create_server(make_wsgi_app(app, engine), host="127.0.0.1", port=0, threads=8)
    stopping = threading.Event()

    def serve_until_stopped() -> None:
        while not stopping.is_set():
            server.asyncore.loop(timeout=0.05, map=server._map, count=1)

    thread = threading.Thread(target=serve_until_stopped, daemon=True)
    thread.start()
    try:
        yield LiveApp(f"http://127.0.0.1:{server.effective_port}", fake_slack, engine, settings)
    finally:
        stopping.set()
        thread.join(timeout=5)
        server.close()
        listeners.shutdown(wait=True)  # let work after ack() finish while the fake still answers
        desk.homes.close()
