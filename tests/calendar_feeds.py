"""Helpers for tests of calendar feeds: iCalendar text written by the test, and a local
HTTP server (threaded, on 127.0.0.1) that serves it the way Google or Outlook would, with
ETag and Last-Modified, 304s, delays, errors and bodies of any size."""

from __future__ import annotations

import contextlib
import gzip
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SECRET = "private-5ecre7t0ken0123456789abcdef"


def vevent(uid: str, start: str, end: str | None = None, **props: str) -> str:
    """A VEVENT: `start`/`end` as iCalendar writes them after DTSTART, e.g.
    ";TZID=America/New_York:20260302T090000", ":20260305T150000Z", ";VALUE=DATE:20260305"."""
    lines = ["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20260101T000000Z", f"DTSTART{start}"]
    if end is not None:
        lines.append(f"DTEND{end}")
    lines += [f"{name.replace('_', '-').upper()}{value}" for name, value in props.items()]
    lines.append("END:VEVENT")
    return "\r\n".join(lines)


def calendar(*events: str, extra: str = "") -> bytes:
    head = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//VA Desk tests//EN"]
    if extra:
        head.append(extra)
    return ("\r\n".join([*head, *events, "END:VCALENDAR"]) + "\r\n").encode("utf-8")


@dataclass
class Served:
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None
    status: int = 200
    delay: float = 0.0  # seconds before answering
    content_type: str = "text/calendar; charset=utf-8"
    gzip: bool = False
    length: bool = True  # send Content-Length (else the body ends with the connection)
    headers: dict[str, str] = field(default_factory=dict)


class FeedServer:
    """Serves `self.feeds[path]`; records each request's path and headers."""

    def __init__(self) -> None:
        self.feeds: dict[str, Served] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.release = threading.Event()  # wakes a delayed answer at shutdown
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                server.requests.append((self.path, dict(self.headers.items())))
                served = server.feeds.get(self.path.split("?")[0])
                if served is None:
                    self._answer(404, b"not found", {"Content-Type": "text/plain"})
                    return
                if served.delay:
                    server.release.wait(served.delay)
                headers = {"Content-Type": served.content_type, **served.headers}
                if served.etag:
                    headers["ETag"] = served.etag
                if served.last_modified:
                    headers["Last-Modified"] = served.last_modified
                unchanged = served.etag and self.headers.get("If-None-Match") == served.etag
                if served.status == 200 and unchanged:
                    self._answer(304, b"", headers)
                    return
                body = served.body
                if served.gzip:
                    body = gzip.compress(body)
                    headers["Content-Encoding"] = "gzip"
                self._answer(served.status, body, headers, served.length)

            def _answer(
                self, status: int, body: bytes, headers: dict[str, str], length: bool = True
            ) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                if length:
                    self.send_header("Content-Length", str(len(body)))
                else:
                    self.send_header("Connection", "close")
                    self.close_connection = True
                self.end_headers()
                if status != 304:
                    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                        self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def url(self, path: str, query: str = "") -> str:
        return f"{self.base_url}{path}{'?' + query if query else ''}"

    def start(self) -> FeedServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()
