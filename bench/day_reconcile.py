"""`bench/day_load.py`'s bookkeeping: acks per kind, and after the day the reconciliation
of what the database holds against what the simulated team was told."""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import sqlalchemy as sa

from bench.day_plan import Conversations, VaScript, va_id
from bench.load import percentile
from tests.fakeslack import Call, FakeSlack

P99_TARGET_MS = 200.0
SLACK = 0.005  # seconds either side: the database's clock and this one are the same machine's
STOPPED = re.compile(r"^Stopped \*T-(\d+)\*")
FAILURE_WORDS = (
    "went wrong",
    "cannot reach its database",
    "Slack did not take",
    "at the same moment",
)


@dataclass
class Ack:
    kind: str
    seconds: float
    status: int


@dataclass
class Totals:
    acks: list[Ack] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def ack(self, ack: Ack) -> None:
        with self._lock:
            self.acks.append(ack)

    def error(self, text: str) -> None:
        with self._lock:
            self.errors.append(text)

    def p99_ms(self, kind: str | None = None) -> float:
        return 1000 * percentile([a.seconds for a in self.acks if kind in (None, a.kind)], 99)

    def p50_ms(self, kind: str | None = None) -> float:
        return 1000 * percentile([a.seconds for a in self.acks if kind in (None, a.kind)], 50)


def wait_settled(url: str, expected_messages: int, timeout: float = 120.0) -> float:
    """Seconds from the last request until every distinct client-channel message is counted
    (or the timeout)."""
    engine = sa.create_engine(url)
    started = time.perf_counter()
    try:
        while time.perf_counter() - started < timeout:
            with engine.connect() as connection:
                counted = connection.execute(
                    sa.text("SELECT count(*) FROM channel_message")
                ).scalar()
            if (counted or 0) >= expected_messages:
                break
            time.sleep(0.2)
    finally:
        engine.dispose()
    return time.perf_counter() - started


def _timers(connection, vas: VaScript, replies: dict[str, Call]) -> dict:
    rows = connection.execute(
        sa.text(
            "SELECT user_id, started_at, ended_at FROM time_entry "
            "WHERE source = 'timer' AND ended_at IS NOT NULL"
        )
    ).all()
    by_user: dict[str, list[tuple[float, float]]] = {}
    for user_id, started_at, ended_at in rows:
        by_user.setdefault(user_id, []).append((_epoch(started_at), _epoch(ended_at)))
    confirmed = matched = 0
    wrong: list[str] = []
    for cycle in vas.cycles:
        stop, start = replies.get(cycle.stop_reply), replies.get(cycle.start_reply)
        if stop is None or start is None or not STOPPED.match(stop.params.get("text", "")):
            continue
        confirmed += 1
        fits = [
            entry
            for entry in by_user.get(va_id(cycle.va), [])
            if cycle.start_sent - SLACK <= entry[0] <= start.received_at + SLACK
            and cycle.stop_sent - SLACK <= entry[1] <= stop.received_at + SLACK
        ]
        if len(fits) == 1:
            matched += 1
        else:
            wrong.append(f"{va_id(cycle.va)} {cycle.stop_reply}: {len(fits)} entries fit")
    return {"confirmed": confirmed, "matched": matched, "entries": len(rows), "wrong": wrong}


def _epoch(value) -> float:
    if isinstance(value, str):  # SQLite returns the stored text
        from datetime import datetime

        value = datetime.fromisoformat(value)
    return value.timestamp()


def _message_key(call: Call) -> tuple:
    return call.params.get("channel"), call.params.get("text")


def _scheduled(connection, fake: FakeSlack) -> dict:
    posted = connection.execute(
        sa.text("SELECT job, message_ts FROM delivery WHERE posted_at IS NOT NULL")
    ).all()
    calls = [c for c in fake.calls("chat.postMessage") if c.response and c.response.get("ok")]
    by_ts = {c.response.get("ts"): c for c in calls}
    by_message = Counter(_message_key(c) for c in calls)
    doubled = [
        job
        for job, ts in posted
        if ts in by_ts
        and by_message[(by_ts[ts].params.get("channel"), by_ts[ts].params.get("text"))] > 1
    ]
    return {"posted": len(posted), "jobs": Counter(job for job, _ in posted), "doubled": doubled}


def reconcile(
    url: str,
    fake: FakeSlack,
    vas: VaScript,
    replies: dict[str, Call],
    conversations: Conversations,
    settled_seconds: float,
) -> dict:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            timers = _timers(connection, vas, replies)
            scheduled = _scheduled(connection, fake)
            counted = connection.execute(sa.text("SELECT count(*) FROM channel_message")).scalar()
            escalations = connection.execute(sa.text("SELECT count(*) FROM escalation")).scalar()
    finally:
        engine.dispose()
    failures = [
        c.params.get("text", "")[:120]
        for c in fake.calls("response_url")
        if any(word in c.params.get("text", "") for word in FAILURE_WORDS)
    ]
    return {
        "timers": timers,
        "scheduled": scheduled,
        "messages": {"sent": len(conversations.distinct_ts), "counted": counted},
        "settled_seconds": settled_seconds,
        "escalations": escalations,
        "failed_replies": failures,
        "unanswered": len({c.start_reply for c in vas.cycles} - replies.keys()),
    }


def _print_acks(args, baseline: Totals, totals: Totals) -> None:
    print(
        f"day_load: {args.vas} VAs, {args.clients} clients, {totals.seconds:.0f} s, "
        f"{args.connections} connections"
    )
    print(f"{'kind':<16}{'acks':>7}{'p50 ms':>9}{'p99 ms':>9}")
    for kind in sorted({a.kind for a in totals.acks}):
        count = sum(1 for a in totals.acks if a.kind == kind)
        print(f"{kind:<16}{count:>7}{totals.p50_ms(kind):>9.1f}{totals.p99_ms(kind):>9.1f}")
    p99, base = totals.p99_ms(), baseline.p99_ms()
    print(f"{'all':<16}{len(totals.acks):>7}{totals.p50_ms():>9.1f}{p99:>9.1f}")
    print(f"{'do-nothing':<16}{len(baseline.acks):>7}{baseline.p50_ms():>9.1f}{base:>9.1f}")
    verdict = "PASS" if p99 < P99_TARGET_MS else "MISS"
    print(
        f"p99 ack {p99:.1f} ms = {p99 / base:.2f}x the do-nothing app's at the same pacing; "
        f"target < {P99_TARGET_MS:.0f} ms: {verdict}"
    )


def report(args, baseline: Totals, result: dict) -> None:
    totals: Totals = result["totals"]
    _print_acks(args, baseline, totals)
    errors = totals.errors + result["failed_replies"]
    problems = result["log_problems"]
    print(
        f"errors: {len(errors)}{' e.g. ' + '; '.join(errors[:3]) if errors else ''}; "
        f"unanswered commands: {result['unanswered']}; log problems: {sum(problems.values())}"
    )
    for line, count in problems.most_common(3):
        print(f"  {count} x {line}")
    timers = result["timers"]
    wrong = f"; wrong: {timers['wrong'][:3]}" if timers["wrong"] else ""
    print(
        f"timers: {timers['confirmed']} confirmed stops, {timers['matched']} with exactly one "
        f"entry inside their requests' times ({timers['entries']} stopped entries in all){wrong}"
    )
    messages = result["messages"]
    print(
        f"client-channel messages: {messages['sent']} distinct sent, {messages['counted']} "
        f"counted, all counted {result['settled_seconds']:.1f} s after the last request"
    )
    scheduled = result["scheduled"]
    jobs = dict(scheduled["jobs"])
    print(f"scheduled posts: {scheduled['posted']} {jobs}, doubled: {len(scheduled['doubled'])}")
    print(f"escalations saved: {result['escalations']}")
    whole = (
        not errors
        and result["unanswered"] == 0
        and timers["confirmed"] == timers["matched"] == timers["entries"]
        and messages["sent"] == messages["counted"]
        and not scheduled["doubled"]
    )
    print(f"reconciliation: {'PASS' if whole else 'MISS'}")
