"""Ack latency and throughput of `/timer start` + `/timer stop` and `/task add` +
`/task done` over real HTTP.

VA Desk (`vadesk serve`) is measured against a do-nothing Bolt slash command served
the same way (waitress, same threads, same Bolt mode) in the same run; the ratios are
what to read. Run from the repository root: `.venv/bin/python -m bench.ack_bench`.
"""

from __future__ import annotations

import argparse
import http.client
import re
import sys
import tempfile
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.load import (
    REPLY_TIMEOUT_SECONDS,
    LoadRun,
    ReplyTracker,
    Request,
    Sample,
    percentile,
    post,
    run_load,
    wait_for_replies,
)
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
MODES = {"default": False, "pbr": True}
THROUGHPUT_RATIO_TARGET = 0.9
P99_TARGET_MS = 25.0
WORK_SHARE_TARGET = 0.95  # completed work/s at least this share of ack/s: replies keep up
WORK_P99_TARGET_MS = 60.0
TASK_REF_RE = re.compile(r"\*(T-\d+)\*")
COMMANDS = ("timer", "task")
SETUP_TASKS = 2  # per VA for the task bench: `/task done` always has a task made earlier


def user_of(client: int) -> str:
    return f"U0BENCH{client + 1}"


def command_of(client: int, command: str, text: str, fake: FakeSlack, name: str) -> str:
    """The body of a slash command typed by this client's VA, answered on `name`."""
    return slash_command_body(
        command,
        text,
        user_id=user_of(client),
        team_id=TEAM_ID,
        response_url=fake.response_url(name),
    )


@dataclass
class Result:
    label: str
    samples: list[Sample]
    seconds: float
    sent: int
    work_rps: float | None = None
    work_latencies: list[float] = field(default_factory=list)
    cpu_seconds: float | None = None  # the server's, from the start of the load to the end
    unexpected: Counter[str] = field(default_factory=Counter)
    api_calls: Counter[str] = field(default_factory=Counter)
    log_problems: Counter[str] = field(default_factory=Counter)

    @property
    def latencies_ms(self) -> list[float]:
        return [s.latency * 1000 for s in self.samples]

    @property
    def ack_rps(self) -> float:
        return len(self.samples) / self.seconds

    @property
    def cpu_ms_per_request(self) -> float | None:
        return None if self.cpu_seconds is None else self.cpu_seconds * 1000 / self.sent


def checked(run: LoadRun, server: ServerProcess) -> list[Sample]:
    if run.errors:
        shown = "\n  ".join(f"{n} x {e}" for e, n in Counter(run.errors).most_common(5))
        raise BenchError(f"{len(run.errors)} request(s) to {server.label} failed:\n  {shown}")
    measured = run.measured()
    if not measured:
        raise BenchError(f"no request to {server.label} completed in the measured window")
    return measured


def with_log(server: ServerProcess, error: BenchError) -> BenchError:
    return BenchError(f"{error}\n--- last lines of the {server.label} log ---\n{server.log_tail()}")


def cpu_spent(server: ServerProcess, before: float | None) -> float | None:
    after = server.cpu_seconds()
    return None if before is None or after is None else after - before


def measure_baseline(fake: ReplyTracker, workdir: Path, mode: str, args) -> Result:
    port = free_port()
    command = [sys.executable, str(BENCH_DIR / "noop_app.py"), "--port", str(port)]
    command += ["--threads", str(args.threads)]
    command += ["--process-before-response"] if MODES[mode] else []
    env = {"SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": fake.base_url}
    server = ServerProcess(f"noop-{mode}", command, port, clean_environment(env), workdir)

    def plan(client: int, seq: int) -> Request:
        name = f"{server.label}-{client}-{seq}"
        body = command_of(client, "/noop", "", fake, name)
        return Request("noop", body, name)

    try:
        server.start()
        cpu_before = server.cpu_seconds()
        run = run_load(port, SIGNING_SECRET, plan, args.clients, args.warmup, args.seconds)
        result = Result(server.label, checked(run, server), args.seconds, len(run.samples))
        result.cpu_seconds = cpu_spent(server, cpu_before)
    except BenchError as error:
        raise with_log(server, error) from None
    finally:
        server.stop()
    result.log_problems = server.log_problems()
    return result


class TimerPlan:
    """Each client is its own VA: `/timer start T-n` and `/timer stop`, alternately."""

    def __init__(self, fake: FakeSlack, task_refs: list[str], prefix: str) -> None:
        self.fake = fake
        self.task_refs = task_refs
        self.prefix = prefix

    def __call__(self, client: int, seq: int) -> Request:
        kind = "start" if seq % 2 == 0 else "stop"
        text = f"start {self.task_refs[client]}" if kind == "start" else "stop"
        name = f"{self.prefix}-{client}-{seq}"
        body = command_of(client, "/timer", text, self.fake, name)
        return Request(kind, body, name)


def create_tasks(fake: FakeSlack, port: int, clients: int, prefix: str) -> list[str]:
    """One task per VA, made by `/timer start <free text>` and stopped again."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    refs = []
    try:
        for client in range(clients):
            for step, text in (("new", f"start bench work {user_of(client)}"), ("stop", "stop")):
                name = f"{prefix}-setup-{client}-{step}"
                body = command_of(client, "/timer", text, fake, name)
                status = post(connection, body, SIGNING_SECRET)
                reply = wait_for_replies(fake, {name}, REPLY_TIMEOUT_SECONDS).get(name)
                reply_text = str(reply.params.get("text", "")) if reply else ""
                if status != 200 or reply is None:
                    raise BenchError(f"setup `/timer {text}`: HTTP {status}, reply {reply_text!r}")
                if step == "new":
                    found = TASK_REF_RE.search(reply_text)
                    if found is None:
                        raise BenchError(f"setup `/timer {text}` answered {reply_text!r}")
                    refs.append(found.group(1))
    finally:
        connection.close()
    return refs


class TaskPlan:
    """Each client is its own VA: `/task add` and `/task done` on a task that VA made
    before (the setup's first, then each add's, once its reply names the task), alternately."""

    def __init__(self, fake: ReplyTracker, setup_refs: list[list[str]], prefix: str) -> None:
        self.fake = fake
        self.prefix = prefix
        self.ready = [deque(refs) for refs in setup_refs]
        self.pending: list[deque[str]] = [deque() for _ in setup_refs]
        self.fallback = [refs[0] for refs in setup_refs]

    def _made_earlier(self, client: int) -> str:
        """A task this VA made and has not completed (waits for an add's reply if need be)."""
        while not self.ready[client] and self.pending[client]:
            text = self.fake.reply_text(self.pending[client].popleft(), REPLY_TIMEOUT_SECONDS)
            found = TASK_REF_RE.search(text or "")
            if found is not None:
                self.ready[client].append(found.group(1))
        # None left (an add went unanswered): done again, counted as an unexpected reply.
        return self.ready[client].popleft() if self.ready[client] else self.fallback[client]

    def __call__(self, client: int, seq: int) -> Request:
        name = f"{self.prefix}-{client}-{seq}"
        if seq % 2 == 0:
            self.pending[client].append(name)
            kind, text = "add", f"add bench task number {seq} of {user_of(client)}"
        else:
            kind, text = "done", f"done {self._made_earlier(client)} benched"
        body = command_of(client, "/task", text, self.fake, name)
        return Request(kind, body, name)


def add_tasks(fake: FakeSlack, port: int, clients: int, prefix: str) -> list[list[str]]:
    """SETUP_TASKS tasks per VA, made with `/task add`, for the first `/task done`s."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    refs: list[list[str]] = [[] for _ in range(clients)]
    try:
        for client in range(clients):
            for n in range(SETUP_TASKS):
                name = f"{prefix}-setup-{client}-{n}"
                body = command_of(client, "/task", f"add bench setup task {n}", fake, name)
                status = post(connection, body, SIGNING_SECRET)
                reply = wait_for_replies(fake, {name}, REPLY_TIMEOUT_SECONDS).get(name)
                reply_text = str(reply.params.get("text", "")) if reply else ""
                found = TASK_REF_RE.search(reply_text)
                if status != 200 or found is None:
                    raise BenchError(f"setup `/task add`: HTTP {status}, reply {reply_text!r}")
                refs[client].append(found.group(1))
    finally:
        connection.close()
    return refs


EXPECTED_REPLIES = {
    "start": ":stopwatch: Timer started",
    "stop": "Stopped ",
    "add": "Created *T-",
    "done": ":white_check_mark: *T-",
}


def unexpected_reply(kind: str, text: str) -> str | None:
    """None if the reply is what this command should answer, else a normalised sample."""
    if text.startswith(EXPECTED_REPLIES[kind]):
        return None
    return f"{kind} -> " + re.sub(r"\d+", "N", text.replace("\n", " | "))[:110]


def measure_vadesk(fake: ReplyTracker, workdir: Path, mode: str, commands: str, args) -> Result:
    port = free_port()
    if MODES[mode]:
        command = [sys.executable, str(BENCH_DIR / "vadesk_server.py"), "--port", str(port)]
    else:
        command = [*vadesk_command(), "serve", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--threads", str(args.threads)]
    env = {
        "DATABASE_URL": f"sqlite:///{workdir / f'vadesk-{commands}.db'}",
        "SLACK_API_URL": fake.base_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
    }
    label = f"vadesk-{commands}-{mode}"
    server = ServerProcess(label, command, port, clean_environment(env), workdir, "/healthz")
    try:
        server.start()
        plan: TimerPlan | TaskPlan
        if commands == "timer":
            plan = TimerPlan(fake, create_tasks(fake, port, args.clients, label), label)
        else:
            plan = TaskPlan(fake, add_tasks(fake, port, args.clients, label), label)
        fake.clear()
        tracker = fake if args.await_reply else None
        cpu_before = server.cpu_seconds()
        run = run_load(port, SIGNING_SECRET, plan, args.clients, args.warmup, args.seconds, tracker)
        measured = checked(run, server)
        replies = wait_for_replies(fake, {s.name for s in run.samples}, REPLY_TIMEOUT_SECONDS)
        cpu = cpu_spent(server, cpu_before)
        missing = [s for s in run.samples if s.name not in replies]
        if missing:
            raise BenchError(
                f"{len(missing)} of {len(run.samples)} commands got no response_url reply "
                f"within {REPLY_TIMEOUT_SECONDS:.0f} s of the end: the work after ack failed"
            )
    except BenchError as error:
        raise with_log(server, error) from None
    finally:
        server.stop()

    result = Result(server.label, measured, args.seconds, len(run.samples), cpu_seconds=cpu)
    last_reply = max(replies[s.name].received_at for s in measured)
    result.work_rps = len(measured) / (last_reply - (run.measure_start + run.wall_offset))
    result.work_latencies = [
        (replies[s.name].received_at - (s.started + run.wall_offset)) * 1000 for s in measured
    ]
    for sample in run.samples:
        problem = unexpected_reply(sample.kind, str(replies[sample.name].params.get("text", "")))
        if problem:
            result.unexpected[problem] += 1
    result.api_calls = Counter(call.method for call in fake.calls())
    result.log_problems = server.log_problems()
    return result


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


LABELS = {"timer": "VA Desk /timer start|stop", "task": "VA Desk /task add|done"}


def cpu_text(result: Result) -> str:
    cpu = result.cpu_ms_per_request
    return "-" if cpu is None else f"{cpu:.2f}"


def report(mode: str, commands: str, baseline: Result, vadesk: Result, args) -> bool:
    """Print one comparison; True when every target is met."""
    pbr = MODES[mode]
    print(
        f"\n{commands}: Bolt mode {mode} (process_before_response={pbr}); {args.clients} "
        f"clients, {args.warmup:g} s warm-up, {args.seconds:g} s measured; waitress "
        f"{args.threads} threads" + ("; VAs await each reply" if args.await_reply else "")
    )
    print(
        f"{'':30}{'requests':>9}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'ack/s':>9}"
        f"{'work/s':>9}{'CPU ms/req':>11}"
    )
    for label, result in (("baseline /noop", baseline), (LABELS[commands], vadesk)):
        latencies = result.latencies_ms
        work = "-" if result.work_rps is None else f"{result.work_rps:.1f}"
        print(
            f"{label:30}{len(result.samples):>9}{percentile(latencies, 50):>9.2f}"
            f"{percentile(latencies, 99):>9.2f}{max(latencies):>9.2f}"
            f"{result.ack_rps:>9.1f}{work:>9}{cpu_text(result):>11}"
        )
    ack_ratio = vadesk.ack_rps / baseline.ack_rps
    work_share = (vadesk.work_rps or 0.0) / vadesk.ack_rps
    p99 = percentile(vadesk.latencies_ms, 99)
    work_p99 = percentile(vadesk.work_latencies, 99)
    print(
        f"VA Desk work latency (sent -> response_url reply): "
        f"p50 {percentile(vadesk.work_latencies, 50):.1f} ms, p99 {work_p99:.1f} ms; "
        f"{vadesk.sent} commands sent, all replied, "
        f"{sum(vadesk.unexpected.values())} unexpected replies"
    )
    for text, count in vadesk.unexpected.most_common(3):
        print(f"    {count} x {text}")
    if vadesk.unexpected and not args.await_reply:
        print("    (a VA's next command ran before the previous one; --await-reply avoids it)")
    checks = {
        f"ack throughput {ack_ratio:.2f}x the baseline (>= {THROUGHPUT_RATIO_TARGET:.2f})": (
            ack_ratio >= THROUGHPUT_RATIO_TARGET
        ),
        f"p99 ack {p99:.1f} ms (< {P99_TARGET_MS:.0f})": p99 < P99_TARGET_MS,
        f"work/s {work_share:.3f} of ack/s (>= {WORK_SHARE_TARGET:.2f})": (
            work_share >= WORK_SHARE_TARGET
        ),
        f"work p99 {work_p99:.1f} ms (< {WORK_P99_TARGET_MS:.0f})": work_p99 < WORK_P99_TARGET_MS,
    }
    for text, ok in checks.items():
        print(f"{verdict(ok)} {text}")
    per_command = ", ".join(
        f"{method} {count / vadesk.sent:.2f}"
        for method, count in sorted(vadesk.api_calls.items())
        if method != "response_url"
    )
    print(f"VA Desk Slack API calls per command: {per_command or 'none'}")
    for result in (baseline, vadesk):
        problems = sum(result.log_problems.values())
        print(f"{result.label} log: {problems} warning/error line(s)")
        for line, count in result.log_problems.most_common(3):
            print(f"    {count} x {line}")
    return all(checks.values())


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="ack_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10, help="measured seconds per server")
    parser.add_argument("--warmup", type=float, default=2, help="warm-up seconds per server")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (max 9)")
    parser.add_argument("--threads", type=int, default=16, help="waitress threads per server")
    parser.add_argument(
        "--await-reply",
        action="store_true",
        help="each VA waits for the reply to its command before sending the next "
        "(as a person would; without it a stop can be processed before its start)",
    )
    parser.add_argument(
        "--commands",
        choices=[*COMMANDS, "both"],
        default="both",
        help="what VA Desk is sent: timer (/timer start, /timer stop), task (/task add, "
        "/task done) or both, one after the other (each against its own baseline run)",
    )
    parser.add_argument(
        "--mode",
        choices=[*MODES, "both"],
        default="default",
        help="Bolt mode for both servers: default (process_before_response=False, as "
        "`vadesk serve` runs), pbr (process_before_response=True) or both",
    )
    args = parser.parse_args(argv)
    if not 1 <= args.clients <= 9:
        parser.error("--clients must be 1..9 (Slack user ids U0BENCH1..9)")
    if args.seconds <= 0 or args.warmup < 0:
        parser.error("--seconds must be positive and --warmup not negative")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    modes = list(MODES) if args.mode == "both" else [args.mode]
    command_sets = list(COMMANDS) if args.commands == "both" else [args.commands]
    print("VA Desk as deployed (`vadesk serve`) runs Bolt's default mode.")
    summary = []
    try:
        with tempfile.TemporaryDirectory(prefix="vadesk-bench-") as tmp, ReplyTracker() as fake:
            for mode in modes:
                workdir = Path(tmp) / mode
                workdir.mkdir()
                for commands in command_sets:
                    baseline = measure_baseline(fake, workdir, mode, args)
                    vadesk = measure_vadesk(fake, workdir, mode, commands, args)
                    met = report(mode, commands, baseline, vadesk, args)
                    summary.append((mode, commands, baseline, vadesk, met))
    except BenchError as error:
        print(f"\nack_bench: {error}", file=sys.stderr)
        return 1
    print("\nSummary:")
    for mode, commands, baseline, result, met in summary:
        print(
            f"  {commands:5} {mode:8} ratio {result.ack_rps / baseline.ack_rps:5.2f}, "
            f"p99 ack {percentile(result.latencies_ms, 99):6.1f} ms, "
            f"ack {result.ack_rps:6.1f}/s, work {result.work_rps or 0:6.1f}/s, "
            f"work p99 {percentile(result.work_latencies, 99):6.1f} ms, "
            f"CPU/req {cpu_text(result)} ms (baseline {cpu_text(baseline)}): "
            f"{'all targets met' if met else 'target(s) missed'}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
