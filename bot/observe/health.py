"""What `/healthz` reports: the database (the only part that decides the status code),
the scheduler's latest ticks as the database has them, and whether Slack's Web API
answers `auth.test`, asked at most once a minute with a short timeout."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.failure_log import summary
from store.db import database_status
from store.heartbeat import last_ticks

SLACK_CHECK_SECONDS = 60.0
SLACK_TIMEOUT_SECONDS = 3
# A tick kind whose last end is older than this is "stale": posts tick every 30 s; a
# chores tick may read every calendar feed, so it is given longer.
STALE_AFTER_SECONDS = {"posts": 120.0, "chores": 900.0}
DEFAULT_STALE_AFTER_SECONDS = 300.0


class SlackCheck:
    """`auth.test`, its answer kept for SLACK_CHECK_SECONDS. While one request asks,
    the others are given the answer before (or `checking`) instead of waiting too."""

    def __init__(
        self,
        token: str | None,
        base_url: str,
        every: float = SLACK_CHECK_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._token = token
        self._client = WebClient(
            token=token, base_url=base_url, timeout=SLACK_TIMEOUT_SECONDS, retry_handlers=[]
        )
        self._every = every
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._answer: dict[str, object] | None = None
        self._asked_at = float("-inf")

    def status(self) -> dict[str, object]:
        if self._token is None:
            return {"status": "not checked", "reason": "SLACK_BOT_TOKEN is not set"}
        if self._answer is not None and self._monotonic() - self._asked_at < self._every:
            return self._answer
        if not self._lock.acquire(blocking=False):
            return self._answer or {"status": "checking"}
        try:
            self._answer = self._ask()
            self._asked_at = self._monotonic()
            return self._answer
        finally:
            self._lock.release()

    def _ask(self) -> dict[str, object]:
        checked_at = datetime.now(UTC).isoformat(timespec="seconds")
        try:
            answer = self._client.auth_test()
        except SlackApiError as error:
            problem = error.response.get("error") or f"HTTP {error.response.status_code}"
            return {"status": "refused", "error": str(problem), "checked_at": checked_at}
        except OSError as error:
            return {"status": "unreachable", "error": summary(error), "checked_at": checked_at}
        return {"status": "ok", "team": answer.get("team_id"), "checked_at": checked_at}


def scheduler_status(engine: Engine, now: datetime) -> dict[str, object]:
    """The latest tick of each kind any scheduler wrote: `ok`, `stale` (one kind has not
    ended a tick for too long), `failing` (the latest one raised), or `never` (no
    scheduler has ticked on this database)."""
    try:
        beats = last_ticks(engine)
    except SQLAlchemyError as error:
        return {"status": "unknown", "error": summary(error)}
    if not beats:
        return {"status": "never"}
    ticks: dict[str, object] = {}
    states = set()
    for beat in beats:
        age = (now - beat.finished_at).total_seconds()
        limit = STALE_AFTER_SECONDS.get(beat.tick, DEFAULT_STALE_AFTER_SECONDS)
        state = "stale" if age > limit else "ok" if beat.ok else "failing"
        states.add(state)
        ticks[beat.tick] = {
            "status": state,
            "started_at": beat.started_at.isoformat(timespec="seconds"),
            "finished_at": beat.finished_at.isoformat(timespec="seconds"),
            "duration_seconds": beat.duration_ms / 1000,
            "age_seconds": round(age, 1),
            "process": beat.process,
        }
    overall = next((s for s in ("stale", "failing") if s in states), "ok")
    return {"status": overall, "ticks": ticks}


class Health:
    """The report of `/healthz`: healthy exactly when the database is (reachable and
    migrated). The scheduler and Slack are reported, not judged: a replica whose
    scheduler runs elsewhere, or which cannot reach Slack for a minute, still answers
    Slack's requests, and taking it out of the load balancer would not help."""

    def __init__(self, engine: Engine, slack: SlackCheck | None) -> None:
        self.engine = engine
        self.slack = slack

    def report(self) -> tuple[bool, dict[str, object]]:
        database = database_status(self.engine)
        healthy = bool(database["ok"])
        body: dict[str, object] = {"ok": healthy, "database": database}
        if "error" not in database:
            body["scheduler"] = scheduler_status(self.engine, datetime.now(UTC))
        else:
            body["scheduler"] = {"status": "unknown", "error": "the database cannot be read"}
        if self.slack is not None:
            body["slack"] = self.slack.status()
        return healthy, body
