"""Reading a calendar feed: over HTTPS (conditionally, with the ETag and Last-Modified of the
last good copy, so an unchanged feed costs a 304), or from a file; never longer than the
timeout, never more than the size limit (counted while reading, compressed or not), and a
failure said in a sentence that never holds the address (it carries the secret token).
"""

from __future__ import annotations

import http.client
import socket
import time
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

from bot import clock
from bot.services.agenda.sources import is_url

CHUNK = 64 * 1024
USER_AGENT = "VA Desk calendar reader"
ACCEPT = "text/calendar, text/plain;q=0.5, */*;q=0.1"
MAX_RETRY_AFTER_SECONDS = 24 * 3600


class FeedError(Exception):
    """A feed that could not be read or is not a calendar: `str()` is a sentence that
    completes "The feed …" and never holds the address. `retry_after`: what the server
    asked for (seconds), if it said."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


@dataclass(frozen=True)
class Fetched:
    body: bytes | None  # None: unchanged since the copy of `etag` / `last_modified`
    etag: str | None
    last_modified: str | None


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def _too_large(max_bytes: int, size: int | None = None) -> FeedError:
    found = f"is {_megabytes(size)}" if size is not None else "is larger than that"
    return FeedError(
        f"{found}; at most {_megabytes(max_bytes)} is read ([calendars] max_feed_megabytes)"
    )


def fetch(
    source: str,
    *,
    etag: str | None,
    last_modified: str | None,
    timeout: float,
    max_bytes: int,
) -> Fetched:
    """The feed's body, or `body=None` when it has not changed; FeedError if it cannot be
    read within `timeout` seconds and `max_bytes`. Any other failure becomes a FeedError
    naming only its kind: a library's message may quote the address."""
    try:
        if not is_url(source):
            return _read_file(Path(source), last_modified, max_bytes)
        return _read_url(source, etag, last_modified, timeout, max_bytes)
    except FeedError:
        raise
    except Exception as error:
        raise FeedError(f"could not be read ({type(error).__name__})") from None


def _read_file(path: Path, last_modified: str | None, max_bytes: int) -> Fetched:
    try:
        stat = path.stat()
        if not path.is_file():
            raise FeedError("is a folder, not an .ics file")
        stamp = datetime.fromtimestamp(stat.st_mtime, UTC).isoformat() + f"/{stat.st_size}"
        if stamp == last_modified:
            return Fetched(None, None, stamp)
        if stat.st_size > max_bytes:
            raise _too_large(max_bytes, stat.st_size)
        with path.open("rb") as file:
            body = file.read(max_bytes + 1)
    except FileNotFoundError:
        raise FeedError("file does not exist") from None
    except PermissionError:
        raise FeedError("file cannot be read (permission denied)") from None
    except OSError as error:
        raise FeedError(f"file cannot be read: {error.strerror or error}") from None
    if len(body) > max_bytes:
        raise _too_large(max_bytes)
    return Fetched(body, None, stamp)


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = (parsedate_to_datetime(value) - clock.now()).total_seconds()
        except (TypeError, ValueError):
            return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_SECONDS)


def _http_error(error: urllib.error.HTTPError) -> FeedError:
    status = f"{error.code} {error.reason}".strip()
    if error.code in (401, 403):
        return FeedError(
            f"was refused by its server ({status}): the secret address may have been reset; "
            "copy the current one into the settings"
        )
    if error.code in (404, 410):
        return FeedError(
            f"is not at its address any more ({status}): the calendar may have been "
            "unpublished or its secret address reset"
        )
    return FeedError(
        f"could not be read: its server answered {status}",
        _retry_after(error.headers.get("Retry-After") if error.headers else None),
    )


def _read_url(
    url: str, etag: str | None, last_modified: str | None, timeout: float, max_bytes: int
) -> Fetched:
    headers = {"User-Agent": USER_AGENT, "Accept": ACCEPT, "Accept-Encoding": "gzip"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    request = urllib.request.Request(url, headers=headers)
    deadline = time.monotonic() + timeout
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            gzipped = (response.headers.get("Content-Encoding") or "").lower() == "gzip"
            if length and length.isdigit() and not gzipped and int(length) > max_bytes:
                raise _too_large(max_bytes, int(length))
            body = _read_body(response, gzipped, max_bytes, deadline, timeout)
            return Fetched(
                body,
                response.headers.get("ETag"),
                response.headers.get("Last-Modified"),
            )
    except urllib.error.HTTPError as error:
        if error.code == 304:
            return Fetched(None, error.headers.get("ETag") or etag, last_modified)
        raise _http_error(error) from None
    except urllib.error.URLError as error:
        if isinstance(error.reason, TimeoutError | socket.timeout):
            raise _timed_out(timeout) from None
        raise FeedError(f"could not be reached: {error.reason}") from None
    except TimeoutError:
        raise _timed_out(timeout) from None
    except (http.client.HTTPException, ConnectionError) as error:
        raise FeedError(f"broke off while being read ({type(error).__name__})") from None


def _timed_out(timeout: float) -> FeedError:
    return FeedError(f"did not answer within {timeout:g} seconds ([calendars] timeout_seconds)")


def _read_body(
    response: http.client.HTTPResponse,
    gzipped: bool,
    max_bytes: int,
    deadline: float,
    timeout: float,
) -> bytes:
    """The body, decompressed, refused as soon as it passes `max_bytes` or the deadline."""
    inflate = zlib.decompressobj(16 + zlib.MAX_WBITS) if gzipped else None
    parts: list[bytes] = []
    size = 0
    while True:
        if time.monotonic() > deadline:
            raise _timed_out(timeout)
        chunk = response.read(CHUNK)
        if not chunk:
            break
        if inflate is not None:
            try:
                chunk = inflate.decompress(chunk, max_bytes + 1 - size)
            except zlib.error:
                raise FeedError("sent a compressed body that cannot be read") from None
        size += len(chunk)
        if size > max_bytes:
            raise _too_large(max_bytes)
        parts.append(chunk)
    return b"".join(parts)
