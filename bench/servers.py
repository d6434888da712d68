"""Start the servers under test as their own processes, wait until they answer, stop them.

Each server runs in a separate process so the load generator's GIL does not slow it;
its stdout and stderr go to a log file whose tail is shown when something fails.
"""

from __future__ import annotations

import http.client
import os
import shutil
import socket
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
READY_TIMEOUT_SECONDS = 30


class BenchError(Exception):
    """The benchmark could not measure: a server did not start or requests failed."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def clean_environment(overrides: dict[str, str]) -> dict[str, str]:
    """The bench's environment without Slack/VA Desk settings or proxies, plus overrides.

    A proxy variable would send the servers' calls to the fake Slack elsewhere.
    """
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("SLACK_", "VADESK_"))
        and name not in ("DATABASE_URL", "LOG_LEVEL")
        and not name.lower().endswith("_proxy")
    }
    env.update(overrides)
    return env


def vadesk_command() -> list[str]:
    """The `vadesk` console script next to this interpreter (or `python -m bot.cli`)."""
    script = shutil.which("vadesk", path=str(Path(sys.executable).parent))
    return [script] if script else [sys.executable, "-m", "bot.cli"]


@dataclass
class ServerProcess:
    """One server under test: its command line, port and log file."""

    label: str
    command: list[str]
    port: int
    env: dict[str, str]
    cwd: Path
    health_path: str | None = None
    """GET this path until it answers 200; None: wait until the port accepts connections."""
    process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def log_path(self) -> Path:
        return self.cwd / f"{self.label}.log"

    def start(self) -> None:
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                self.command,
                cwd=self.cwd,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                code = None if self.process is None else self.process.returncode
                raise BenchError(f"{self.label} exited with code {code} while starting")
            if self._answers():
                return
            time.sleep(0.1)
        raise BenchError(f"{self.label} did not answer within {READY_TIMEOUT_SECONDS} s")

    def _answers(self) -> bool:
        try:
            if self.health_path is None:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return True
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            try:
                connection.request("GET", self.health_path)
                return connection.getresponse().status == 200
            finally:
                connection.close()
        except OSError:
            return False

    def cpu_seconds(self) -> float | None:
        """CPU time (user + system) the server has used so far; None where /proc is not."""
        if self.process is None:
            return None
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"
        tail = [line[:300] for line in text.splitlines()[-lines:]]
        return "\n".join(tail) or "(empty log)"

    def log_problems(self) -> Counter[str]:
        """Distinct WARNING/ERROR/Traceback lines of the log (timestamps cut off), counted."""
        problems: Counter[str] = Counter()
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return problems
        for line in text.splitlines():
            for marker in (" WARNING ", " ERROR ", " CRITICAL ", "Traceback"):
                if marker in line:
                    problems[line[line.index(marker.strip()) :][:160]] += 1
                    break
        return problems


def empty_postgres(url: str) -> None:
    """Drop and recreate the public schema of a PostgreSQL benchmark database."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()
