"""`vadesk doctor`: say exactly what is missing before Slack users find out."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from slack_sdk.errors import SlackApiError
from sqlalchemy.engine import Engine

from bot.services.agenda.check import check_feeds
from bot.settings import MissingCredential, Settings
from bot.slack.web_client import make_web_client
from manifests import bot_scopes
from store.db import database_status
from store.sql import is_sqlite


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def _credential(settings: Settings, variable: str, needed_for: str) -> Check:
    try:
        settings.require(variable)
    except MissingCredential as missing:
        return Check(variable, False, f"{missing} (needed for {needed_for})")
    return Check(variable, True, f"set (needed for {needed_for})")


def print_checks(settings: Settings, engine: Engine) -> int:
    """Every check, one line each, and the exit status: 1 when one failed."""
    problems = 0
    for check in run_checks(settings, engine):
        print(("ok    " if check.ok else "FAIL  ") + check.name + ": " + check.detail)
        problems += 0 if check.ok else 1
    print("All checks passed." if not problems else f"{problems} check(s) failed.")
    return 0 if not problems else 1


def run_checks(settings: Settings, engine: Engine) -> Iterator[Check]:
    source = str(settings.config_path) if settings.config_path else "built-in SOP defaults"
    yield Check("config", True, f"loaded from {source}")

    database = database_status(engine)
    if "error" in database:
        yield Check("database", False, f"cannot connect: {database['error']}")
    elif not database["ok"]:
        yield Check(
            "database",
            False,
            f"at revision {database['revision'] or 'none'}, needs {database['head']}: "
            "run `vadesk migrate`",
        )
    else:
        yield Check("database", True, f"reachable, at revision {database['revision']}")
    yield from _private_files(engine)

    # Each calendar feed read now: one that cannot be read, is not iCalendar or is too
    # large is named (its address redacted) with why.
    for feed in check_feeds(settings):
        yield Check(f"calendar {feed.key}", feed.ok, f"{feed.shown}: {feed.detail}")

    token = _credential(settings, "SLACK_BOT_TOKEN", "everything")
    yield token
    yield _credential(settings, "SLACK_APP_TOKEN", "`vadesk run`, Socket Mode")
    yield _credential(settings, "SLACK_SIGNING_SECRET", "`vadesk serve`, HTTP mode")
    if not token.ok:
        return
    client = make_web_client(settings.bot_token, settings.slack_api_url)
    try:
        response = client.auth_test()
    except SlackApiError as error:
        yield Check(
            "auth.test", False, f"Slack refused the bot token: {error.response.get('error')}"
        )
        return
    except OSError as error:
        yield Check("auth.test", False, f"cannot reach {settings.slack_api_url}: {error}")
        return
    yield Check(
        "auth.test", True, f"bot {response.get('user')} in workspace {response.get('team')}"
    )
    granted = {s.strip() for s in (response.headers.get("x-oauth-scopes") or "").split(",")}
    missing = [scope for scope in bot_scopes() if scope not in granted]
    if missing:
        yield Check(
            "scopes",
            False,
            "missing " + ", ".join(missing) + ": add them under OAuth & Permissions and reinstall",
        )
    else:
        yield Check("scopes", True, "all the manifest's bot scopes are granted")
    for configured in settings.clients:
        if configured.channel is not None:
            yield _client_channel(client, configured.key, configured.channel)


def _private_files(engine: Engine) -> Iterator[Check]:
    """`.env` holds the tokens and the signing secret, a SQLite file (and its WAL) every
    record: neither may be readable by every account on the machine."""
    files = [Path.cwd() / ".env"]
    if is_sqlite(engine) and engine.url.database not in (None, "", ":memory:"):
        database = Path(engine.url.database).resolve()
        files += [database, Path(f"{database}-wal"), Path(f"{database}-shm")]
    for path in files:
        try:
            mode = path.stat().st_mode
        except OSError:  # not there: nothing to protect
            continue
        if mode & stat.S_IROTH:
            yield Check(
                f"permissions {path.name}",
                False,
                f"{path} is readable by everyone (mode {stat.S_IMODE(mode):o}): "
                f"run `chmod o-rwx {path}` (or `chmod 600 {path}`)",
            )
        else:
            yield Check(f"permissions {path.name}", True, f"{path} is not readable by everyone")


def _client_channel(client, key: str, channel: str) -> Check:
    """The app sees a client's messages only in channels it is a member of."""
    name = f"client {key}"
    try:
        info = client.conversations_info(channel=channel).get("channel") or {}
    except SlackApiError as error:
        problem = error.response.get("error")
        if problem == "channel_not_found":
            return Check(
                name,
                False,
                f"{channel} not found: a wrong id, or a private channel the app is not in "
                "(invite the app there)",
            )
        return Check(name, False, f"cannot look at {channel}: {problem}")
    except OSError as error:
        return Check(name, False, f"cannot reach Slack: {error}")
    if not info.get("is_member"):
        return Check(
            name,
            False,
            f"the app is not in #{info.get('name') or channel} ({channel}): invite it "
            "there, or the client's messages are not seen",
        )
    return Check(name, True, f"watching #{info.get('name') or channel} ({channel})")
