"""The load generator: client threads on keep-alive connections, timed per request."""

from __future__ import annotations

import http.client
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.fakeslack import Call, FakeSlack, signed_headers

EVENTS_PATH = "/slack/events"
REPLY_TIMEOUT_SECONDS = 30.0


class ReplyTracker(FakeSlack):
    """FakeSlack that also signals each response_url reply by name, so a client can
    wait for the reply to its own command without scanning every recorded call."""

    def __init__(self) -> None:
        super().__init__()
        self._replied: dict[str, threading.Event] = {}
        self._replies: dict[str, Call] = {}
        self._replied_lock = threading.Lock()

    def _reply_event(self, name: str) -> threading.Event:
        with self._replied_lock:
            return self._replied.setdefault(name, threading.Event())

    def _answer(self, call: Call) -> tuple[int, Any, dict[str, str]]:
        if call.method == "response_url":
            name = call.path.rsplit("/", 1)[-1]
            with self._replied_lock:
                self._replies[name] = call
            self._reply_event(name).set()
        return super()._answer(call)

    def wait_reply(self, name: str, timeout: float) -> bool:
        return self._reply_event(name).wait(timeout)

    def reply_text(self, name: str, timeout: float) -> str | None:
        """The text of the reply to this command, once it arrived (None: it did not)."""
        if not self.wait_reply(name, timeout):
            return None
        with self._replied_lock:
            return str(self._replies[name].params.get("text", ""))


@dataclass
class Request:
    kind: str
    body: str
    name: str
    """The response_url name, so the reply can be matched to the request."""


@dataclass
class Sample:
    kind: str
    name: str
    started: float
    finished: float
    status: int

    @property
    def latency(self) -> float:
        return self.finished - self.started


Plan = Callable[[int, int], Request]
"""(client index, sequence number) -> the next request that client sends."""


@dataclass
class LoadRun:
    samples: list[Sample]
    errors: list[str]
    measure_start: float
    measure_end: float
    wall_offset: float
    """Add to a perf_counter() value to get time.time() (FakeSlack stamps calls so)."""

    def measured(self) -> list[Sample]:
        """Requests sent after the warm-up that completed within the measured window."""
        return [
            s
            for s in self.samples
            if s.started >= self.measure_start and s.finished <= self.measure_end
        ]


def post(connection: http.client.HTTPConnection, body: str, signing_secret: str) -> int:
    """POST a freshly signed body to Bolt's endpoint; return the HTTP status."""
    headers = signed_headers(signing_secret, body)
    connection.request("POST", EVENTS_PATH, body=body.encode(), headers=headers)
    response = connection.getresponse()
    response.read()
    return response.status


def run_load(
    port: int,
    signing_secret: str,
    plan: Plan,
    clients: int,
    warmup: float,
    seconds: float,
    await_reply: ReplyTracker | None = None,
) -> LoadRun:
    """`clients` threads, each on its own keep-alive connection, sending back to back
    (with `await_reply`, the next command goes once the previous one's reply arrived)."""
    load_start = time.perf_counter() + 0.2
    measure_start = load_start + warmup
    measure_end = measure_start + seconds
    per_client: list[list[Sample]] = [[] for _ in range(clients)]
    errors: list[str] = []

    def client(index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        time.sleep(max(0.0, load_start - time.perf_counter()))
        seq = 0
        while time.perf_counter() < measure_end:
            request = plan(index, seq)
            started = time.perf_counter()
            try:
                status = post(connection, request.body, signing_secret)
            except (OSError, http.client.HTTPException) as error:
                errors.append(f"{request.kind}: {error!r}")
                connection.close()
                status = 0
            finished = time.perf_counter()
            if status not in (0, 200):
                errors.append(f"{request.kind}: HTTP {status}")
            per_client[index].append(Sample(request.kind, request.name, started, finished, status))
            seq += 1
            if (
                await_reply is not None
                and status == 200
                and not await_reply.wait_reply(request.name, REPLY_TIMEOUT_SECONDS)
            ):
                errors.append(f"{request.kind}: no reply within {REPLY_TIMEOUT_SECONDS:.0f} s")
                break
        connection.close()

    wall_offset = time.time() - time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    samples = [sample for samples in per_client for sample in samples]
    return LoadRun(samples, errors, measure_start, measure_end, wall_offset)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile of `values` (q in 0..100)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def replies_by_name(fake: FakeSlack) -> dict[str, Call]:
    return {call.path.rsplit("/", 1)[-1]: call for call in fake.calls("response_url")}


def wait_for_replies(fake: FakeSlack, names: set[str], timeout: float) -> dict[str, Call]:
    """Wait until every named response_url has been posted to (or the timeout passes)."""
    deadline = time.monotonic() + timeout
    while True:
        replies = replies_by_name(fake)
        if names <= replies.keys() or time.monotonic() >= deadline:
            return replies
        time.sleep(0.05)
