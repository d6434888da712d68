"""The settings model: what VA Desk can be told, with the SOP values as defaults.

Loaded and validated by `bot.config` (environment) and `bot.config_file` (`vadesk.toml`).
"""

import re
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

DEFAULT_DATABASE_URL = "sqlite:///vadesk.db"
DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_LOG_LEVEL = "INFO"

USER_ID_RE = re.compile(r"^[UW][A-Z0-9]+$")
CHANNEL_ID_RE = re.compile(r"^[CGD][A-Z0-9]+$")
CLIENT_KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
PHASES = ("I", "II", "III")
ROUNDING_CHOICES = (0, 1, 5, 6, 10, 15, 30, 60)
# Sections kept for later features (tag taxonomy, routines, templates): accepted as is.
RESERVED_SECTIONS = ("tags", "routines", "templates")


class ConfigError(Exception):
    """An invalid setting; its text names the file, the key and the reason."""

    def __init__(self, file: str, key: str, reason: str) -> None:
        super().__init__(f"{file}: {key}: {reason}")
        self.file = file
        self.key = key
        self.reason = reason


_CREDENTIAL_HELP = {
    "SLACK_BOT_TOKEN": (
        "use the Bot User OAuth Token (xoxb-...) from your app's OAuth & Permissions page "
        "at https://api.slack.com/apps"
    ),
    "SLACK_APP_TOKEN": (
        "create an App-Level Token (xapp-...) with the connections:write scope under "
        "Basic Information > App-Level Tokens at https://api.slack.com/apps"
    ),
    "SLACK_SIGNING_SECRET": (
        "copy the Signing Secret from your app's Basic Information page "
        "at https://api.slack.com/apps"
    ),
}
_CREDENTIAL_PREFIX = {"SLACK_BOT_TOKEN": "xoxb-", "SLACK_APP_TOKEN": "xapp-"}
_CREDENTIAL_KIND = {"SLACK_BOT_TOKEN": "a bot token", "SLACK_APP_TOKEN": "an app-level token"}


class MissingCredential(Exception):
    """A Slack credential is missing or wrong; the text is one line for the console."""

    def __init__(self, variable: str, problem: str = "is not set") -> None:
        help_text = _CREDENTIAL_HELP.get(variable, "see the README")
        super().__init__(f"{variable} {problem}: {help_text}")
        self.variable = variable
        self.problem = problem


@dataclass(frozen=True)
class WorkspaceSettings:
    """Workspace-wide schedule: the default for clients and users without their own."""

    timezone: str = "America/New_York"
    business_hours: tuple[time, time] = (time(9, 0), time(17, 0))
    business_days: tuple[int, ...] = (0, 1, 2, 3, 4)
    holidays: tuple[date, ...] = ()

    @property
    def zone(self) -> ZoneInfo:
        """The workspace time zone as a tzinfo."""
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class RoleSettings:
    """Who is owner or supervisor; `vas` is the roster for routines and digests."""

    owners: tuple[str, ...] = ()
    supervisors: tuple[str, ...] = ()
    vas: tuple[str, ...] = ()

    def role_of(self, user_id: str) -> str:
        """Return "owner", "supervisor" or "va" (unknown users are VAs, per the SPEC)."""
        if user_id in self.owners:
            return "owner"
        if user_id in self.supervisors:
            return "supervisor"
        return "va"


@dataclass(frozen=True)
class ChannelSettings:
    """Where digests and escalations are posted (None: not configured)."""

    digest: str | None = None
    escalations: str | None = None


@dataclass(frozen=True)
class SlaSettings:
    """Response-time targets from the SOPs."""

    first_response_minutes: int = 15
    acknowledge_business_hours: float = 4
    max_open_chats_per_va: int = 4
    near_breach_ratio: float = 0.75


@dataclass(frozen=True)
class KpiSettings:
    """KPI targets shown on the scorecard."""

    completion_rate: float = 0.90
    csat: float = 4.5


@dataclass(frozen=True)
class TimerSettings:
    """Limits for time entries."""

    max_entry_hours: float = 24


@dataclass(frozen=True)
class ClientSettings:
    """One client; None schedule fields fall back to the workspace's."""

    key: str
    name: str
    channel: str | None = None
    timezone: str | None = None
    business_hours: tuple[time, time] | None = None
    business_days: tuple[int, ...] | None = None

    @property
    def zone(self) -> ZoneInfo | None:
        """The client's own time zone, or None to use the workspace's."""
        return ZoneInfo(self.timezone) if self.timezone else None


@dataclass(frozen=True)
class UserSettings:
    """Per-user settings; the time zone is only a fallback when Slack has none."""

    working_hours: tuple[time, time] | None = None
    phase: str = "I"
    timezone: str | None = None


@dataclass(frozen=True)
class BillingSettings:
    """Rounding of billed time (0 = none) and hourly rates per client key."""

    rounding_minutes: int = 0
    rates: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Settings:
    """Everything VA Desk is configured with; built by `load_settings`."""

    database_url: str = DEFAULT_DATABASE_URL
    slack_api_url: str = DEFAULT_SLACK_API_URL
    bot_token: str | None = field(default=None, repr=False)
    app_token: str | None = field(default=None, repr=False)
    signing_secret: str | None = field(default=None, repr=False)
    log_level: str = DEFAULT_LOG_LEVEL
    config_path: Path | None = None
    workspace: WorkspaceSettings = field(default_factory=WorkspaceSettings)
    roles: RoleSettings = field(default_factory=RoleSettings)
    channels: ChannelSettings = field(default_factory=ChannelSettings)
    sla: SlaSettings = field(default_factory=SlaSettings)
    kpi: KpiSettings = field(default_factory=KpiSettings)
    timers: TimerSettings = field(default_factory=TimerSettings)
    clients: tuple[ClientSettings, ...] = ()
    users: dict[str, UserSettings] = field(default_factory=dict)
    billing: BillingSettings = field(default_factory=BillingSettings)
    # Raw TOML of the reserved sections (tags, routines, templates) for later features.
    reserved: dict[str, Any] = field(default_factory=dict)

    def client_for_channel(self, channel_id: str) -> ClientSettings | None:
        """The client whose channel this is, if any."""
        for client in self.clients:
            if client.channel == channel_id:
                return client
        return None

    def client(self, key: str) -> ClientSettings | None:
        """The client with this key, if any."""
        for client in self.clients:
            if client.key == key:
                return client
        return None

    def user_settings(self, user_id: str) -> UserSettings:
        """The user's settings, or the defaults when the file says nothing about them."""
        return self.users.get(user_id, UserSettings())

    def require(self, *names: str) -> None:
        """Refuse to start without the named Slack credentials (first problem wins)."""
        values = {
            "SLACK_BOT_TOKEN": self.bot_token,
            "SLACK_APP_TOKEN": self.app_token,
            "SLACK_SIGNING_SECRET": self.signing_secret,
        }
        for name in names:
            if name not in values:
                raise ValueError(f"unknown credential {name!r}")
            value = values[name]
            if not value:
                raise MissingCredential(name)
            prefix = _CREDENTIAL_PREFIX.get(name)
            if prefix and not value.startswith(prefix):
                seen = re.match(r"^(xox[a-z]-|xapp-)", value)
                got = (
                    f"it starts with {seen.group(1)}"
                    if seen
                    else f"it does not start with {prefix}"
                )
                raise MissingCredential(
                    name, f"is not {_CREDENTIAL_KIND[name]} ({prefix}...; {got})"
                )
