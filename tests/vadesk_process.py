"""Running the `vadesk` console script as an operator does, for end-to-end tests:
a subprocess with an explicit environment (never the developer's real tokens)."""

from __future__ import annotations

import contextlib
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
import time_machine

from tests.conftest import SIGNING_SECRET, TEAM
from tests.fakeslack import FakeSlack, signed_headers, slash_command_body

REPO = Path(__file__).resolve().parents[1]
SCHEMA_DIR = REPO / "manifests" / "schema"
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


def machine_time() -> float:
    """The machine's own clock, which a `vadesk` child process reads even while this test
    run's clock is moved (`TEST_CLOCK_SHIFT_DAYS`, see tests/conftest.py)."""
    if time_machine.escape_hatch.is_travelling():
        return time_machine.escape_hatch.time.time()
    return time.time()


def child_signed_headers(body: str, timestamp: int | None = None) -> dict[str, str]:
    """Headers a `vadesk serve` child accepts: signed on the child's clock."""
    return signed_headers(
        SIGNING_SECRET, body, int(machine_time()) if timestamp is None else timestamp
    )


class ServeProcess(VadeskProcess):
    """`vadesk serve` on a free loopback port, reached over HTTP like Slack reaches it."""

    def __init__(self, env: dict[str, str], cwd: Path, *options: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        address = ("--host", "127.0.0.1", "--port", str(self.port))
        super().__init__(("serve", *address, "--threads", "4", *options), env, cwd)

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
        status, answer = self.post(body, child_signed_headers(body))
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
