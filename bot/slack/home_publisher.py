"""App Home publishing off the request path, coalesced per user.

Every change marks the user's home as stale; one worker thread publishes the
latest state. A user's home is published at once after a quiet spell and at
most once per `min_interval` seconds during a burst, so a burst of changes costs
one or two `views.publish` calls: within Slack's rate limits, and the CPU stays
with acknowledging requests.

Slack allows `views.publish` 100+ calls a minute per workspace ("Tier 4", with
generous bursts), so a workspace's homes go out at most PUBLISH_BURST at once and then
PUBLISH_PER_SECOND a second: a queued client chat marks every VA's home stale, and
publishing a roster of 100 each second took a quarter of the server's CPU (and would
meet 429s from Slack). Each stale home still goes out, with the state of its turn.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.views import View

from bot.failure_log import log_failure

logger = logging.getLogger(__name__)

HomeRenderer = Callable[[str, str], View]  # (team id, user id) -> the Home view
MIN_INTERVAL_SECONDS = 1.0
PUBLISH_PER_SECOND = 100 / 60
PUBLISH_BURST = 20


class _Pace:
    """A token bucket: `burst` publishes at once, then `per_second`."""

    def __init__(self, per_second: float, burst: float) -> None:
        self.per_second, self.burst = per_second, burst
        self.tokens, self.at = burst, time.monotonic()

    def wait_seconds(self) -> float:
        """How long until a publish may go (0: now)."""
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.per_second)
        self.at = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.per_second

    def take(self) -> None:
        self.tokens -= 1


class HomePublisher:
    def __init__(
        self,
        client: WebClient,
        render: HomeRenderer,
        min_interval: float = MIN_INTERVAL_SECONDS,
        per_second: float = PUBLISH_PER_SECOND,
        burst: float = PUBLISH_BURST,
    ) -> None:
        self._client = client
        self._render = render
        self._min_interval = min_interval
        self._per_second, self._burst = per_second, burst
        self._paces: dict[str, _Pace] = {}  # per workspace
        self._due: dict[tuple[str, str], float] = {}  # stale homes -> when they may go out
        self._last_published: dict[tuple[str, str], float] = {}
        self._busy = False
        self._closed = False
        self._changed = threading.Condition()
        self._worker = threading.Thread(target=self._run, name="vadesk-home", daemon=True)
        self._worker.start()

    def mark_stale(self, team_id: str, user_ids: Iterable[str | None]) -> None:
        """The worker is woken only when a home newly goes stale: one already waiting to
        go out will show this change too, and waking the worker on every request cost
        the request path a thread switch and a look over every waiting home."""
        with self._changed:
            newly_stale = False
            for user_id in user_ids:
                if not user_id:
                    continue
                key = (team_id, user_id)
                if key not in self._due:
                    last = self._last_published.get(key, float("-inf"))
                    self._due[key] = max(time.monotonic(), last + self._min_interval)
                    newly_stale = True
            if newly_stale:
                self._changed.notify()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until every stale home is published (tests and shutdown)."""
        with self._changed:
            return self._changed.wait_for(lambda: not self._due and not self._busy, timeout)

    def close(self, timeout: float = 10.0) -> None:
        self.wait_idle(timeout)
        with self._changed:
            self._closed = True
            self._changed.notify_all()
        self._worker.join(timeout)

    def _next_due(self) -> tuple[str, str] | None:
        """The stale home whose time has come, or None (waiting until the earliest)."""
        if not self._due:
            self._changed.wait()
            return None
        key, due = min(self._due.items(), key=lambda item: item[1])
        pace = self._paces.get(key[0])
        if pace is None:
            pace = self._paces[key[0]] = _Pace(self._per_second, self._burst)
        delay = max(due - time.monotonic(), pace.wait_seconds())
        if delay > 0:
            self._changed.wait(delay)
            return None
        pace.take()
        del self._due[key]
        return key

    def _run(self) -> None:
        while True:
            with self._changed:
                if self._closed and not self._due:
                    return
                key = self._next_due()
                if key is None:
                    continue
                self._busy = True
            try:
                self._publish(*key)
            finally:
                with self._changed:
                    self._busy = False
                    self._last_published[key] = time.monotonic()
                    self._changed.notify_all()

    def _publish(self, team_id: str, user_id: str) -> None:
        try:
            self._client.views_publish(user_id=user_id, view=self._render(team_id, user_id))
        except SlackApiError as error:
            logger.warning("views.publish for %s failed: %s", user_id, error.response.get("error"))
        except Exception as error:
            log_failure(logger, error, "could not publish the App Home of %s", user_id)
