"""Prometheus metrics of one process, served at `GET /metrics` in HTTP mode.

Each `Metrics` has a registry of its own (not prometheus_client's global one), so every
app built in a process, as the tests build many, counts apart. Recording costs a dict
lookup and an increment under a lock: a microsecond or two a request."""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from slack_sdk import WebClient
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web import SlackResponse

CONTENT_TYPE = CONTENT_TYPE_LATEST
# Slack's 3-second limit for an acknowledgement sits between two buckets' edges.
ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0)
TICK_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0)
# The Web API methods that put something in front of a person.
POST_METHODS = frozenset(
    {
        "chat.postMessage",
        "chat.postEphemeral",
        "chat.update",
        "views.publish",
        "views.open",
        "views.update",
        "files.completeUploadExternal",
    }
)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        registry = self.registry
        self.requests = Counter(
            "vadesk_requests",
            "Slack requests answered over HTTP, by kind (/timer, block_actions timer_stop, "
            "...; unverified when the signature was refused) and outcome (ok: a 2xx answer)",
            ["kind", "outcome"],
            registry=registry,
        )
        self.ack_seconds = Histogram(
            "vadesk_ack_seconds",
            "Seconds from a Slack request's arrival to its HTTP answer (the acknowledgement)",
            buckets=ACK_BUCKETS,
            registry=registry,
        )
        self.tick_seconds = Histogram(
            "vadesk_scheduler_tick_seconds",
            "Seconds a scheduler tick took, by tick (posts, chores)",
            ["tick"],
            buckets=TICK_BUCKETS,
            registry=registry,
        )
        self.slack_posts = Counter(
            "vadesk_slack_posts",
            "Messages, views and files Slack's Web API took, by method",
            ["method"],
            registry=registry,
        )
        self.slack_rate_limited = Counter(
            "vadesk_slack_rate_limited",
            "429 (rate limited) answers from Slack's Web API, by method, retried or not",
            ["method"],
            registry=registry,
        )
        self._answered: dict[tuple[str, str], Any] = {}

    def request_answered(self, kind: str, ok: bool, seconds: float) -> None:
        key = (kind, "ok" if ok else "error")
        counter = self._answered.get(key)
        if counter is None:
            counter = self._answered.setdefault(key, self.requests.labels(*key))
        counter.inc()
        self.ack_seconds.observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)


class CountedWebClient(WebClient):
    """A WebClient that counts what Slack took (`POST_METHODS`) and the 429s it was given."""

    def __init__(
        self,
        token: str | None,
        base_url: str,
        timeout: int,
        retry_handlers: list[RetryHandler],
        metrics: Metrics,
    ) -> None:
        super().__init__(
            token=token,
            base_url=base_url,
            timeout=timeout,
            retry_handlers=[RateLimitCounter(metrics), *retry_handlers],
        )
        self.metrics = metrics

    def api_call(self, api_method: str, **kwargs: Any) -> SlackResponse:
        response = super().api_call(api_method, **kwargs)
        if api_method in POST_METHODS:
            self.metrics.slack_posts.labels(api_method).inc()
        return response


class RateLimitCounter(RetryHandler):
    """First among a client's retry handlers, it sees every 429 answer (before any retry
    of it) and counts it; it never asks for a retry itself."""

    def __init__(self, metrics: Metrics) -> None:
        super().__init__(max_retry_count=0)
        self._metrics = metrics

    def can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is not None and response.status_code == 429:
            method = request.url.rsplit("/", 1)[-1].split("?", 1)[0]
            self._metrics.slack_rate_limited.labels(method).inc()
        return False
