"""Where a calendar feed is read from, and how it is named where people (and logs) see it.

A source is an https:// URL, a webcal:// URL (read as https), an http:// URL to this
machine only (a local test server), or the path of an .ics file. A feed's address is a
secret: Google's "secret address in iCal format" and Outlook's published ICS link carry the
token that opens the calendar in their path or query. `redacted` is the only way an address
is ever shown: the scheme, the host and a file name that is not a token, nothing else.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from pathlib import Path
from urllib.parse import urlsplit

MAX_SOURCE_CHARS = 2000
LOOPBACK_NAMES = ("localhost",)
# A file name worth keeping ("basic.ics", "calendar.ics"): short, and not a long token.
_PLAIN_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z_-]{0,30}\.ics$")


class SourceError(ValueError):
    """A source that is not an address or a path VA Desk reads; the message says why."""


def is_url(source: str) -> bool:
    return "://" in source


def _is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def normalise_source(text: str, base_dir: Path | None = None) -> str:
    """The source as VA Desk reads it: webcal as https, a relative path made absolute
    (relative to the settings file's folder); SourceError with a sentence if it is neither."""
    source = text.strip()
    if not source:
        raise SourceError("must be an https:// address or the path of an .ics file")
    if len(source) > MAX_SOURCE_CHARS:
        raise SourceError(f"has {len(source):,} characters; at most {MAX_SOURCE_CHARS:,}")
    if not is_url(source):
        path = Path(source).expanduser()
        if not path.is_absolute() and base_dir is not None:
            path = Path(base_dir) / path
        return str(path.absolute())
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in source):
        raise SourceError(f"{redacted(source)} has a space or control character in it")
    try:
        parts = urlsplit(source)
        host = parts.hostname or ""
        parts.port  # noqa: B018  (a port that is not a number raises here)
    except ValueError:
        raise SourceError("is not a valid address") from None
    scheme = parts.scheme.lower()
    if scheme == "webcal":
        scheme, source = "https", "https" + source[len(parts.scheme) :]
    if not host:
        raise SourceError(f"{redacted(source)} names no host")
    if scheme == "http" and not _is_loopback(host):
        raise SourceError(
            f"{redacted(source)} is plain http://; use the https:// address "
            "(a calendar's secret address must not travel unencrypted)"
        )
    if scheme not in ("https", "http"):
        raise SourceError(
            f"{scheme}:// is not read; give an https:// or webcal:// address or a file path"
        )
    return source


def redacted(source: str) -> str:
    """The source as it may be shown or logged: no user, no query, no path but a plain
    file name; a file path as it is (a path holds no token)."""
    if not is_url(source):
        return source
    try:
        parts = urlsplit(source)
        host = parts.hostname or "?"
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "(an address that cannot be read)"
    segments = [s for s in parts.path.split("/") if s]
    tail = segments[-1] if segments else ""
    shown = f"{parts.scheme}://{host}{port}"
    if len(segments) > 1 or (segments and not _PLAIN_NAME_RE.match(tail)):
        shown += "/…"
    if tail and _PLAIN_NAME_RE.match(tail):
        shown += f"/{tail}"
    if parts.query or parts.fragment:
        shown += "?…"
    return shown


def fingerprint(source: str) -> str:
    """A stored stand-in for the source: a changed address starts its feed afresh."""
    return hashlib.sha256(source.encode("utf-8")).hexdigest()
