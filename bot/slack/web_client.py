"""Every WebClient VA Desk makes: the configured API URL and the retry handlers."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

DEFAULT_TIMEOUT_SECONDS = 30


def retry_handlers() -> list:
    """Retry dropped connections, 429s (after Retry-After) and 5xx answers."""
    return [
        ConnectionErrorRetryHandler(max_retry_count=2),
        RateLimitErrorRetryHandler(max_retry_count=3),
        ServerErrorRetryHandler(max_retry_count=2),
    ]


def make_web_client(token: str | None, base_url: str) -> WebClient:
    return WebClient(
        token=token,
        base_url=base_url,
        timeout=DEFAULT_TIMEOUT_SECONDS,
        retry_handlers=retry_handlers(),
    )


def make_posting_client(token: str | None, base_url: str) -> WebClient:
    """The client of scheduled posts: no automatic retries. `bot.scheduling.notify` waits
    out a 429 itself, and never repeats a call whose answer was lost (it may have been
    posted)."""
    return WebClient(token=token, base_url=base_url, timeout=DEFAULT_TIMEOUT_SECONDS)
