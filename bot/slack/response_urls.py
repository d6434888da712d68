"""Replies to slash commands through their response_url, over kept-alive connections.

Bolt's `respond()` opens a new connection (and a TLS handshake) for every reply;
a VA Desk reply follows nearly every command, so connections are reused per thread.
"""

from __future__ import annotations

import http.client
import json
import logging
import threading
from urllib.parse import urlsplit

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10


class ResponseUrlSender:
    def __init__(self, timeout: float = TIMEOUT_SECONDS) -> None:
        self._timeout = timeout
        self._local = threading.local()

    def _connections(self) -> dict[tuple[str, str], http.client.HTTPConnection]:
        if not hasattr(self._local, "connections"):
            self._local.connections = {}
        return self._local.connections

    def _connection(self, scheme: str, netloc: str) -> http.client.HTTPConnection:
        connections = self._connections()
        connection = connections.get((scheme, netloc))
        if connection is None:
            kind = http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
            connection = kind(netloc, timeout=self._timeout)
            connections[(scheme, netloc)] = connection
        return connection

    def _drop(self, scheme: str, netloc: str) -> None:
        connection = self._connections().pop((scheme, netloc), None)
        if connection is not None:
            connection.close()

    def send(self, url: str, message: dict) -> bool:
        """POST the message; one retry on a dropped connection or a 5xx. False if it failed."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            logger.warning("not a response URL: %r", url)
            return False
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        body = json.dumps(message).encode()
        headers = {"Content-Type": "application/json; charset=utf-8"}
        for attempt in (1, 2):
            try:
                connection = self._connection(parts.scheme, parts.netloc)
                connection.request("POST", target or "/", body=body, headers=headers)
                response = connection.getresponse()
                response.read()
            except (http.client.HTTPException, OSError) as error:
                self._drop(parts.scheme, parts.netloc)
                if attempt == 2:
                    logger.warning("reply to %s failed: %s", parts.netloc, error)
                    return False
                continue
            if response.will_close:
                self._drop(parts.scheme, parts.netloc)
            if response.status >= 500 and attempt == 1:
                continue
            if response.status >= 400:
                logger.warning("reply to %s refused: HTTP %s", parts.netloc, response.status)
                return False
            return True
        return False
