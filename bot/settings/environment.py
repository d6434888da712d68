"""What comes from the environment and `.env`: the credentials, the database, Slack's URL,
the log level and where the settings file is, each checked before anything starts."""

import logging
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TypedDict
from urllib.parse import urlsplit

from bot import clock
from bot.settings.errors import ConfigError, MissingCredential

DEFAULT_DATABASE_URL = "sqlite:///vadesk.db"
DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_LOG_LEVEL = "INFO"
LOG_FORMATS = ("text", "json")
# Connections one process may keep open to the database (DATABASE_POOL_SIZE); as many
# again may be opened for a burst and closed once returned.
POOL_SIZE_BOUNDS = (1, 100)
ENV_SOURCE = "environment"
DOTENV_SOURCE = ".env"
DEFAULT_CONFIG_FILE = "vadesk.toml"
# A pinned "now" outside these years would overflow the date arithmetic of schedules
# (years of working time ahead, 9999 at most).
PINNED_YEARS = (2000, 2999)

_CREDENTIAL_PREFIX = {"SLACK_BOT_TOKEN": "xoxb-", "SLACK_APP_TOKEN": "xapp-"}
_CREDENTIAL_KIND = {"SLACK_BOT_TOKEN": "a bot token", "SLACK_APP_TOKEN": "an app-level token"}


class Environment(TypedDict):
    """The settings the environment gives, as `Settings` takes them."""

    database_url: str
    slack_api_url: str
    bot_token: str | None
    app_token: str | None
    signing_secret: str | None
    log_level: str
    log_format: str
    database_pool_size: int | None
    config_path: Path | None


def _read_environment(
    environ: Mapping[str, str] | None, load_dotenv_file: bool
) -> tuple[dict[str, str], dict[str, str]]:
    """Merge `.env` under the real environment; also say where each value came from."""
    real = os.environ if environ is None else environ
    merged: dict[str, str] = {}
    sources: dict[str, str] = {}
    if load_dotenv_file:
        from dotenv import dotenv_values

        dotenv_path = Path.cwd() / ".env"
        if dotenv_path.is_file():
            for key, value in dotenv_values(dotenv_path).items():
                if value is not None and key not in real:
                    merged[key] = value
                    sources[key] = DOTENV_SOURCE
                    if environ is None:
                        # Like python-dotenv's load_dotenv(override=False): other code
                        # (e.g. the clock's VADESK_NOW) reads os.environ directly.
                        os.environ.setdefault(key, value)
    for key, value in real.items():
        merged[key] = value
        sources[key] = ENV_SOURCE
    return merged, sources


def _env_value(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name)
    if value is None:
        return None
    value = value.strip()
    return value or None


def _is_web_url(text: str) -> bool:
    try:
        parts = urlsplit(text)
        return parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:  # e.g. an unclosed [IPv6 address
        return False


def _check_pinned_now(value: str | None, where: str) -> None:
    """`VADESK_NOW` as `bot.clock` reads it: an ISO 8601 instant, or unset."""
    if not value:
        return
    try:
        instant = clock.parse_instant(value)
    except ValueError:
        raise ConfigError(
            where,
            "VADESK_NOW",
            f"must be an ISO 8601 instant such as 2026-11-30T14:00:00Z, got {value!r}",
        ) from None
    first, last = PINNED_YEARS
    if not first <= instant.year <= last:
        raise ConfigError(
            where, "VADESK_NOW", f"must be in the years {first} to {last}, got {value!r}"
        )


def read_environment(environ: Mapping[str, str] | None, load_dotenv_file: bool) -> Environment:
    """Read the environment (and `.env`); raise ConfigError naming where a bad value came from."""
    env, sources = _read_environment(environ, load_dotenv_file)

    def source(name: str) -> str:
        return sources.get(name, ENV_SOURCE)

    slack_api_url = _env_value(env, "SLACK_API_URL") or DEFAULT_SLACK_API_URL
    if not _is_web_url(slack_api_url):
        raise ConfigError(
            source("SLACK_API_URL"),
            "SLACK_API_URL",
            f"must be an http:// or https:// URL such as {DEFAULT_SLACK_API_URL}, "
            f"got {slack_api_url!r}",
        )
    if not slack_api_url.endswith("/"):
        slack_api_url += "/"
    _check_pinned_now(env.get("VADESK_NOW"), source("VADESK_NOW"))

    log_level = (_env_value(env, "LOG_LEVEL") or DEFAULT_LOG_LEVEL).upper()
    if log_level not in logging.getLevelNamesMapping():
        names = ", ".join(["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"])
        raise ConfigError(
            source("LOG_LEVEL"),
            "LOG_LEVEL",
            f"unknown logging level {env['LOG_LEVEL'].strip()!r}; use one of {names}",
        )

    log_format = (_env_value(env, "LOG_FORMAT") or LOG_FORMATS[0]).lower()
    if log_format not in LOG_FORMATS:
        raise ConfigError(
            source("LOG_FORMAT"),
            "LOG_FORMAT",
            f"unknown log format {env['LOG_FORMAT'].strip()!r}; use text or json",
        )
    pool_size = _pool_size(_env_value(env, "DATABASE_POOL_SIZE"), source("DATABASE_POOL_SIZE"))

    return Environment(
        database_url=_env_value(env, "DATABASE_URL") or DEFAULT_DATABASE_URL,
        slack_api_url=slack_api_url,
        bot_token=_env_value(env, "SLACK_BOT_TOKEN"),
        app_token=_env_value(env, "SLACK_APP_TOKEN"),
        signing_secret=_env_value(env, "SLACK_SIGNING_SECRET"),
        log_level=log_level,
        log_format=log_format,
        database_pool_size=pool_size,
        config_path=_config_path(env, source("VADESK_CONFIG")),
    )


def _pool_size(value: str | None, where: str) -> int | None:
    """DATABASE_POOL_SIZE: a whole number within POOL_SIZE_BOUNDS, or unset."""
    if value is None:
        return None
    first, last = POOL_SIZE_BOUNDS
    try:
        size = int(value)
    except ValueError:
        size = None
    if size is None or not first <= size <= last:
        raise ConfigError(
            where,
            "DATABASE_POOL_SIZE",
            f"must be a whole number from {first} to {last} (connections per process), "
            f"got {value!r}",
        )
    return size


def _config_path(env: Mapping[str, str], where: str) -> Path | None:
    config_value = _env_value(env, "VADESK_CONFIG")
    config_path: Path | None
    if config_value is not None:
        config_path = Path(config_value).expanduser()
        if not config_path.is_file():
            reason = "is a directory" if config_path.is_dir() else "does not exist"
            raise ConfigError(
                where,
                "VADESK_CONFIG",
                f"settings file {config_value!r} {reason}",
            )
    elif (Path.cwd() / DEFAULT_CONFIG_FILE).is_file():
        config_path = Path(DEFAULT_CONFIG_FILE)
    else:
        config_path = None
    return config_path


def check_credential(name: str, value: str | None) -> None:
    """Refuse a Slack credential that is unset or, by its prefix, of another kind."""
    if not value:
        raise MissingCredential(name)
    prefix = _CREDENTIAL_PREFIX.get(name)
    if prefix and not value.startswith(prefix):
        seen = re.match(r"^(xox[a-z]-|xapp-)", value)
        got = f"it starts with {seen.group(1)}" if seen else f"it does not start with {prefix}"
        raise MissingCredential(name, f"is not {_CREDENTIAL_KIND[name]} ({prefix}...; {got})")
