"""What VA Desk is configured with: the environment (credentials, database, Slack URL)
plus the sections of `vadesk.toml`, whose schema lives in `bot.settings_models`.

Loaded and validated by `bot.config` (environment) and `bot.config_file` (`vadesk.toml`).
"""

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.settings_models import (
    DEFAULT_ROUTINES,
    BillingSettings,
    ChannelSettings,
    ClientSettings,
    DelegationSettings,
    KpiSettings,
    ReportSettings,
    RoleSettings,
    Routine,
    SlaSettings,
    Template,
    TimerSettings,
    UserSettings,
    WorkspaceSettings,
    tags_in_effect,
)

DEFAULT_DATABASE_URL = "sqlite:///vadesk.db"
DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_LOG_LEVEL = "INFO"


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
    reports: ReportSettings = field(default_factory=ReportSettings)
    delegation: DelegationSettings = field(default_factory=DelegationSettings)
    routines: tuple[Routine, ...] = field(default_factory=lambda: DEFAULT_ROUTINES)
    # The contact taxonomy as "Category – Subcategory" labels, and the approved templates.
    tags: tuple[str, ...] = field(default_factory=lambda: tags_in_effect(None))
    templates: tuple[Template, ...] = ()

    def for_display(self) -> dict[str, Any]:
        """The settings in effect, as `vadesk config show` prints them: secrets hidden,
        sections written the way `vadesk.toml` writes them."""
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        def secret(value: str | None) -> str | None:
            return None if value is None else f"{value[:5]}… (set, hidden)"

        try:
            database_url = make_url(self.database_url).render_as_string(hide_password=True)
        except ArgumentError:  # not a URL SQLAlchemy reads: show what follows any '@'
            database_url = self.database_url.rsplit("@", 1)[-1]
        sections = {
            name: getattr(self, name).model_dump(mode="json")
            for name in (
                "workspace",
                "roles",
                "channels",
                "sla",
                "kpi",
                "timers",
                "billing",
                "reports",
                "delegation",
            )
        }
        sections["routines"] = {
            r.name: r.model_dump(mode="json", exclude={"name"}) for r in self.routines
        }
        sections["clients"] = {
            c.key: c.model_dump(mode="json", exclude={"key"}, exclude_none=True)
            for c in self.clients
        }
        sections["users"] = {
            user_id: user.model_dump(mode="json", exclude_none=True)
            for user_id, user in self.users.items()
        }
        return {
            "config_file": str(self.config_path) if self.config_path else None,
            "environment": {
                "DATABASE_URL": database_url,
                "SLACK_API_URL": self.slack_api_url,
                "SLACK_BOT_TOKEN": secret(self.bot_token),
                "SLACK_APP_TOKEN": secret(self.app_token),
                "SLACK_SIGNING_SECRET": "(set, hidden)" if self.signing_secret else None,
                "LOG_LEVEL": self.log_level,
            },
            **sections,
            "tags": list(self.tags),
            "templates": {
                t.name: t.model_dump(mode="json", exclude={"name"}, exclude_none=True)
                for t in self.templates
            },
        }

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

    def template(self, name: str) -> Template | None:
        """The approved template with this name, if any."""
        return next((t for t in self.templates if t.name == name), None)

    def routine(self, name: str) -> Routine | None:
        """The routine in effect with this name, if any."""
        return next((r for r in self.routines if r.name == name), None)

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
