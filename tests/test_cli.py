"""The `vadesk` console script end to end: each test runs it as a subprocess, the way an
operator does, with an explicit environment (never the developer's real tokens).

The helpers at the top (`run_vadesk`, `vadesk_env`, `started_vadesk`, `ServeProcess`) are
shared with test_restart.py and test_socket_mode.py.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest
from sqlmodel import select

from bot import clock
from bot.services import tasks, timers
from bot.services.people import resolve_actor
from manifests import load_manifest
from store.db import session_scope
from store.models import Client
from tests.conftest import APP_TOKEN, BOT_TOKEN, SIGNING_SECRET, TEAM
from tests.fakeslack import DEFAULT_SCOPES, FakeSlack, signed_headers, slash_command_body

REPO = Path(__file__).resolve().parents[1]
SCHEMA_DIR = REPO.parent / "shared" / "slack"
COMMAND_TIMEOUT = 30.0
STARTUP_TIMEOUT = 20.0
# A closed loopback port: a Web API URL that can never reach the real Slack.
NOWHERE_API_URL = "http://127.0.0.1:9/api/"


# --------------------------------------------------------------------------- helpers


def vadesk_argv(*args: str) -> list[str]:
    """The installed console script next to this interpreter, else `python -m bot.cli`."""
    script = shutil.which("vadesk", path=str(Path(sys.executable).parent))
    return [script, *args] if script else [sys.executable, "-m", "bot.cli", *args]


def vadesk_env(database_url: str | None = None, **variables: str) -> dict[str, str]:
    """A minimal environment: nothing of the developer's leaks in (tokens, proxies, .env)."""
    env = {
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.defpath]),
        "LANG": "C.UTF-8",
        "PYTHONUNBUFFERED": "1",
        "LOG_LEVEL": "INFO",
    }
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    env.update(variables)
    return env


def run_vadesk(
    *args: str, env: dict[str, str], cwd: Path, timeout: float = COMMAND_TIMEOUT
) -> subprocess.CompletedProcess[str]:
    """Run one `vadesk` command to completion; a hang fails the test with its output."""
    try:
        return subprocess.run(
            vadesk_argv(*args),
            env=env,
            cwd=cwd,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as expired:
        pytest.fail(
            f"`vadesk {' '.join(args)}` did not finish within {timeout}s\n"
            f"--- stdout ---\n{expired.stdout}\n--- stderr ---\n{expired.stderr}"
        )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class VadeskProcess:
    """A long-running `vadesk` subprocess whose output goes to a log file (no pipe to fill)."""

    def __init__(self, args: tuple[str, ...], env: dict[str, str], cwd: Path) -> None:
        self.args = args
        self.log_path = cwd / f"vadesk-{args[0]}-{time.monotonic_ns()}.log"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            vadesk_argv(*args), env=env, cwd=cwd, stdout=self._log, stderr=subprocess.STDOUT
        )

    def output(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def fail(self, message: str) -> NoReturn:
        pytest.fail(f"{message}\n--- output of `vadesk {' '.join(self.args)}` ---\n{self.output()}")

    def check_alive(self) -> None:
        code = self.process.poll()
        if code is not None:
            self.fail(f"`vadesk {self.args[0]}` exited early with code {code}")

    def wait_until(self, ready, what: str, timeout: float = STARTUP_TIMEOUT):
        """Poll `ready()` until it returns a truthy value, failing fast if the process dies."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_alive()
            result = ready()
            if result:
                return result
            time.sleep(0.05)
        self.fail(f"timed out after {timeout}s waiting for {what}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10.0) -> int:
        """Send `sig` and wait for the exit; SIGKILL if it does not go."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=timeout)
        self._log.close()
        return self.process.returncode


@contextlib.contextmanager
def started_vadesk(*args: str, env: dict[str, str], cwd: Path) -> Iterator[VadeskProcess]:
    running = VadeskProcess(args, env, cwd)
    try:
        yield running
    finally:
        running.stop()


class ServeProcess(VadeskProcess):
    """`vadesk serve` on a free loopback port, reached over HTTP like Slack reaches it."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        super().__init__(
            ("serve", "--host", "127.0.0.1", "--port", str(self.port), "--threads", "4"), env, cwd
        )

    def get(self, path: str) -> tuple[int, dict | str]:
        """GET `path`; the body as JSON when it is JSON, else as text."""
        try:
            with urllib.request.urlopen(self.url + path, timeout=10) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        try:
            return status, json.loads(raw)
        except ValueError:
            return status, raw.decode("utf-8", errors="replace")

    def post(self, body: str, headers: dict[str, str]) -> tuple[int, str]:
        request = urllib.request.Request(
            self.url + "/slack/events", data=body.encode(), headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def wait_healthy(self, timeout: float = STARTUP_TIMEOUT) -> dict:
        def healthy() -> dict | None:
            try:
                status, body = self.get("/healthz")
            except OSError:
                return None
            return body if status == 200 else None

        return self.wait_until(healthy, "GET /healthz to answer 200", timeout)

    def command(self, fake: FakeSlack, command: str, text: str, name: str, **fields: str) -> dict:
        """Send a signed slash command; return what the app posted to its response_url."""
        before = len(fake.calls("response_url"))
        body = slash_command_body(
            command, text, team_id=TEAM, response_url=fake.response_url(name), **fields
        )
        status, answer = self.post(body, signed_headers(SIGNING_SECRET, body))
        if status != 200:
            self.fail(f"{command} {text!r} got HTTP {status}: {answer}")
        try:
            return fake.wait_for("response_url", before + 1, timeout=10)[before].params
        except AssertionError as error:
            self.fail(str(error))


@contextlib.contextmanager
def served_vadesk(env: dict[str, str], cwd: Path) -> Iterator[ServeProcess]:
    server = ServeProcess(env, cwd)
    try:
        server.wait_healthy()
        yield server
    finally:
        server.stop()


def one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got:\n{stderr}"
    assert "Traceback" not in stderr
    return lines[0]


# --------------------------------------------------------------------------- credentials


@pytest.mark.parametrize(
    ("command", "credentials", "missing"),
    [
        ("run", {"SLACK_APP_TOKEN": APP_TOKEN}, "SLACK_BOT_TOKEN"),
        ("run", {"SLACK_BOT_TOKEN": BOT_TOKEN}, "SLACK_APP_TOKEN"),
        ("serve", {"SLACK_BOT_TOKEN": BOT_TOKEN}, "SLACK_SIGNING_SECRET"),
        ("serve", {"SLACK_SIGNING_SECRET": SIGNING_SECRET}, "SLACK_BOT_TOKEN"),
    ],
)
def test_missing_credential_exits_2_with_one_line_naming_it(
    tmp_path: Path, command: str, credentials: dict[str, str], missing: str
):
    env = vadesk_env(
        f"sqlite:///{tmp_path / 'vadesk.db'}", SLACK_API_URL=NOWHERE_API_URL, **credentials
    )
    result = run_vadesk(command, env=env, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    line = one_line(result.stderr)
    assert line.startswith(f"vadesk: {missing} is not set")
    assert "https://api.slack.com/apps" in line  # where to get it
    assert not (tmp_path / "vadesk.db").exists()  # refused before touching anything


def test_a_user_token_is_refused_as_bot_token(tmp_path: Path):
    env = vadesk_env(
        f"sqlite:///{tmp_path / 'vadesk.db'}",
        SLACK_API_URL=NOWHERE_API_URL,
        SLACK_BOT_TOKEN="xoxp-a-user-token",
        SLACK_APP_TOKEN=APP_TOKEN,
    )
    result = run_vadesk("run", env=env, cwd=tmp_path)
    assert result.returncode == 2
    line = one_line(result.stderr)
    assert "SLACK_BOT_TOKEN" in line
    assert "xoxb-" in line
    assert "xoxp-" in line


def test_run_with_a_refused_app_token_says_which_token(tmp_path: Path, fake_slack):
    fake_slack.set_response("apps.connections.open", {"ok": False, "error": "invalid_auth"})
    env = vadesk_env(
        f"sqlite:///{tmp_path / 'vadesk.db'}",
        SLACK_API_URL=fake_slack.base_url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_APP_TOKEN="xapp-revoked",
    )
    result = run_vadesk("run", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("vadesk: SLACK_APP_TOKEN was refused by Slack (invalid_auth)")


@pytest.mark.parametrize(
    ("command", "url", "message"),
    [
        ("migrate", "not a url", "DATABASE_URL is not a database VA Desk can use"),
        (
            "serve",
            "sqlite:////nonexistent-dir/vadesk.db",
            "cannot open the database (DATABASE_URL)",
        ),
    ],
)
def test_unusable_database_url_is_one_line(tmp_path: Path, url: str, message: str, command: str):
    env = vadesk_env(
        url,
        SLACK_API_URL=NOWHERE_API_URL,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
    )
    result = run_vadesk(command, env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith(f"vadesk: {message}")


def test_serve_on_a_taken_port_says_so(tmp_path: Path):
    env = vadesk_env(
        f"sqlite:///{tmp_path / 'vadesk.db'}",
        SLACK_API_URL=NOWHERE_API_URL,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
    )
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_vadesk(
            "serve", "--host", "127.0.0.1", "--port", str(port), env=env, cwd=tmp_path
        )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"vadesk: cannot serve on 127.0.0.1:{port}: ")


# --------------------------------------------------------------------------- settings file


def test_invalid_settings_file_stops_start_up_naming_file_key_and_reason(tmp_path: Path):
    (tmp_path / "vadesk.toml").write_text("[sla]\nfirst_response_minutes = -3\n")
    env = vadesk_env(
        f"sqlite:///{tmp_path / 'vadesk.db'}",
        SLACK_API_URL=NOWHERE_API_URL,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_APP_TOKEN=APP_TOKEN,
    )
    result = run_vadesk("run", env=env, cwd=tmp_path)
    assert result.returncode == 2
    line = one_line(result.stderr)
    assert "vadesk.toml" in line
    assert "sla.first_response_minutes" in line
    assert "must be a positive integer, got -3" in line
    assert not (tmp_path / "vadesk.db").exists()


def test_settings_file_syntax_error_names_the_file_and_the_line(tmp_path: Path):
    config = tmp_path / "conf" / "settings.toml"
    config.parent.mkdir()
    config.write_text('[workspace]\ntimezone = "America/New_York"\n[sla\n')
    env = vadesk_env(f"sqlite:///{tmp_path / 'vadesk.db'}", VADESK_CONFIG=str(config))
    result = run_vadesk("migrate", env=env, cwd=tmp_path)
    assert result.returncode == 2
    line = one_line(result.stderr)
    assert str(config) in line
    assert "line 3" in line


def test_missing_settings_file_named_by_vadesk_config(tmp_path: Path):
    env = vadesk_env(f"sqlite:///{tmp_path / 'vadesk.db'}", VADESK_CONFIG="nope.toml")
    result = run_vadesk("migrate", env=env, cwd=tmp_path)
    assert result.returncode == 2
    line = one_line(result.stderr)
    assert "VADESK_CONFIG" in line
    assert "'nope.toml' does not exist" in line


# --------------------------------------------------------------------------- manifest


def _validate_manifest(manifest: dict) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    major = manifest["_metadata"]["major_version"]
    schema_path = SCHEMA_DIR / f"manifest.schema.{major}.0.0.json"
    if not schema_path.is_file():
        pytest.skip(f"Slack's manifest schema is not available at {schema_path}")
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    errors = sorted(validator_class(schema).iter_errors(manifest), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def test_manifest_is_socket_mode_by_default_and_valid(tmp_path: Path):
    result = run_vadesk("manifest", env=vadesk_env(), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    manifest = json.loads(result.stdout)
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert {c["command"] for c in manifest["features"]["slash_commands"]} >= {"/task", "/timer"}
    assert "request_url" not in manifest["settings"]["interactivity"]
    _validate_manifest(manifest)


def test_manifest_for_http_mode_points_everything_at_the_url(tmp_path: Path):
    url = "https://x.example/slack/events"
    result = run_vadesk("manifest", "--http-url", url, env=vadesk_env(), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    manifest = json.loads(result.stdout)
    settings = manifest["settings"]
    assert settings["socket_mode_enabled"] is False
    assert settings["interactivity"] == {"is_enabled": True, "request_url": url}
    assert settings["event_subscriptions"]["request_url"] == url
    commands = manifest["features"]["slash_commands"]
    assert commands
    assert all(command["url"] == url for command in commands)
    # Same scopes and events as the Socket Mode manifest: only the transport changes.
    socket_manifest = load_manifest()
    assert manifest["oauth_config"] == socket_manifest["oauth_config"]
    assert (
        settings["event_subscriptions"]["bot_events"]
        == socket_manifest["settings"]["event_subscriptions"]["bot_events"]
    )
    _validate_manifest(manifest)


@pytest.mark.parametrize("url", ["not-a-url", "ftp://x.example/slack/events", "https://"])
def test_manifest_refuses_a_bad_url(tmp_path: Path, url: str):
    result = run_vadesk("manifest", "--http-url", url, env=vadesk_env(), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    line = one_line(result.stderr)
    assert "--http-url" in line
    assert url in line


# --------------------------------------------------------------------------- migrate


def test_migrate_then_up_to_date(tmp_path: Path):
    database = tmp_path / "fresh.db"
    env = vadesk_env(f"sqlite:///{database}")
    first = run_vadesk("migrate", env=env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("Migrated the database from empty to revision ")
    assert database.is_file()
    second = run_vadesk("migrate", env=env, cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert "up to date" in second.stdout
    revision = first.stdout.strip().rsplit(" ", 1)[-1].rstrip(".")
    assert f"(revision {revision})" in second.stdout


# --------------------------------------------------------------------------- doctor


def _doctor_env(database_url: str, fake: FakeSlack | None, **tokens: str) -> dict[str, str]:
    return vadesk_env(
        database_url, SLACK_API_URL=fake.base_url if fake else NOWHERE_API_URL, **tokens
    )


ALL_TOKENS = {
    "SLACK_BOT_TOKEN": BOT_TOKEN,
    "SLACK_APP_TOKEN": APP_TOKEN,
    "SLACK_SIGNING_SECRET": SIGNING_SECRET,
}


def test_doctor_passes_against_a_healthy_workspace(tmp_path, engine, database_url, fake_slack):
    env = _doctor_env(database_url, fake_slack, **ALL_TOKENS)
    result = run_vadesk("doctor", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    for name in (
        "config",
        "database",
        "SLACK_BOT_TOKEN",
        "SLACK_APP_TOKEN",
        "SLACK_SIGNING_SECRET",
        "auth.test",
        "scopes",
    ):
        assert any(line.startswith(f"ok    {name}: ") for line in lines), result.stdout
    assert "bot vadesk in workspace Fake Team" in result.stdout
    assert lines[-1] == "All checks passed."
    assert "FAIL" not in result.stdout


def test_doctor_reads_credentials_from_dotenv(tmp_path, engine, database_url, fake_slack):
    """`.env` in the working directory fills in what the environment does not set."""
    lines = [f"{name}={value}" for name, value in ALL_TOKENS.items()]
    lines += [f"SLACK_API_URL={fake_slack.base_url}", f"DATABASE_URL={database_url}"]
    (tmp_path / ".env").write_text("\n".join(lines) + "\n")
    result = run_vadesk("doctor", env=vadesk_env(), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All checks passed." in result.stdout


def test_doctor_names_a_missing_scope(tmp_path, engine, database_url, fake_slack):
    fake_slack.scopes = ",".join(s for s in DEFAULT_SCOPES.split(",") if s != "users:read")
    env = _doctor_env(database_url, fake_slack, **ALL_TOKENS)
    result = run_vadesk("doctor", env=env, cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    (scope_line,) = [line for line in result.stdout.splitlines() if "scopes:" in line]
    assert scope_line.startswith("FAIL  scopes: missing users:read")
    assert "reinstall" in scope_line
    assert "1 check(s) failed." in result.stdout


def test_doctor_reports_a_refused_token(tmp_path, engine, database_url, fake_slack):
    fake_slack.fail_next("auth.test", error="invalid_auth")
    env = _doctor_env(database_url, fake_slack, **ALL_TOKENS)
    result = run_vadesk("doctor", env=env, cwd=tmp_path)
    assert result.returncode == 1
    assert "FAIL  auth.test: Slack refused the bot token: invalid_auth" in result.stdout


def test_doctor_without_tokens_names_each_missing_one(tmp_path, engine, database_url):
    result = run_vadesk("doctor", env=_doctor_env(database_url, None), cwd=tmp_path)
    assert result.returncode == 1
    failed = [line for line in result.stdout.splitlines() if line.startswith("FAIL")]
    assert [line.split(":")[0] for line in failed] == [
        "FAIL  SLACK_BOT_TOKEN",
        "FAIL  SLACK_APP_TOKEN",
        "FAIL  SLACK_SIGNING_SECRET",
    ]
    assert all("is not set" in line for line in failed)
    assert "auth.test" not in result.stdout  # no point asking Slack without a token
    assert "Traceback" not in result.stderr


def test_doctor_says_an_unmigrated_database_needs_migrate(tmp_path, fake_slack):
    env = _doctor_env(f"sqlite:///{tmp_path / 'new.db'}", fake_slack, **ALL_TOKENS)
    result = run_vadesk("doctor", env=env, cwd=tmp_path)
    assert result.returncode == 1
    (line,) = [line for line in result.stdout.splitlines() if "database:" in line]
    assert line.startswith("FAIL  database:")
    assert "vadesk migrate" in line


# --------------------------------------------------------------------------- export


HEADER = [
    "date",
    "va",
    "client",
    "task_id",
    "title",
    "start",
    "end",
    "hours",
    "billable",
    "source",
    "notes",
    "timezone",
    "entry_id",
    "va_user_id",
    "start_utc",
    "end_utc",
]


def _client_id(session, key: str) -> int:
    return session.exec(select(Client).where(Client.team_id == TEAM, Client.key == key)).one().id


def _track(session, actor, task, start: str, end: str | None, notes: str | None = None):
    clock.set_now(start)
    timers.start_timer(session, actor, task)
    if end is not None:
        clock.set_now(end)
        timers.stop_timer(session, actor, notes=notes)


def _seed_november(engine, settings) -> None:
    """Two VAs in different zones; entries inside, at the edge of and outside November."""
    clock.set_now("2026-11-01T12:00:00Z")
    with session_scope(engine) as session:
        ana = resolve_actor(
            session,
            settings,
            TEAM,
            "U0VA1",
            lambda _u: {"tz": "America/New_York", "real_name": "Ana Núñez"},
        )
        ben = resolve_actor(
            session,
            settings,
            TEAM,
            "U0VA2",
            lambda _u: {"tz": "Europe/London", "real_name": "Ben Okafor"},
        )
        acme, globex = _client_id(session, "acme"), _client_id(session, "globex")
        call = tasks.create_task(session, ana, tasks.NewTask("Call with Acme", client_id=acme))
        invoices = tasks.create_task(
            session, ben, tasks.NewTask("=Globex invoices", client_id=globex)
        )
        followup = tasks.create_task(session, ben, tasks.NewTask("Acme follow-up", client_id=acme))
        # October in New York: not exported.
        _track(session, ana, call, "2026-10-31T13:00:00Z", "2026-10-31T14:00:00Z")
        _track(session, ana, call, "2026-11-03T14:00:00Z", "2026-11-03T15:30:00Z", "Q4 plan")
        _track(session, ben, invoices, "2026-11-10T09:00:00Z", "2026-11-10T09:45:00Z")
        # 1 December in UTC, still 30 November in New York: exported.
        _track(session, ana, call, "2026-12-01T03:00:00Z", "2026-12-01T04:00:00Z")
        # Still running: not billable yet.
        _track(session, ben, followup, "2026-11-20T15:00:00Z", None)


def _row(day, va, client, task, title, start, end, hours, notes, zone, user, utc) -> dict:
    return {
        "date": day,
        "va": va,
        "client": client,
        "task_id": task,
        "title": title,
        "start": start,
        "end": end,
        "hours": hours,
        "billable": "yes",
        "source": "timer",
        "notes": notes,
        "timezone": zone,
        "va_user_id": user,
        "start_utc": utc[0],
        "end_utc": utc[1],
    }


ANA_CALL = _row(
    "2026-11-03",
    "Ana Núñez",
    "Acme Corp",
    "T-1",
    "Call with Acme",
    "2026-11-03 09:00",
    "2026-11-03 10:30",
    "1.5000",
    "Q4 plan",
    "America/New_York",
    "U0VA1",
    ("2026-11-03T14:00:00Z", "2026-11-03T15:30:00Z"),
)
BEN_INVOICES = _row(
    "2026-11-10",
    "Ben Okafor",
    "Globex",
    "T-2",
    "'=Globex invoices",  # a spreadsheet must not run it as a formula
    "2026-11-10 09:00",
    "2026-11-10 09:45",
    "0.7500",
    "",
    "Europe/London",
    "U0VA2",
    ("2026-11-10T09:00:00Z", "2026-11-10T09:45:00Z"),
)
ANA_LATE_CALL = _row(
    "2026-11-30",
    "Ana Núñez",
    "Acme Corp",
    "T-1",
    "Call with Acme",
    "2026-11-30 22:00",
    "2026-11-30 23:00",
    "1.0000",
    "",
    "America/New_York",
    "U0VA1",
    ("2026-12-01T03:00:00Z", "2026-12-01T04:00:00Z"),
)


def _read_rows(text: str) -> tuple[list[str], list[dict]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader)
    rows = [dict(zip(header, values, strict=True)) for values in reader]
    for row in rows:
        assert row.pop("entry_id").isdigit()
    return header, rows


EXPORT_ARGS = ("export", "timesheet", "--from", "2026-11-01", "--to", "2026-11-30")


@pytest.fixture
def seeded(engine, settings, database_url) -> dict[str, str]:
    """The database seeded through the services; the env the CLI needs to read it."""
    _seed_november(engine, settings)
    clock.set_now(None)
    return vadesk_env(database_url, VADESK_CONFIG=str(settings.config_path))


def test_export_timesheet_to_a_file(tmp_path, seeded):
    out = tmp_path / "november.csv"
    result = run_vadesk(*EXPORT_ARGS, "--out", str(out), env=seeded, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"Wrote 3 entries (3.25 h) to {out}"
    assert out.read_bytes().startswith(codecs.BOM_UTF8)  # Excel reads it as UTF-8
    with out.open(encoding="utf-8-sig", newline="") as stream:
        header, rows = _read_rows(stream.read())
    assert header == HEADER
    assert rows == [ANA_CALL, BEN_INVOICES, ANA_LATE_CALL]


def test_export_timesheet_for_one_client(tmp_path, seeded):
    out = tmp_path / "acme.csv"
    result = run_vadesk(
        *EXPORT_ARGS, "--client", "acme", "--out", str(out), env=seeded, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    with out.open(encoding="utf-8-sig", newline="") as stream:
        _, rows = _read_rows(stream.read())
    assert rows == [ANA_CALL, ANA_LATE_CALL]


def test_export_timesheet_to_standard_output(tmp_path, seeded):
    result = run_vadesk(*EXPORT_ARGS, "--user", "U0VA2", env=seeded, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    header, rows = _read_rows(result.stdout)
    assert header == HEADER
    assert rows == [BEN_INVOICES]
    assert list(tmp_path.glob("*.csv")) == []


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--from", "2026-11-30", "--to", "2026-11-01"), "--to is before --from"),
        (("--from", "2026-11-01", "--to", "2026-11-31"), "2026-11-31"),
        (("--from", "2026-11-01", "--to", "2026-11-30", "--client", "initech"), "initech"),
    ],
)
def test_export_timesheet_refuses_bad_arguments(tmp_path, seeded, extra, message):
    out = tmp_path / "out.csv"
    result = run_vadesk("export", "timesheet", *extra, "--out", str(out), env=seeded, cwd=tmp_path)
    assert result.returncode == 2
    assert message in one_line(result.stderr)
    assert not out.exists()


# --------------------------------------------------------------------------- serve


def test_serve_answers_healthz_and_refuses_unsigned_requests(
    tmp_path, engine, database_url, fake_slack
):
    env = vadesk_env(
        database_url,
        SLACK_API_URL=fake_slack.base_url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
    )
    with served_vadesk(env, tmp_path) as server:
        status, health = server.get("/healthz")
        assert status == 200
        assert health["ok"] is True
        assert health["database"]["ok"] is True
        assert health["database"]["revision"] == health["database"]["head"]

        body = slash_command_body("/timer", "help", response_url=fake_slack.response_url("h"))
        forged = signed_headers("not-the-signing-secret", body)
        assert server.post(body, forged)[0] == 401
        stale = signed_headers(SIGNING_SECRET, body, timestamp=int(time.time()) - 600)
        assert server.post(body, stale)[0] == 401
        assert fake_slack.calls("response_url") == []  # nothing was answered

        # The same request, properly signed, is served: the 401s were the signature.
        reply = server.command(fake_slack, "/timer", "help", "help")
        assert "/timer start" in reply["text"]

        status, _ = server.get("/nothing-here")
        assert status == 404


def test_serve_reports_unhealthy_database_as_503(tmp_path, fake_slack):
    """A server whose database was dropped under it says so on /healthz."""
    database = tmp_path / "gone.db"
    env = vadesk_env(
        f"sqlite:///{database}",
        SLACK_API_URL=fake_slack.base_url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
    )
    with served_vadesk(env, tmp_path) as server:
        import sqlite3

        with contextlib.closing(sqlite3.connect(database)) as connection:
            connection.execute("DROP TABLE alembic_version")
            connection.commit()
        status, health = server.get("/healthz")
        assert status == 503
        assert health["ok"] is False
        assert health["database"]["ok"] is False
