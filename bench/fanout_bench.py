"""How long VA Desk's `bot.scheduling.notify.Notifier` takes to post 1,000 DMs against a fake
Slack that rate-limits like Slack, and whether every recipient got exactly one message.

The fake Slack Web API (tests/fakeslack.py's FakeSlack, subclassed here) answers
chat.postMessage with HTTP 429 and `Retry-After: 1` when the call would make more than one
post in the last second to its channel, or more than `--per-second` posts in the last second
in all (a sliding 1-second window over the posts it accepted); it also answers a random
`--random-429` share of the calls (seeded) with the same 429 whatever the limits say. Refused
calls do not count against the limits. It records every post it accepts.

The baseline is the floor the fake allows: messages / per-second (1000 / 50 = 20 s; a burst
of 50 at the start could shave a second off, which no steady pace does). The ratio elapsed /
floor is what the Notifier's pacing, its retries and its database work add; target: 1.1 or
less. The run is then repeated with the same outgoings, which must post nothing (each
message is claimed in the `delivery` table before it is posted, so a second run finds every
one "already posted").

    .venv/bin/python -m bench.fanout_bench                     # 1,000 DMs, about 22 s
    .venv/bin/python -m bench.fanout_bench --messages 200 --random-429 0
"""

from __future__ import annotations

import argparse
import collections
import itertools
import logging
import random
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa

from bot.scheduling.notify import Message, Notifier, Outgoing
from bot.slack.web_client import make_posting_client
from store.db import create_db_engine, migrate
from store.models import Delivery
from tests.fakeslack import Call, FakeSlack

TEAM = "T0BENCH"
JOB = "bench-fanout"
SLOT = datetime(2026, 11, 27, 14, 0, tzinfo=UTC)
WINDOW = 1.0  # seconds
POST = "chat.postMessage"


class RateLimitedSlack(FakeSlack):
    """FakeSlack whose chat.postMessage keeps Slack-like limits and answers 429 beyond them."""

    def __init__(self, per_second: int, per_channel: int, random_429: float, seed: int) -> None:
        super().__init__()
        self.per_second = per_second
        self.per_channel = per_channel
        self.random_429 = random_429
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._window: collections.deque[float] = collections.deque()  # accepted, last second
        self._channel_window: dict[str, collections.deque[float]] = {}
        self.refused: Counter[str] = Counter()  # why each 429 was answered
        self.posts: list[tuple[float, str]] = []  # (monotonic time, channel) of each post

    def _answer(self, call: Call) -> tuple[int, Any, dict[str, str]]:
        if call.method != POST:
            return super()._answer(call)
        channel = str(call.params.get("channel", ""))
        with self._lock:
            now = time.monotonic()
            while self._window and self._window[0] <= now - WINDOW:
                self._window.popleft()
            mine = self._channel_window.setdefault(channel, collections.deque())
            while mine and mine[0] <= now - WINDOW:
                mine.popleft()
            if self._rng.random() < self.random_429:
                reason = "random"
            elif len(self._window) >= self.per_second:
                reason = "over the global limit"
            elif len(mine) >= self.per_channel:
                reason = "over the channel limit"
            else:
                reason = None
                self._window.append(now)
                mine.append(now)
                self.posts.append((now, channel))
            if reason is not None:
                self.refused[reason] += 1
        if reason is not None:
            return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"}
        return super()._answer(call)


def _outgoings(count: int) -> list[Outgoing]:
    recipients = [f"U0FAN{n:04d}" for n in range(1, count + 1)]
    return [
        Outgoing(TEAM, JOB, SLOT, who, who, lambda _session, who=who: Message(f"Hello {who}"))
        for who in recipients
    ]


def _pauses(times: list[float], at_least: float) -> list[tuple[float, float]]:
    """(when, how long) of each pause of `at_least` seconds or more between successive posts,
    `when` counted from the first post: a fan-out paced at 48/s has none, except the wait for
    a message refused in its last second."""
    return [(a - times[0], b - a) for a, b in itertools.pairwise(times) if b - a >= at_least]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--per-second", type=int, default=50, help="the fake's global limit (default 50)"
    )
    parser.add_argument(
        "--random-429", type=float, default=0.02, help="share of calls refused anyway"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)  # the Notifier warns about each failure
    floor = args.messages / args.per_second
    outgoings = _outgoings(args.messages)
    recipients = {outgoing.recipient for outgoing in outgoings}
    with (
        tempfile.TemporaryDirectory() as scratch,
        RateLimitedSlack(args.per_second, 1, args.random_429, args.seed) as fake,
    ):
        engine = create_db_engine(f"sqlite:///{Path(scratch) / 'fanout.db'}")
        migrate(engine)
        notifier = Notifier(make_posting_client("xoxb-bench", fake.base_url), engine)
        print(
            f"fan-out of {args.messages} DMs; fake Slack: {args.per_second}/s in all, 1/s per "
            f"channel, {args.random_429:.0%} random 429s (seed {args.seed}); floor "
            f"{args.messages} / {args.per_second} = {floor:.1f} s"
        )
        started = time.monotonic()
        outcomes = notifier.deliver(outgoings)
        elapsed = time.monotonic() - started
        posted = Counter(channel for _, channel in fake.posts)
        with engine.connect() as connection:
            rows = connection.execute(
                sa.select(sa.func.count(), sa.func.count(Delivery.__table__.c.posted_at))
            ).one()
        duplicates = sum(1 for count in posted.values() if count > 1)
        lost = len(recipients - set(posted))
        statuses = Counter(outcome.status for outcome in outcomes)
        times = [at for at, _ in fake.posts]
        pauses = _pauses(times, 0.5)
        verdict = "PASS" if elapsed / floor <= 1.1 else "MISS"
        print(f"  elapsed              {elapsed:.2f} s")
        print(f"  ratio elapsed/floor  {elapsed / floor:.3f}  (target <= 1.1: {verdict})")
        refused = ", ".join(f"{n} {why}" for why, n in fake.refused.most_common()) or "none"
        print(f"  429s answered        {sum(fake.refused.values())} ({refused})")
        print(f"  posts recorded       {len(fake.posts)}")
        print(f"  distinct recipients  {len(posted)}")
        print(f"  duplicates           {duplicates}  (must be 0)")
        print(f"  lost                 {lost}  (must be 0)")
        print(f"  delivery rows        {rows[0]}, {rows[1]} with posted_at set")
        print(f"  outcomes             {dict(statuses)}")
        if times:
            shown = ", ".join(f"{length:.2f} s at {when:.1f} s" for when, length in pauses[:8])
            print(
                f"  posts from first to last {times[-1] - times[0]:.2f} s; pauses >= 0.5 s "
                f"between posts: {len(pauses)}, {sum(length for _, length in pauses):.1f} s in "
                f"all" + (f" ({shown}{', ...' if len(pauses) > 8 else ''})" if pauses else "")
            )
        before = len(fake.posts)
        started = time.monotonic()
        again = notifier.deliver(outgoings)
        rerun = time.monotonic() - started
        new = len(fake.posts) - before
        statuses = Counter(outcome.status for outcome in again)
        print(
            f"second run, same outgoings: {new} new posts (must be 0), outcomes "
            f"{dict(statuses)}, {rerun:.2f} s"
        )
        engine.dispose()
    if len(outcomes) != args.messages:
        print(f"could not measure: {len(outcomes)} outcomes for {args.messages} messages")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
