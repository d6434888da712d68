"""One line per failure: the log names what failed and why in a single `ERROR` line; the
traceback follows only at `LOG_LEVEL=DEBUG`, where someone is looking for it
(`bot.observe.logs` sets the log up)."""

from __future__ import annotations

import logging

SUMMARY_LIMIT = 200


def summary(error: BaseException) -> str:
    """`Type: first line of the message`, short enough for one log line."""
    text = str(error).strip()
    first = text.splitlines()[0][:SUMMARY_LIMIT] if text else ""
    return f"{type(error).__name__}: {first}" if first else type(error).__name__


def log_failure(logger: logging.Logger, error: BaseException, what: str, *args: object) -> None:
    """Log `what` (a %-format with `args`) and the error's summary as one ERROR line."""
    logger.error(f"{what}: %s", *args, summary(error))
    logger.debug(f"{what}", *args, exc_info=error)
