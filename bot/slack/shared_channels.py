"""Which channels are Slack Connect channels, for watching client chats in them."""

from __future__ import annotations

import logging
import threading
import time

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

logger = logging.getLogger(__name__)

CONNECT_CHECK_SECONDS = 600.0  # how long "not a Slack Connect channel" is believed


class SharedChannels:
    """Which channels are Slack Connect channels (conversations.info is_ext_shared), asked
    once per channel and remembered for a while."""

    def __init__(self) -> None:
        self._known: dict[tuple[str, str], tuple[bool, str | None, float]] = {}
        self._lock = threading.Lock()

    def lookup(self, client: WebClient, team_id: str, channel: str) -> tuple[bool, str | None]:
        key = (team_id, channel)
        with self._lock:
            known = self._known.get(key)
        if known is not None and time.monotonic() - known[2] < CONNECT_CHECK_SECONDS:
            return known[0], known[1]
        try:
            info = client.conversations_info(channel=channel).get("channel") or {}
        except SlackApiError as error:
            logger.warning("conversations.info %s: %s", channel, error.response.get("error"))
            info = {}
        found = (bool(info.get("is_ext_shared")), info.get("name"), time.monotonic())
        with self._lock:
            self._known[key] = found
        return found[0], found[1]
