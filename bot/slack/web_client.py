"""Every WebClient VA Desk makes (the configured API URL and the retry handlers), and asking
Slack whether it takes the bot token before a command starts."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.observe.metrics import CountedWebClient, Metrics
from bot.services.errors import VADeskError
from bot.settings import MissingCredential, Settings

DEFAULT_TIMEOUT_SECONDS = 30


def retry_handlers() -> list:
    """Retry dropped connections, 429s (after Retry-After) and 5xx answers."""
    return [
        ConnectionErrorRetryHandler(max_retry_count=2),
        RateLimitErrorRetryHandler(max_retry_count=3),
        ServerErrorRetryHandler(max_retry_count=2),
    ]


def make_web_client(token: str | None, base_url: str, metrics: Metrics | None = None) -> WebClient:
    """With `metrics`, the posts Slack took and the 429s it gave are counted."""
    if metrics is not None:
        return CountedWebClient(
            token, base_url, DEFAULT_TIMEOUT_SECONDS, retry_handlers(), metrics=metrics
        )
    return WebClient(
        token=token,
        base_url=base_url,
        timeout=DEFAULT_TIMEOUT_SECONDS,
        retry_handlers=retry_handlers(),
    )


def make_posting_client(
    token: str | None, base_url: str, metrics: Metrics | None = None
) -> WebClient:
    """The client of scheduled posts: no automatic retries. `bot.scheduling.notify` waits
    out a 429 itself, and never repeats a call whose answer was lost (it may have been
    posted)."""
    if metrics is not None:
        return CountedWebClient(token, base_url, DEFAULT_TIMEOUT_SECONDS, [], metrics=metrics)
    return WebClient(token=token, base_url=base_url, timeout=DEFAULT_TIMEOUT_SECONDS)


def check_bot_token(settings: Settings, *, unreachable_is_fatal: bool) -> str | None:
    """Ask Slack (`auth.test`) whether it takes the bot token, before serving anything: a
    refused token is exit 2 naming it. An unreachable Slack stops what cannot work without
    it (`run`, `job`); `serve` starts anyway and answers once Slack is back. Returns the
    token's workspace, None when Slack could not be asked."""
    try:
        answer = make_web_client(settings.bot_token, settings.slack_api_url).auth_test()
    except SlackApiError as error:
        problem = f"was refused by Slack ({error.response.get('error')})"
        raise MissingCredential("SLACK_BOT_TOKEN", problem) from None
    except OSError as error:
        if unreachable_is_fatal:
            raise VADeskError(
                f"cannot connect to Slack at {settings.slack_api_url}: {error}"
            ) from None
        logging.getLogger("vadesk").warning(
            "cannot reach Slack at %s to check SLACK_BOT_TOKEN: %s", settings.slack_api_url, error
        )
        return None
    return answer.get("team_id") or None
