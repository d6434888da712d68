"""Client chats under load: message events over HTTP, and the `sla-sweep` job.

1. 10,000 client-channel messages as signed Events API requests to `vadesk serve`
   (clients opening threads, writing again, VAs answering, 2 % redelivered), as fast as
   it acknowledges, against a do-nothing Bolt `message` listener served the same way in
   the same run. Then it waits until every message is counted in the database, and
   checks each was counted once.
2. `sla-sweep` over 1,000 open conversations (near breach, breach, idle, queued), in
   process, against reading those 1,000 rows in the same run.

Run from the repository root: `.venv/bin/python -m bench.chat_bench [--database-url URL]`.
The database is emptied first: give it a database of its own.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa

from bench.load import Request, percentile
from bench.servers import (
    BENCH_DIR,
    BenchError,
    ServerProcess,
    clean_environment,
    empty_postgres,
    free_port,
    vadesk_command,
)
from tests.fakeslack import TEAM_ID, FakeSlack, event_body

SIGNING_SECRET = "bench-signing-secret"
BOT_TOKEN = "xoxb-bench"
CHANNELS = 50
VAS = 100
MESSAGES = 10_000
REDELIVERED = 0.02
THROUGHPUT_TARGET = 0.8  # VA Desk's acks at least this share of the do-nothing listener's
P99_TARGET_MS = 30.0
COUNTED_TARGET_SECONDS = 5.0  # every message counted within this of the last ack
SWEEP_CONVERSATIONS = 1_000
SWEEP_TARGET_SECONDS = 1.0


def settings_toml(vas: int = VAS, channels: int = CHANNELS, escalations: str | None = None) -> str:
    """A team working round the clock (so chats, routines and checklists are due at any
    hour): VAs `U0VA<n>`, client channels `C0CLIENT<n>`, a digest channel."""
    roster = ", ".join(f'"U0VA{n}"' for n in range(vas))
    lines = [
        "[workspace]",
        'timezone = "UTC"',
        'business_hours = "00:00-23:59"',
        'business_days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]',
        "[roles]",
        'owners = ["U0OWNER"]',
        'supervisors = ["U0SUPER"]',
        f"vas = [{roster}]",
        "[channels]",
        'digest = "C0DIGEST"',
        *([f'escalations = "{escalations}"'] if escalations else []),
    ]
    for n in range(channels):
        lines += [f"[clients.c{n}]", f'name = "Client {n}"', f'channel = "C0CLIENT{n}"']
    return "\n".join(lines) + "\n"


def reset_database(url: str) -> None:
    """An empty, migrated database (`vadesk serve` migrates SQLite only by itself)."""
    from store.db import create_db_engine, migrate

    if url.startswith("postgresql"):
        empty_postgres(url)
    engine = create_db_engine(url)
    migrate(engine)
    engine.dispose()


class MessagePlan:
    """Message i goes to channel i % 50; per channel: a client opens a thread, writes in
    it again, a VA answers in it, the client writes top-level; 2 % are redelivered."""

    def __init__(self, total: int, seed: int = 7) -> None:
        self.bodies: list[str] = []
        self.unique_ts: set[str] = set()
        rng = random.Random(seed)
        base = time.time()
        sent: list[tuple[str, str]] = []
        for i in range(total):
            channel, step = i % CHANNELS, i // CHANNELS
            round_, kind = divmod(step, 4)
            ts = f"{base + i * 0.001:.6f}"
            thread = f"{base - 86_400 + channel * 1000 + round_:.6f}"
            event = {"type": "message", "channel": f"C0CLIENT{channel}", "ts": ts}
            event["channel_type"] = "channel"
            if kind in (0, 1):
                event.update(user=f"U0CLIENT{channel}", thread_ts=thread, text="Hi, any news?")
            elif kind == 2:
                event.update(user=f"U0VA{channel % VAS}", thread_ts=thread, text="On it")
            else:
                event.update(user=f"U0CLIENT{channel}", text="Also this")
            body = event_body(event, event_id=f"Ev{i}", team_id=TEAM_ID)
            self.bodies.append(body)
            self.unique_ts.add(ts)
            sent.append((body, ts))
            if rng.random() < REDELIVERED and len(self.bodies) < total:
                self.bodies.append(body)  # Slack retries: the same event id and ts
        self.bodies = self.bodies[:total]
        self.unique_ts = {json.loads(b)["event"]["ts"] for b in self.bodies}
        self.next = 0

    def take(self, client: int, seq: int) -> Request | None:
        index, self.next = self.next, self.next + 1
        if index >= len(self.bodies):
            return None
        return Request("message", self.bodies[index], f"m{index}")


def send_all(port: int, plan: MessagePlan, clients: int) -> tuple[list[float], float, list[str]]:
    """Send every body once, `clients` connections at a time; (ack ms, seconds, errors)."""
    import http.client
    import threading

    from bench.load import post

    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def client(index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            with lock:
                request = plan.take(index, 0)
            if request is None:
                break
            started = time.perf_counter()
            try:
                status = post(connection, request.body, SIGNING_SECRET)
            except OSError as error:
                errors.append(repr(error))
                connection.close()
                continue
            with lock:
                latencies.append((time.perf_counter() - started) * 1000)
                if status != 200:
                    errors.append(f"HTTP {status}")
        connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, time.perf_counter() - started, errors


def measure_events(fake: FakeSlack, workdir: Path, database_url: str, clients: int) -> dict:
    results = {}
    for label in ("noop", "vadesk"):
        port = free_port()
        env = {
            "SLACK_API_URL": fake.base_url,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        }
        if label == "noop":
            command = [sys.executable, str(BENCH_DIR / "noop_app.py"), "--port", str(port)]
            health = None
        else:
            (workdir / "vadesk.toml").write_text(settings_toml(), encoding="utf-8")
            reset_database(database_url)
            env["DATABASE_URL"] = database_url
            env["VADESK_CONFIG"] = str(workdir / "vadesk.toml")
            command = [*vadesk_command(), "serve", "--host", "127.0.0.1", "--port", str(port)]
            command += ["--no-scheduler"]
            health = "/healthz"
        server = ServerProcess(label, command, port, clean_environment(env), workdir, health)
        plan = MessagePlan(MESSAGES)
        try:
            server.start()
            latencies, seconds, errors = send_all(port, plan, clients)
            handled = None
            if label == "vadesk":
                handled = wait_counted(database_url, len(plan.unique_ts), server)
        finally:
            server.stop()
        if errors:
            raise BenchError(f"{label}: {len(errors)} errors, e.g. {errors[:3]}")
        results[label] = {
            "sent": len(latencies),
            "seconds": seconds,
            "p50": percentile(latencies, 50),
            "p99": percentile(latencies, 99),
            "unique": len(plan.unique_ts),
            "handled": handled,
        }
    return results


def wait_counted(database_url: str, expected: int, server: ServerProcess) -> dict:
    """Wait until the listener counted every message; then how long it took, how many."""
    engine = sa.create_engine(database_url)
    started = time.perf_counter()
    counted = -1
    try:
        while time.perf_counter() - started < 300:
            with engine.connect() as connection:
                counted = connection.execute(
                    sa.text("SELECT count(*) FROM channel_message")
                ).scalar()
                conversations = connection.execute(
                    sa.text("SELECT count(*) FROM conversation")
                ).scalar()
            if counted >= expected:
                break
            time.sleep(0.2)
    finally:
        engine.dispose()
    problems = server.log_problems()
    return {
        "counted": counted,
        "conversations": conversations,
        "drain_seconds": time.perf_counter() - started,
        "log_problems": sum(problems.values()),
        "log_sample": problems.most_common(3),
    }


def seed_open_conversations(engine, now: datetime, total: int) -> None:
    """1,000 open conversations of 250 VAs (4 each, the cap) and the queue: most waiting
    quietly, some past 75 % of the target, some past it, some answered and idle."""
    from sqlmodel import Session

    from store.models import Client, Conversation, Workspace

    rng = random.Random(11)
    with Session(engine) as session:
        session.add(Workspace(id=TEAM_ID, created_at=now))
        session.flush()
        for n in range(CHANNELS):
            session.add(
                Client(team_id=TEAM_ID, key=f"c{n}", name=f"Client {n}", channel_id=f"C0CLIENT{n}")
            )
        session.flush()
        for i in range(total):
            kind = rng.random()
            opened = now - timedelta(minutes=rng.uniform(0.5, 9))
            answered = None
            if kind < 0.05:
                opened = now - timedelta(minutes=12)  # near breach
            elif kind < 0.10:
                opened = now - timedelta(minutes=20)  # breached
            elif kind < 0.40:
                opened = now - timedelta(minutes=rng.uniform(20, 300))
                answered = opened + timedelta(minutes=5)
            va = f"U0VA{i // 4}" if i < 960 else None
            session.add(
                Conversation(
                    team_id=TEAM_ID,
                    client_id=(i % CHANNELS) + 1,
                    channel_id=f"C0CLIENT{i % CHANNELS}",
                    thread_ts=f"{opened.timestamp():.6f}",
                    opened_by=f"U0CLIENT{i}",
                    opened_at=opened,
                    first_response_due=opened + timedelta(minutes=15),
                    last_client_at=opened,
                    first_response_at=answered,
                    first_responder=va if answered else None,
                    response_minutes=5 if answered else None,
                    last_team_at=answered,
                    assignee_id=va,
                    assigned_at=opened if va else None,
                    queued_at=None if va else opened,
                )
            )
        session.commit()


def posting_floor(notifier, channels: list[str], now: datetime) -> float:
    """The same number of messages to the same channels, each a constant text: what
    `bot.scheduling.notify` costs (claim, post, record) whatever the job."""
    from bot.scheduling.notify import Message, Outgoing

    def compose(session) -> Message:
        return Message("floor")

    outgoings = [
        Outgoing(TEAM_ID, "bench-floor", now, f"floor-{i}", channel, compose)
        for i, channel in enumerate(channels)
    ]
    started = time.perf_counter()
    notifier.deliver(outgoings)
    return time.perf_counter() - started


def measure_sweep(database_url: str, runs: int) -> dict:
    from bot import clock
    from bot.scheduling.chat_targets import SlaSweepJob
    from bot.scheduling.jobs import JobContext
    from bot.scheduling.notify import Notifier, RateGate
    from bot.settings import load_settings
    from bot.slack.web_client import make_posting_client
    from store.db import create_db_engine

    with tempfile.TemporaryDirectory() as tmp, FakeSlack() as fake:
        path = Path(tmp) / "vadesk.toml"
        path.write_text(settings_toml(vas=250), encoding="utf-8")
        url = database_url if not database_url.startswith("sqlite") else f"sqlite:///{tmp}/s.db"
        settings = load_settings(
            {"VADESK_CONFIG": str(path), "DATABASE_URL": url, "SLACK_API_URL": fake.base_url},
            load_dotenv_file=False,
        )
        settings = replace(settings, bot_token=BOT_TOKEN)
        figures: dict[str, list[float]] = {
            key: []
            for key in ("baseline", "first-due", "first", "posting-floor", "steady-due", "steady")
        }
        due_counts = []
        for _ in range(runs):
            if url.startswith("sqlite"):
                Path(f"{tmp}/s.db").unlink(missing_ok=True)
            reset_database(url)
            engine = create_db_engine(url)
            now = datetime.now(UTC).replace(microsecond=0)
            seed_open_conversations(engine, now, SWEEP_CONVERSATIONS)
            clock.set_now(now)
            job, ctx = SlaSweepJob(), JobContext(settings, engine)
            notifier = Notifier(
                make_posting_client(BOT_TOKEN, fake.base_url), engine, RateGate(0.0, 100_000.0)
            )
            started = time.perf_counter()
            with engine.connect() as connection:
                rows = connection.execute(
                    sa.text("SELECT * FROM conversation WHERE closed_at IS NULL")
                ).all()
            figures["baseline"].append(time.perf_counter() - started)
            assert len(rows) == SWEEP_CONVERSATIONS
            for label in ("first", "steady"):
                started = time.perf_counter()
                found = job.due(ctx, TEAM_ID, now - timedelta(hours=26), now)
                outgoings = [o for due in found for o in job.messages(ctx, due)]
                figures[f"{label}-due"].append(time.perf_counter() - started)
                outcomes = notifier.deliver(outgoings)
                figures[label].append(time.perf_counter() - started)
                if label == "first":
                    due_counts.append(Counter(o.status for o in outcomes))
                    figures["posting-floor"].append(
                        posting_floor(notifier, [o.channel for o in outgoings], now)
                    )
            engine.dispose()
        clock.set_now(None)
        return {"figures": figures, "outcomes": due_counts[-1]}


def rate(result: dict) -> float:
    return result["sent"] / result["seconds"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None, help="default: SQLite in a temp dir")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--sweep-runs", type=int, default=5)
    parser.add_argument("--skip-events", action="store_true")
    parser.add_argument("--skip-sweep", action="store_true", help="message events only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vadesk-chat-bench-") as tmp:
        workdir = Path(tmp)
        database_url = args.database_url or f"sqlite:///{workdir / 'vadesk.db'}"
        kind = "PostgreSQL" if database_url.startswith("postgresql") else "SQLite"
        if not args.skip_events:
            with FakeSlack() as fake:
                events = measure_events(fake, workdir, database_url, args.clients)
            print(f"## {MESSAGES:,} message events over HTTP, {args.clients} connections, {kind}")
            for label, r in events.items():
                print(
                    f"{label:>7}: {r['sent']:,} acks in {r['seconds']:.1f} s "
                    f"({r['sent'] / r['seconds']:.0f}/s), p50 {r['p50']:.1f} ms, "
                    f"p99 {r['p99']:.1f} ms"
                )
            vadesk, noop = events["vadesk"], events["noop"]
            handled = vadesk["handled"]
            ratio = rate(vadesk) / rate(noop)
            print(
                f"ratio vadesk/noop: p99 {vadesk['p99'] / noop['p99']:.2f}x, "
                f"throughput {ratio:.2f}x"
            )
            drain = handled["drain_seconds"]
            for ok, text in (
                (ratio >= THROUGHPUT_TARGET, f"throughput {ratio:.2f}x (>= {THROUGHPUT_TARGET})"),
                (vadesk["p99"] < P99_TARGET_MS, f"p99 ack {vadesk['p99']:.1f} ms (< 30)"),
                (
                    drain <= COUNTED_TARGET_SECONDS and handled["counted"] == vadesk["unique"],
                    f"every message counted {drain:.1f} s after the last ack "
                    f"(<= {COUNTED_TARGET_SECONDS:.0f} s)",
                ),
            ):
                print(f"{'PASS' if ok else 'MISS'} {text}")
            print(
                f"handled: {handled['counted']:,} of {vadesk['unique']:,} distinct messages "
                "counted "
                f"(each once: {'yes' if handled['counted'] == vadesk['unique'] else 'NO'}), "
                f"{handled['conversations']:,} conversations, all counted "
                f"{handled['drain_seconds']:.1f} s after the last ack; "
                f"{handled['log_problems']} warnings in the log {handled['log_sample']}"
            )
        if args.skip_sweep:
            return
        sweep = measure_sweep(database_url, args.sweep_runs)
        figures = sweep["figures"]
        print(
            f"## sla-sweep over {SWEEP_CONVERSATIONS:,} open conversations, {kind}, "
            f"{args.sweep_runs} runs"
        )
        for label, values in figures.items():
            print(
                f"{label:>8}: median {statistics.median(values) * 1000:.0f} ms "
                f"(min {min(values) * 1000:.0f}, max {max(values) * 1000:.0f})"
            )
        first = statistics.median(figures["first"])
        floor = statistics.median(figures["posting-floor"])
        steady = max(figures["steady"])
        print(f"outcomes of the first sweep: {dict(sweep['outcomes'])}")
        print(
            f"first sweep / the same posts of constant text: {first / floor:.2f}x; "
            f"steady sweep (nothing new due) {'PASS' if steady < SWEEP_TARGET_SECONDS else 'MISS'} "
            f"(< 1 s), first sweep "
            f"{'PASS' if max(figures['first']) < SWEEP_TARGET_SECONDS else 'MISS'}"
        )


if __name__ == "__main__":
    try:
        main()
    except BenchError as error:
        print(f"bench failed: {error}", file=sys.stderr)
        sys.exit(1)
