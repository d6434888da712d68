"""A day under load: 50 VAs and 10 clients for 5 minutes against `vadesk serve` (HTTP mode,
its scheduler running), then a reconciliation of what the database holds.

Each VA, paced, starts a timer on their task, opens App Home, adds a task, stops the
timer, reads `/report`, answers a client in thread, and every fifth round escalates; each
client writes in their channel (2 % of messages delivered twice). At the start the
scheduler fans out every VA's due checklists. Printed: ack latency per kind against a
do-nothing Bolt app paced the same way, the errors, and the reconciliation: every
confirmed stop has exactly one entry whose start and end lie within its two requests,
every distinct client-channel message is counted once, no scheduled post went out twice.

Run from the repository root, with a PostgreSQL database of its own (emptied first):
`.venv/bin/python -m bench.day_load --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_day`
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.chat_bench import reset_database
from bench.day_plan import ClientScript, Conversations, Request, VaScript, settings_toml
from bench.day_reconcile import Ack, Totals, reconcile, report, wait_settled
from bench.load import post, wait_for_replies
from bench.servers import (
    BENCH_DIR,
    BenchError,
    ServerProcess,
    clean_environment,
    free_port,
    vadesk_command,
)
from tests.fakeslack import TEAM_ID, FakeSlack, slash_command_body

SIGNING_SECRET = "bench-signing-secret"
BOT_TOKEN = "xoxb-bench"
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_day"


def paced(actors: list[int], per_minute: float, seconds: float, send) -> threading.Thread:
    """A thread that gives each actor in turn a request, `per_minute` per actor."""
    interval = 60.0 / (per_minute * len(actors))

    def run() -> None:
        start = time.perf_counter()
        for tick in range(int(seconds / interval)):
            time.sleep(max(0.0, start + tick * interval - time.perf_counter()))
            send(actors[tick % len(actors)])

    return threading.Thread(target=run, daemon=True)


def run_all(threads: list[threading.Thread]) -> float:
    """Start the pacing threads together; the seconds until the last one is done."""
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began


class Sender:
    """One keep-alive connection per pacing thread; every request timed."""

    def __init__(self, port: int, totals: Totals) -> None:
        import http.client

        self._local = threading.local()
        self._connect = lambda: http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.totals = totals

    def send(self, request: Request) -> float:
        connection = getattr(self._local, "connection", None) or self._connect()
        self._local.connection = connection
        sent = time.time()
        started = time.perf_counter()
        try:
            status = post(connection, request.body, SIGNING_SECRET)
        except OSError as error:
            connection.close()
            self._local.connection = None
            self.totals.error(f"{request.kind}: {error!r}")
            return sent
        self.totals.ack(Ack(request.kind, time.perf_counter() - started, status))
        if status != 200:
            self.totals.error(f"{request.kind}: HTTP {status}")
        return sent


def run_day(args: argparse.Namespace, fake: FakeSlack, workdir: Path) -> dict:
    (workdir / "vadesk.toml").write_text(settings_toml(args.vas, args.clients), encoding="utf-8")
    reset_database(args.database_url)
    port = free_port()
    env = {
        "SLACK_API_URL": fake.base_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "DATABASE_URL": args.database_url,
        "VADESK_CONFIG": str(workdir / "vadesk.toml"),
    }
    command = [*vadesk_command(), "serve", "--host", "127.0.0.1", "--port", str(port)]
    server = ServerProcess("vadesk", command, port, clean_environment(env), workdir, "/healthz")
    totals = Totals()
    conversations = Conversations()
    vas = VaScript(args.vas, args.clients, fake.response_url, conversations)
    clients = ClientScript(conversations)
    server.start()
    try:
        sender = Sender(port, totals)
        setup_task_numbers(vas, Sender(port, Totals()), fake, args.vas)  # not measured

        def va_turn(va: int) -> None:
            request = vas.next_request(va)
            sent = sender.send(request)
            cycle = vas.open_cycle.get(va)
            if request.kind == "timer_start" and cycle is not None:
                cycle.start_sent = sent
            elif request.kind == "timer_stop" and cycle is not None:
                cycle.stop_sent = sent

        def client_turn(client: int) -> None:
            for request in clients.next_requests(client):
                sender.send(request)

        threads = [
            paced(list(range(i, args.vas, args.connections)), args.va_rate, args.seconds, va_turn)
            for i in range(args.connections)
        ] + [paced(list(range(args.clients)), args.client_rate, args.seconds, client_turn)]
        totals.seconds = run_all(threads)
        names = {c.start_reply for c in vas.cycles} | {
            c.stop_reply for c in vas.cycles if c.stop_reply
        }
        replies = wait_for_replies(fake, names, timeout=60)
        settled = wait_settled(args.database_url, len(conversations.distinct_ts))
        result = reconcile(args.database_url, fake, vas, replies, conversations, settled)
    finally:
        server.stop()
    result["totals"] = totals
    result["log_problems"] = server.log_problems()
    return result


def setup_task_numbers(vas: VaScript, sender: Sender, fake: FakeSlack, count: int) -> None:
    """Each VA's own task, made before the day starts (`/task add`), its number noted."""
    import re

    for va in range(count):
        sender.send(vas.first_task(va))
    replies = wait_for_replies(fake, {f"setup-{va}" for va in range(count)}, timeout=60)
    for va in range(count):
        call = replies.get(f"setup-{va}")
        match = re.search(r"\*T-(\d+)\*", call.params.get("text", "")) if call else None
        if match is None:
            raise BenchError(f"VA {va}'s first task was not created: {call and call.params}")
        vas.task_numbers[va] = int(match.group(1))


def run_baseline(args: argparse.Namespace, fake: FakeSlack, workdir: Path) -> Totals:
    """The do-nothing Bolt app, sent as many requests a second for a minute at most."""
    port = free_port()
    env = {"SLACK_API_URL": fake.base_url, "SLACK_SIGNING_SECRET": SIGNING_SECRET}
    command = [sys.executable, str(BENCH_DIR / "noop_app.py"), "--port", str(port)]
    server = ServerProcess("noop", command, port, clean_environment(env), workdir)
    totals = Totals()
    server.start()
    try:
        sender = Sender(port, totals)
        body = slash_command_body("/noop", "", team_id=TEAM_ID)
        rate = args.va_rate + args.client_rate * args.clients / max(1, args.vas)
        seconds = min(60.0, args.seconds)
        threads = [
            paced(
                list(range(i, args.vas, args.connections)),
                rate,
                seconds,
                lambda _va: sender.send(Request("noop", body)),
            )
            for i in range(args.connections)
        ]
        totals.seconds = run_all(threads)
    finally:
        server.stop()
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--seconds", type=float, default=300.0)
    parser.add_argument("--vas", type=int, default=50)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--va-rate", type=float, default=20.0, help="requests per VA a minute")
    parser.add_argument(
        "--client-rate", type=float, default=6.0, help="messages per client a minute"
    )
    args = parser.parse_args()
    with FakeSlack() as fake, tempfile.TemporaryDirectory(prefix="vadesk-day-") as tmp:
        try:
            baseline = run_baseline(args, fake, Path(tmp))
            fake.clear()
            result = run_day(args, fake, Path(tmp))
        except BenchError as error:
            print(f"day_load: could not measure: {error}", file=sys.stderr)
            sys.exit(1)
    report(args, baseline, result)


if __name__ == "__main__":
    main()
