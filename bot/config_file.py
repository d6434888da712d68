"""`vadesk.toml`: parsed strictly, so a bad value names its file, key and reason."""

import difflib
import math
import re
import tomllib
from collections.abc import Callable, Mapping
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.settings import (
    CHANNEL_ID_RE,
    CLIENT_KEY_RE,
    DAY_NAMES,
    PHASES,
    RESERVED_SECTIONS,
    ROUNDING_CHOICES,
    USER_ID_RE,
    BillingSettings,
    ChannelSettings,
    ClientSettings,
    ConfigError,
    KpiSettings,
    RoleSettings,
    SlaSettings,
    TimerSettings,
    UserSettings,
    WorkspaceSettings,
)

HOURS_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
FULL_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _describe(value: Any) -> str:
    """Show a TOML value the way the user wrote it, for error messages."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


class _Checker:
    """Validation helpers bound to one file, so every error names it."""

    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, key: str, reason: str) -> ConfigError:
        return ConfigError(self.file, key, reason)

    def table(self, value: Any, key: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(key, f"must be a table, got {_describe(value)}")
        return value

    def known_keys(self, table: Mapping[str, Any], prefix: str, allowed: tuple[str, ...]) -> None:
        for name in table:
            if name not in allowed:
                hint = difflib.get_close_matches(name, allowed, n=1)
                suggestion = (
                    f" (did you mean {hint[0]!r}?)"
                    if hint
                    else f"; expected one of {', '.join(allowed)}"
                )
                what = "unknown key" if prefix else "unknown section"
                raise self.fail(f"{prefix}.{name}" if prefix else name, f"{what}{suggestion}")

    def string(self, value: Any, key: str) -> str:
        if not isinstance(value, str):
            raise self.fail(key, f"must be a string, got {_describe(value)}")
        return value

    def nonempty_string(self, value: Any, key: str) -> str:
        text = self.string(value, key).strip()
        if not text:
            raise self.fail(key, "must not be empty")
        return text

    def string_list(self, value: Any, key: str) -> list[str]:
        if not isinstance(value, list):
            raise self.fail(key, f"must be an array of strings, got {_describe(value)}")
        for item in value:
            if not isinstance(item, str):
                raise self.fail(key, f"must be an array of strings, got {_describe(item)} in it")
        return value

    def positive_int(self, value: Any, key: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise self.fail(key, f"must be a positive integer, got {_describe(value)}")
        return value

    def number(self, value: Any, key: str, what: str, ok: Callable[[float], bool]) -> float:
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or not ok(value)
        ):
            raise self.fail(key, f"must be {what}, got {_describe(value)}")
        return float(value)

    def timezone(self, value: Any, key: str) -> str:
        name = self.string(value, key).strip()
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise self.fail(key, f"unknown time zone {name!r}") from None
        return name

    def hours(self, value: Any, key: str) -> tuple[time, time]:
        text = self.string(value, key)
        match = HOURS_RE.match(text)
        if not match:
            raise self.fail(key, f'must look like "09:00-17:00", got {_describe(value)}')
        h1, m1, h2, m2 = (int(part) for part in match.groups())
        if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
            raise self.fail(key, f"has an invalid time of day in {text!r} (00:00 to 23:59)")
        start, end = time(h1, m1), time(h2, m2)
        if start >= end:
            raise self.fail(
                key, f"the end must be after the start (no overnight ranges), got {text!r}"
            )
        return start, end

    def days(self, value: Any, key: str) -> tuple[int, ...]:
        names = self.string_list(value, key)
        if not names:
            raise self.fail(key, "must name at least one day")
        days: set[int] = set()
        for name in names:
            lowered = name.strip().lower()
            if lowered in DAY_NAMES:
                days.add(DAY_NAMES.index(lowered))
            elif lowered in FULL_DAY_NAMES:
                days.add(FULL_DAY_NAMES.index(lowered))
            else:
                raise self.fail(key, f"unknown day {name!r}; use {', '.join(DAY_NAMES)}")
        return tuple(sorted(days))

    def dates(self, value: Any, key: str) -> tuple[date, ...]:
        if not isinstance(value, list):
            raise self.fail(key, f"must be an array of dates (YYYY-MM-DD), got {_describe(value)}")
        result: set[date] = set()
        for item in value:
            if isinstance(item, date) and not isinstance(item, datetime):
                result.add(item)
                continue
            if isinstance(item, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", item.strip()):
                try:
                    result.add(date.fromisoformat(item.strip()))
                    continue
                except ValueError:
                    raise self.fail(key, f"{item!r} is not a valid date") from None
            raise self.fail(key, f'must be dates like "2026-12-25", got {_describe(item)}')
        return tuple(sorted(result))

    def user_id(self, value: Any, key: str) -> str:
        text = self.string(value, key).strip()
        if not USER_ID_RE.match(text):
            raise self.fail(key, f"{text!r} is not a Slack user id (they look like U0123ABCD)")
        return text

    def channel_id(self, value: Any, key: str) -> str:
        text = self.string(value, key).strip()
        if not CHANNEL_ID_RE.match(text):
            raise self.fail(key, f"{text!r} is not a Slack channel id (they look like C0123ABCD)")
        return text


def parse_settings_file(path: Path) -> dict[str, Any]:
    """Read and validate the settings file into keyword arguments for Settings."""
    file = str(path)
    check = _Checker(file)
    try:
        raw_bytes = path.read_bytes()
    except OSError as exc:
        raise ConfigError(file, "<file>", f"cannot read the file: {exc.strerror}") from None
    try:
        data = tomllib.loads(raw_bytes.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(file, "<syntax>", "the file is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(file, "<syntax>", str(exc)) from None

    result: dict[str, Any] = {}
    known = (
        "workspace",
        "roles",
        "channels",
        "sla",
        "kpi",
        "timers",
        "clients",
        "users",
        "billing",
        *RESERVED_SECTIONS,
    )
    check.known_keys(data, "", known)

    result["workspace"] = _workspace(check, check.table(data.get("workspace", {}), "workspace"))
    result["roles"] = _roles(check, check.table(data.get("roles", {}), "roles"))
    result["channels"] = _channels(check, check.table(data.get("channels", {}), "channels"))
    result["sla"] = _sla(check, check.table(data.get("sla", {}), "sla"))
    result["kpi"] = _kpi(check, check.table(data.get("kpi", {}), "kpi"))
    result["timers"] = _timers(check, check.table(data.get("timers", {}), "timers"))
    result["clients"] = _clients(check, check.table(data.get("clients", {}), "clients"))
    result["users"] = _users(check, check.table(data.get("users", {}), "users"))
    result["billing"] = _billing(
        check, check.table(data.get("billing", {}), "billing"), result["clients"]
    )
    result["reserved"] = {name: data[name] for name in RESERVED_SECTIONS if name in data}
    return result


def _workspace(check: _Checker, table: dict[str, Any]) -> WorkspaceSettings:
    check.known_keys(
        table, "workspace", ("timezone", "business_hours", "business_days", "holidays")
    )
    values: dict[str, Any] = {}
    if "timezone" in table:
        values["timezone"] = check.timezone(table["timezone"], "workspace.timezone")
    if "business_hours" in table:
        values["business_hours"] = check.hours(table["business_hours"], "workspace.business_hours")
    if "business_days" in table:
        values["business_days"] = check.days(table["business_days"], "workspace.business_days")
    if "holidays" in table:
        values["holidays"] = check.dates(table["holidays"], "workspace.holidays")
    return WorkspaceSettings(**values)


def _roles(check: _Checker, table: dict[str, Any]) -> RoleSettings:
    names = ("owners", "supervisors", "vas")
    check.known_keys(table, "roles", names)
    values: dict[str, Any] = {}
    for name in names:
        if name in table:
            key = f"roles.{name}"
            ids = [check.user_id(item, key) for item in check.string_list(table[name], key)]
            values[name] = tuple(dict.fromkeys(ids))
    return RoleSettings(**values)


def _channels(check: _Checker, table: dict[str, Any]) -> ChannelSettings:
    names = ("digest", "escalations")
    check.known_keys(table, "channels", names)
    return ChannelSettings(
        **{
            name: check.channel_id(table[name], f"channels.{name}")
            for name in names
            if name in table
        }
    )


def _sla(check: _Checker, table: dict[str, Any]) -> SlaSettings:
    check.known_keys(
        table,
        "sla",
        (
            "first_response_minutes",
            "acknowledge_business_hours",
            "max_open_chats_per_va",
            "near_breach_ratio",
        ),
    )
    values: dict[str, Any] = {}
    for name in ("first_response_minutes", "max_open_chats_per_va"):
        if name in table:
            values[name] = check.positive_int(table[name], f"sla.{name}")
    if "acknowledge_business_hours" in table:
        values["acknowledge_business_hours"] = check.number(
            table["acknowledge_business_hours"],
            "sla.acknowledge_business_hours",
            "a positive number",
            lambda x: x > 0,
        )
    if "near_breach_ratio" in table:
        values["near_breach_ratio"] = check.number(
            table["near_breach_ratio"],
            "sla.near_breach_ratio",
            "a number between 0 and 1 (exclusive)",
            lambda x: 0 < x < 1,
        )
    return SlaSettings(**values)


def _kpi(check: _Checker, table: dict[str, Any]) -> KpiSettings:
    check.known_keys(table, "kpi", ("completion_rate", "csat"))
    values: dict[str, Any] = {}
    if "completion_rate" in table:
        values["completion_rate"] = check.number(
            table["completion_rate"],
            "kpi.completion_rate",
            "a number from 0 to 1",
            lambda x: 0 <= x <= 1,
        )
    if "csat" in table:
        values["csat"] = check.number(
            table["csat"], "kpi.csat", "a number from 1 to 5", lambda x: 1 <= x <= 5
        )
    return KpiSettings(**values)


def _timers(check: _Checker, table: dict[str, Any]) -> TimerSettings:
    check.known_keys(table, "timers", ("max_entry_hours",))
    values: dict[str, Any] = {}
    if "max_entry_hours" in table:
        values["max_entry_hours"] = check.number(
            table["max_entry_hours"],
            "timers.max_entry_hours",
            "a number of hours above 0 and at most 24",
            lambda x: 0 < x <= 24,
        )
    return TimerSettings(**values)


def _clients(check: _Checker, table: dict[str, Any]) -> tuple[ClientSettings, ...]:
    clients: list[ClientSettings] = []
    channel_owner: dict[str, str] = {}
    allowed = ("name", "channel", "timezone", "business_hours", "business_days")
    for key, value in table.items():
        prefix = f"clients.{key}"
        if not CLIENT_KEY_RE.match(key):
            raise check.fail(
                prefix,
                "a client key must be lowercase letters, digits, '-' or '_' "
                "(starting with a letter or digit)",
            )
        entry = check.table(value, prefix)
        check.known_keys(entry, prefix, allowed)
        if "name" not in entry:
            raise check.fail(f"{prefix}.name", "is required")
        client = ClientSettings(
            key=key,
            name=check.nonempty_string(entry["name"], f"{prefix}.name"),
            channel=(
                check.channel_id(entry["channel"], f"{prefix}.channel")
                if "channel" in entry
                else None
            ),
            timezone=(
                check.timezone(entry["timezone"], f"{prefix}.timezone")
                if "timezone" in entry
                else None
            ),
            business_hours=(
                check.hours(entry["business_hours"], f"{prefix}.business_hours")
                if "business_hours" in entry
                else None
            ),
            business_days=(
                check.days(entry["business_days"], f"{prefix}.business_days")
                if "business_days" in entry
                else None
            ),
        )
        if client.channel is not None:
            if client.channel in channel_owner:
                raise check.fail(
                    f"{prefix}.channel",
                    f"channel {client.channel} is already used by client "
                    f"{channel_owner[client.channel]!r}",
                )
            channel_owner[client.channel] = key
        clients.append(client)
    return tuple(clients)


def _users(check: _Checker, table: dict[str, Any]) -> dict[str, UserSettings]:
    users: dict[str, UserSettings] = {}
    for user_id, value in table.items():
        prefix = f"users.{user_id}"
        if not USER_ID_RE.match(user_id):
            raise check.fail(
                prefix, f"{user_id!r} is not a Slack user id (they look like U0123ABCD)"
            )
        entry = check.table(value, prefix)
        check.known_keys(entry, prefix, ("working_hours", "phase", "timezone"))
        values: dict[str, Any] = {}
        if "working_hours" in entry:
            values["working_hours"] = check.hours(entry["working_hours"], f"{prefix}.working_hours")
        if "phase" in entry:
            phase = check.string(entry["phase"], f"{prefix}.phase").strip().upper()
            if phase not in PHASES:
                raise check.fail(
                    f"{prefix}.phase", f'must be "I", "II" or "III", got {entry["phase"]!r}'
                )
            values["phase"] = phase
        if "timezone" in entry:
            values["timezone"] = check.timezone(entry["timezone"], f"{prefix}.timezone")
        users[user_id] = UserSettings(**values)
    return users


def _billing(
    check: _Checker, table: dict[str, Any], clients: tuple[ClientSettings, ...]
) -> BillingSettings:
    check.known_keys(table, "billing", ("rounding_minutes", "rates"))
    values: dict[str, Any] = {}
    if "rounding_minutes" in table:
        value = table["rounding_minutes"]
        if isinstance(value, bool) or not isinstance(value, int) or value not in ROUNDING_CHOICES:
            choices = ", ".join(str(choice) for choice in ROUNDING_CHOICES)
            raise check.fail(
                "billing.rounding_minutes",
                f"must be one of {choices} (0 = no rounding), got {_describe(value)}",
            )
        values["rounding_minutes"] = value
    if "rates" in table:
        rates_table = check.table(table["rates"], "billing.rates")
        client_keys = {client.key for client in clients}
        rates: dict[str, float] = {}
        for client_key, rate in rates_table.items():
            key = f"billing.rates.{client_key}"
            if client_key not in client_keys:
                raise check.fail(key, f"no client {client_key!r} in [clients]")
            rates[client_key] = check.number(
                rate, key, "an hourly rate of 0 or more", lambda x: x >= 0
            )
        values["rates"] = rates
    return BillingSettings(**values)
