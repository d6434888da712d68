"""Replies to slash commands through their response_url, over kept-alive connections.

Bolt's `respond()` opens a new connection (and a TLS handshake) for every reply;
a VA Desk reply follows nearly every command, so connections are reused per thread.

A reply is one small JSON POST whose answer is read and dropped, so it is written and
read here on the socket directly: in a profile under bench/ack_bench.py the reply was a
fifth of the server's busy time, most of it `http.client` (its header checks, the email
parser for the answer's headers) and `urlsplit`. The answer is read whole (by Content-Length,
chunked, or to the close), so the connection can carry the next reply.
"""

from __future__ import annotations

import json
import logging
import socket
import ssl
import threading
from typing import BinaryIO

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10
MAX_HEADER_LINES = 100
_BAD = frozenset(" \t\r\n")


class _Refused(Exception):
    """The other end answered something that is not HTTP/1.x."""


class _Connection:
    def __init__(self, scheme: str, netloc: str, timeout: float) -> None:
        host, _, port = netloc.rpartition(":")
        if not port.isdigit():
            host, port = netloc, ""
        host = host.strip("[]")
        default = 443 if scheme == "https" else 80
        sock = socket.create_connection((host, int(port) if port else default), timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if scheme == "https":
            sock = ssl.create_default_context().wrap_socket(sock, server_hostname=host)
        self.sock = sock
        self.file: BinaryIO = sock.makefile("rb")

    def close(self) -> None:
        self.file.close()
        self.sock.close()


def _split(url: str) -> tuple[str, str, str] | None:
    """(scheme, host[:port], path with its query) of an http(s) URL, else None."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme not in ("http", "https"):
        return None
    netloc, slash, path = rest.partition("/")
    netloc = netloc.rpartition("@")[2]
    target = (slash + path).partition("#")[0] or "/"
    if not netloc or not (netloc + target).isascii() or any(c in netloc + target for c in _BAD):
        return None
    return scheme, netloc, target


def _read_answer(file: BinaryIO) -> tuple[int, bool]:
    """Read one HTTP/1.x answer whole: (status, whether the server closes after it)."""
    status_line = file.readline(65537)
    version, _, rest = status_line.partition(b" ")
    if not version.startswith(b"HTTP/1."):
        raise _Refused(f"not an HTTP answer: {status_line[:40]!r}")
    status = int(rest[:3])
    closes = version == b"HTTP/1.0"
    length: int | None = None
    chunked = False
    for _ in range(MAX_HEADER_LINES):
        line = file.readline(65537)
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        value = value.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding":
            chunked = b"chunked" in value
        elif name == b"connection":
            closes = value == b"close" or (closes and value != b"keep-alive")
    else:
        raise _Refused("too many header lines")
    if status in (204, 304) or 100 <= status < 200:
        return status, closes
    if chunked:
        while True:
            size = int(file.readline(65537).split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while file.readline(65537) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                break
            file.read(size + 2)
    elif length is not None:
        file.read(length)
    else:
        file.read()  # to the close
        closes = True
    return status, closes


class ResponseUrlSender:
    def __init__(self, timeout: float = TIMEOUT_SECONDS) -> None:
        self._timeout = timeout
        self._local = threading.local()

    def _connections(self) -> dict[tuple[str, str], _Connection]:
        if not hasattr(self._local, "connections"):
            self._local.connections = {}
        return self._local.connections

    def _connection(self, scheme: str, netloc: str) -> _Connection:
        connections = self._connections()
        connection = connections.get((scheme, netloc))
        if connection is None:
            connection = _Connection(scheme, netloc, self._timeout)
            connections[(scheme, netloc)] = connection
        return connection

    def _drop(self, scheme: str, netloc: str) -> None:
        connection = self._connections().pop((scheme, netloc), None)
        if connection is not None:
            connection.close()

    def send(self, url: str, message: dict) -> bool:
        """POST the message; one retry on a dropped connection or a 5xx. False if it failed."""
        parts = _split(url) if isinstance(url, str) else None
        if parts is None:
            logger.warning("not a response URL: %r", url)
            return False
        scheme, netloc, target = parts
        body = json.dumps(message).encode()
        request = (
            f"POST {target} HTTP/1.1\r\nHost: {netloc}\r\n"
            "Content-Type: application/json; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\nAccept-Encoding: identity\r\n\r\n"
        ).encode("ascii") + body
        for attempt in (1, 2):
            try:
                connection = self._connection(scheme, netloc)
                connection.sock.sendall(request)
                status, closes = _read_answer(connection.file)
            except (OSError, ValueError, _Refused) as error:
                self._drop(scheme, netloc)
                if attempt == 2:
                    logger.warning("reply to %s failed: %s", netloc, error)
                    return False
                continue
            if closes:
                self._drop(scheme, netloc)
            if status >= 500 and attempt == 1:
                continue
            if status >= 400:
                logger.warning("reply to %s refused: HTTP %s", netloc, status)
                return False
            return True
        return False
