"""App Home publishing off the request path, coalesced per user.

Every change marks the user's home as stale; one worker thread publishes the
latest state. A burst of changes becomes one `views.publish`, which keeps VA
Desk inside Slack's rate limits and leaves the CPU to acknowledging requests.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.views import View

logger = logging.getLogger(__name__)

HomeRenderer = Callable[[str, str], View]  # (team id, user id) -> the Home view


class HomePublisher:
    def __init__(self, client: WebClient, render: HomeRenderer) -> None:
        self._client = client
        self._render = render
        self._stale: dict[tuple[str, str], None] = {}
        self._busy = False
        self._closed = False
        self._changed = threading.Condition()
        self._worker = threading.Thread(target=self._run, name="vadesk-home", daemon=True)
        self._worker.start()

    def mark_stale(self, team_id: str, user_ids: Iterable[str | None]) -> None:
        with self._changed:
            for user_id in user_ids:
                if user_id:
                    self._stale[(team_id, user_id)] = None
            self._changed.notify()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until every stale home is published (tests and shutdown)."""
        with self._changed:
            return self._changed.wait_for(lambda: not self._stale and not self._busy, timeout)

    def close(self, timeout: float = 10.0) -> None:
        self.wait_idle(timeout)
        with self._changed:
            self._closed = True
            self._changed.notify_all()
        self._worker.join(timeout)

    def _run(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._stale or self._closed)
                if self._closed and not self._stale:
                    return
                team_id, user_id = next(iter(self._stale))
                del self._stale[(team_id, user_id)]
                self._busy = True
            try:
                self._publish(team_id, user_id)
            finally:
                with self._changed:
                    self._busy = False
                    self._changed.notify_all()

    def _publish(self, team_id: str, user_id: str) -> None:
        try:
            self._client.views_publish(user_id=user_id, view=self._render(team_id, user_id))
        except SlackApiError as error:
            logger.warning("views.publish for %s failed: %s", user_id, error.response.get("error"))
        except Exception:
            logger.exception("could not publish the App Home of %s", user_id)
