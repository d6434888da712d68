"""What VA Desk is configured with: the environment (credentials, database, Slack URL)
plus the sections of `vadesk.toml`, all validated at start-up so a bad setting stops the app
with the file, key and reason instead of failing later inside a Slack handler.

`environment` reads the environment and `.env`, `toml` reads the file, and `schema` holds
the file's sections as pydantic models.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from bot.services.routine_catalog import DEFAULT_ROUTINES, Routine
from bot.services.tags import tags_in_effect
from bot.settings.environment import (
    DEFAULT_DATABASE_URL,
    DEFAULT_LOG_LEVEL,
    DEFAULT_SLACK_API_URL,
    check_credential,
    read_environment,
)
from bot.settings.errors import ConfigError, MissingCredential
from bot.settings.schema import (
    AskTestimonialSettings,
    BillingSettings,
    CalendarSettings,
    ChannelSettings,
    ClientSettings,
    DelegationSettings,
    KpiSettings,
    OnboardingSettings,
    PipelineSettings,
    ReportSettings,
    RoleSettings,
    Section,
    SlaSettings,
    Template,
    TimerSettings,
    UserSettings,
    WorkspaceSettings,
)
from bot.settings.toml import parse_settings_file

__all__ = ["ConfigError", "MissingCredential", "Settings", "load_settings"]


@dataclass(frozen=True)
class Settings:
    """Everything VA Desk is configured with; built by `load_settings`."""

    database_url: str = DEFAULT_DATABASE_URL
    slack_api_url: str = DEFAULT_SLACK_API_URL
    bot_token: str | None = field(default=None, repr=False)
    app_token: str | None = field(default=None, repr=False)
    signing_secret: str | None = field(default=None, repr=False)
    log_level: str = DEFAULT_LOG_LEVEL
    log_format: str = "text"
    database_pool_size: int | None = None
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
    pipeline: PipelineSettings = field(default_factory=PipelineSettings)
    onboarding: OnboardingSettings = field(default_factory=OnboardingSettings)
    testimonials: AskTestimonialSettings = field(default_factory=AskTestimonialSettings)
    calendars: CalendarSettings = field(default_factory=CalendarSettings)

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
        sections: dict[str, Any] = {}
        for item in fields(self):  # the sections that are one table each, in the file's order
            value = getattr(self, item.name)
            if isinstance(value, Section):
                sections[item.name] = value.model_dump(mode="json")
        sections["routines"] = {
            r.name: {
                "title": r.title,
                "schedule": r.schedule,
                "audience": r.audience,
                "items": list(r.items),
            }
            for r in self.routines
        }
        sections["clients"] = {
            c.key: c.model_dump(mode="json", exclude={"key"}, exclude_none=True)
            for c in self.clients
        }
        sections["calendars"] = self.calendars.for_display()
        sections["users"] = {user_id: user.for_display() for user_id, user in self.users.items()}
        return {
            "config_file": str(self.config_path) if self.config_path else None,
            "environment": {
                "DATABASE_URL": database_url,
                "SLACK_API_URL": self.slack_api_url,
                "SLACK_BOT_TOKEN": secret(self.bot_token),
                "SLACK_APP_TOKEN": secret(self.app_token),
                "SLACK_SIGNING_SECRET": "(set, hidden)" if self.signing_secret else None,
                "LOG_LEVEL": self.log_level,
                "LOG_FORMAT": self.log_format,
                "DATABASE_POOL_SIZE": self.database_pool_size,
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
            check_credential(name, values[name])


def load_settings(
    environ: Mapping[str, str] | None = None, *, load_dotenv_file: bool = True
) -> Settings:
    """Read the environment (and `.env`) and the settings file; raise ConfigError if invalid.

    Credentials are not required here: commands call `Settings.require(...)` for
    the ones they need, so `vadesk manifest` works without any tokens.
    """
    environment = read_environment(environ, load_dotenv_file)
    path = environment["config_path"]
    parsed = parse_settings_file(path) if path is not None else {}
    return Settings(**environment, **parsed)
