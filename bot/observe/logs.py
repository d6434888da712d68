"""The log of a `vadesk` command: plain text, or one JSON object a line (LOG_FORMAT=json)
carrying the request id and the Slack team, user and kind of request it belongs to.

Every record passes `Redact` on its way out, whichever logger wrote it: Slack tokens
(xoxb-, xapp-, xoxp-, …) by their shape, and the secrets this process was configured with
(signing secret, tokens, the database password, calendar feed addresses) by their value,
are masked in the message, its arguments and any traceback. VA Desk itself never logs text
a person typed; the mask is for what a library or an exception may carry."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from contextlib import suppress
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.observe import requests

if TYPE_CHECKING:
    from bot.settings import Settings

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
MASK = "[redacted]"
# Slack tokens (bot, user, app-level, configuration and refresh tokens), and the response
# URLs and webhooks anyone holding one may post through.
TOKEN_RE = r"\b(?:xox[abposre]|xapp|xoxe\.xox[bp])-[A-Za-z0-9-]+"
HOOK_RE = r"https://hooks\.slack\.com/[^\s'\"<>]+"
# Shorter configured values are not masked by value: they would mask ordinary words.
MIN_SECRET_LENGTH = 8
REQUEST_FIELDS = ("request_id", "team", "user", "kind")


def secret_values(settings: Settings) -> list[str]:
    """The values this process must never write to its log."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    values = [settings.bot_token, settings.app_token, settings.signing_secret]
    with suppress(ArgumentError):
        values.append(make_url(settings.database_url).password)
    values += [calendar.url for calendar in settings.calendars.shared.values()]
    values += [user.calendar for user in settings.users.values()]
    return [str(value) for value in values if value and len(str(value)) >= MIN_SECRET_LENGTH]


class Redact(logging.Filter):
    """Mask tokens and the known secrets in the whole record, before any formatter."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        known = sorted(set(secrets), key=len, reverse=True)
        self._pattern = re.compile("|".join([TOKEN_RE, HOOK_RE, *(re.escape(s) for s in known)]))

    def mask(self, text: str) -> str:
        return self._pattern.sub(_masked, text)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # arguments that do not fit the format
            message = f"{record.msg} {record.args!r}"
        record.msg, record.args = self.mask(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.mask(record.exc_text)
        if record.stack_info:
            record.stack_info = self.mask(record.stack_info)
        return True


def _masked(match: re.Match[str]) -> str:
    found = match.group(0)
    prefix = re.match(r"(xox[a-z]|xapp|xoxe\.xox[bp])-|https://hooks\.slack\.com/", found)
    return f"{prefix.group(0)}{MASK}" if prefix else MASK


class RequestFields(logging.Filter):
    """Stamp the record with the request the logging thread is working for, if any."""

    def filter(self, record: logging.LogRecord) -> bool:
        info = requests.current()
        record.request_id = info.id if info else None
        record.team = info.team if info else None
        record.user = info.user if info else None
        record.kind = info.kind if info else None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC), level, logger, thread, message, the request's fields
    when there is a request, and the traceback as `error` when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "thread": record.threadName,
            "message": record.getMessage(),
        }
        for name in REQUEST_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["error"] = record.exc_text
        if record.stack_info:
            line["stack"] = record.stack_info
        return json.dumps(line, ensure_ascii=False)


def install(handler: logging.Handler, log_format: str, secrets: Iterable[str] = ()) -> None:
    """Give one handler the format, the request's fields and the redaction."""
    json_lines = log_format == "json"
    handler.setFormatter(JsonFormatter() if json_lines else logging.Formatter(TEXT_FORMAT))
    handler.addFilter(RequestFields())
    handler.addFilter(Redact(secrets))


def configure_logging(level: str, log_format: str = "text", secrets: Iterable[str] = ()) -> None:
    """The log of a `vadesk` command, at LOG_LEVEL, in LOG_FORMAT, on standard error. As
    with `logging.basicConfig`, a root logger that has handlers already (an embedding
    program's, pytest's) keeps them and their format; they get the redaction."""
    root = logging.getLogger()
    if root.handlers:
        for handler in root.handlers:
            handler.addFilter(RequestFields())
            handler.addFilter(Redact(secrets))
    else:
        handler = logging.StreamHandler()
        install(handler, log_format, secrets)
        root.addHandler(handler)
    root.setLevel(level)
    if level != "DEBUG":
        logging.getLogger("alembic").setLevel(logging.WARNING)
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
        # matplotlib says "Using categorical units" at INFO for every chart axis of names.
        logging.getLogger("matplotlib").setLevel(logging.WARNING)
        # The Web API client logs every failed attempt and retry; VA Desk reports the
        # outcome in one line of its own.
        logging.getLogger("slack_sdk.web").setLevel(logging.CRITICAL)
