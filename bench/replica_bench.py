"""What a second web replica adds: `/timer start` + `/timer stop` acknowledged by one
`vadesk serve --no-scheduler` and by two (the clients split between them as a load
balancer would), on one PostgreSQL database, against one do-nothing Bolt app in the same
run. Printed besides: the CPU seconds each side used (servers, load generator, database),
which is why two replicas cannot double the throughput of one on a 2-core machine.

Run from the repository root, with a PostgreSQL database of its own (emptied first):
`.venv/bin/python -m bench.replica_bench --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_replicas`
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.ack_bench import TimerPlan, create_tasks
from bench.chat_bench import reset_database
from bench.load import LoadRun, ReplyTracker, Request, percentile, run_load
from bench.servers import (
    BENCH_DIR,
    BenchError,
    ServerProcess,
    clean_environment,
    free_port,
    vadesk_command,
)
from tests.fakeslack import TEAM_ID, slash_command_body

SIGNING_SECRET = "bench-signing-secret"
BOT_TOKEN = "xoxb-bench"
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_replicas"
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children that exited, from /proc."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return sum(int(value) for value in fields[11:15]) / TICKS


def postgres_cpu() -> float:
    """CPU of every PostgreSQL backend process now alive (a rough share of the database)."""
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/comm", encoding="ascii") as comm:
                if comm.read().strip() != "postgres":
                    continue
            total += cpu_seconds(int(entry))
        except OSError:
            continue
    return total


def offset_plan(plan, offset: int):
    return lambda client, seq: plan(client + offset, seq)


def measure(label: str, servers: list[ServerProcess], plans, args) -> dict:
    """Load every server at once (clients split evenly); what they acknowledged together."""
    per_server = args.clients // len(servers)
    runs: list[LoadRun] = []
    cpu_before = [cpu_seconds(s.process.pid) for s in servers if s.process]
    db_before, own_before = postgres_cpu(), time.process_time()

    def drive(server: ServerProcess, plan) -> None:
        runs.append(
            run_load(server.port, SIGNING_SECRET, plan, per_server, args.warmup, args.seconds)
        )

    threads = [
        threading.Thread(target=drive, args=pair) for pair in zip(servers, plans, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    samples = [s for run in runs for s in run.measured()]
    errors = [e for run in runs for e in run.errors]
    if errors or not samples:
        raise BenchError(f"{label}: {len(errors)} errors, e.g. {errors[:3]}")
    servers_cpu = sum(
        cpu_seconds(s.process.pid) - before
        for s, before in zip(servers, cpu_before, strict=True)
        if s.process
    )
    elapsed = args.warmup + args.seconds
    latencies = [s.latency * 1000 for s in samples]
    return {
        "label": label,
        "rps": len(samples) / args.seconds,
        "p50": percentile(latencies, 50),
        "p99": percentile(latencies, 99),
        "servers_cpu": servers_cpu / elapsed,
        "load_cpu": (time.process_time() - own_before) / elapsed,
        "db_cpu": (postgres_cpu() - db_before) / elapsed,
    }


def noop_server(fake: ReplyTracker, workdir: Path) -> tuple[ServerProcess, object]:
    port = free_port()
    command = [sys.executable, str(BENCH_DIR / "noop_app.py"), "--port", str(port)]
    env = {"SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": fake.base_url}

    def plan(client: int, seq: int) -> Request:
        body = slash_command_body("/noop", "", user_id=f"U0B{client}", team_id=TEAM_ID)
        return Request("noop", body, f"noop-{client}-{seq}")

    return ServerProcess("noop", command, port, clean_environment(env), workdir), plan


def vadesk_servers(fake: ReplyTracker, workdir: Path, count: int, url: str) -> list[ServerProcess]:
    env = {
        "DATABASE_URL": url,
        "SLACK_API_URL": fake.base_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
    }
    servers = []
    for index in range(count):
        port = free_port()
        command = [*vadesk_command(), "serve", "--host", "127.0.0.1", "--port", str(port)]
        command += ["--no-scheduler"]
        servers.append(
            ServerProcess(
                f"vadesk-{count}-{index}",
                command,
                port,
                clean_environment(env),
                workdir,
                "/healthz",
            )
        )
    return servers


def run(args: argparse.Namespace, fake: ReplyTracker, workdir: Path) -> list[dict]:
    results = []
    server, plan = noop_server(fake, workdir)
    server.start()
    try:
        results.append(measure("do-nothing x1", [server], [plan], args))
    finally:
        server.stop()
    for count in (1, 2):
        reset_database(args.database_url)
        servers = vadesk_servers(fake, workdir, count, args.database_url)
        try:
            for server in servers:
                server.start()
            refs = create_tasks(fake, servers[0].port, args.clients, f"r{count}")
            per_server = args.clients // count
            timer = TimerPlan(fake, refs, f"r{count}")
            plans = [offset_plan(timer, index * per_server) for index in range(count)]
            results.append(measure(f"vadesk x{count}", servers, plans, args))
        finally:
            for server in servers:
                server.stop()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    with ReplyTracker() as fake, tempfile.TemporaryDirectory(prefix="vadesk-replicas-") as tmp:
        try:
            results = run(args, fake, Path(tmp))
        except BenchError as error:
            print(f"replica_bench: could not measure: {error}", file=sys.stderr)
            sys.exit(1)
    base = results[0]["rps"]
    print(
        f"{'servers':<15}{'ack/s':>8}{'ratio':>7}{'p50 ms':>8}{'p99 ms':>8}"
        f"{'server CPU':>11}{'load gen':>9}{'postgres':>9}"
    )
    for r in results:
        print(
            f"{r['label']:<15}{r['rps']:>8.0f}{r['rps'] / base:>7.2f}"
            f"{r['p50']:>8.1f}{r['p99']:>8.1f}"
            f"{r['servers_cpu']:>11.2f}{r['load_cpu']:>9.2f}{r['db_cpu']:>9.2f}"
        )
    one, two = results[1]["rps"], results[2]["rps"]
    print(f"a second replica: {two / one:.2f}x the throughput of one (CPU columns: cores in use)")


if __name__ == "__main__":
    main()
