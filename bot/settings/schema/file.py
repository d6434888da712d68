"""All of `vadesk.toml` as one model: every section optional with the SOP's values as
defaults, and the checks of keys that refer to each other (a client's channel used once, a
rate for a known client, a schedule that falls on a business day)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from pydantic import ConfigDict, Field, model_validator

from bot.services.routine_catalog import DEFAULT_ROUTINES, Routine
from bot.services.schedules import DAY_NAMES, parse_schedule
from bot.services.tags import tag_slug, tags_in_effect
from bot.settings.schema.billing import BillingSettings
from bot.settings.schema.calendars import CalendarSettings
from bot.settings.schema.clients import ClientEntry, ClientKey, ClientSettings
from bot.settings.schema.crm import AskTestimonialSettings, OnboardingSettings, PipelineSettings
from bot.settings.schema.delegation import DelegationSettings
from bot.settings.schema.fields import Section, SettingProblem, UserId
from bot.settings.schema.routines import ReportSettings, RoutineEntry, RoutineName
from bot.settings.schema.tags import Subcategories, TagPart
from bot.settings.schema.targets import KpiSettings, SlaSettings, TimerSettings
from bot.settings.schema.templates import Template, TemplateEntry
from bot.settings.schema.workspace import (
    ChannelSettings,
    RoleSettings,
    UserSettings,
    WorkspaceSettings,
)


class SettingsFile(Section):
    """All of `vadesk.toml`; every section optional, the SOP values as defaults."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        title="vadesk.toml",
        json_schema_extra={"description": "Settings of VA Desk (see its README)."},
    )

    workspace: WorkspaceSettings = Field(default_factory=WorkspaceSettings)
    roles: RoleSettings = Field(default_factory=RoleSettings)
    channels: ChannelSettings = Field(default_factory=ChannelSettings)
    sla: SlaSettings = Field(default_factory=SlaSettings)
    kpi: KpiSettings = Field(default_factory=KpiSettings)
    timers: TimerSettings = Field(default_factory=TimerSettings)
    clients: dict[ClientKey, ClientEntry] = Field(default_factory=dict)
    users: dict[UserId, UserSettings] = Field(default_factory=dict)
    billing: BillingSettings = Field(default_factory=BillingSettings)
    reports: ReportSettings = Field(default_factory=ReportSettings)
    delegation: DelegationSettings = Field(default_factory=DelegationSettings)
    routines: dict[RoutineName, RoutineEntry] = Field(default_factory=dict)
    tags: dict[TagPart, Subcategories] | None = None
    templates: dict[RoutineName, TemplateEntry] = Field(default_factory=dict)
    pipeline: PipelineSettings = Field(default_factory=PipelineSettings)
    onboarding: OnboardingSettings = Field(default_factory=OnboardingSettings)
    testimonials: AskTestimonialSettings = Field(default_factory=AskTestimonialSettings)
    calendars: CalendarSettings = Field(default_factory=CalendarSettings)

    @model_validator(mode="after")
    def _keys_that_refer_to_each_other(self) -> SettingsFile:
        owners: dict[str, str] = {}
        for key, client in self.clients.items():
            if client.channel is None:
                continue
            if client.channel in owners:
                raise SettingProblem(
                    f"clients.{key}.channel",
                    f"channel {client.channel} is already used by client "
                    f"{owners[client.channel]!r}",
                )
            owners[client.channel] = key
        short_tags = {tag_slug(tag): tag for tag in tags_in_effect(self.tags)}
        for key in self.clients:
            tag = short_tags.get(tag_slug(key))
            if tag is not None:
                raise SettingProblem(
                    f"clients.{key}",
                    f"#{key} would name both this client and the tag {tag!r} "
                    f"(#{tag_slug(tag)}); rename the client's key or the tag",
                )
        self._billing_names_known_clients_and_categories()
        self.routines_in_effect()  # a new routine must say what, when and to whom
        # The reports always (the default weekly is a Friday); a routine when the file
        # sets its schedule (a built-in one on a day off just does not run that day).
        written = [("reports.digest", self.reports.digest), ("reports.weekly", self.reports.weekly)]
        written += [
            (f"routines.{name}.schedule", entry.schedule)
            for name, entry in self.routines.items()
            if entry.schedule is not None and entry.enabled
        ]
        for key, text in written:
            self._on_a_business_day(key, text)
        return self

    def _billing_names_known_clients_and_categories(self) -> None:
        for key in self.billing.rates:
            if key not in self.clients:
                raise SettingProblem(f"billing.rates.{key}", f"no client {key!r} in [clients]")
        categories = self.delegation.categories
        for key, terms in self.billing.clients.items():
            if key not in self.clients:
                raise SettingProblem(f"billing.clients.{key}", f"no client {key!r} in [clients]")
            if terms.model == "fixed" and key in self.billing.rates:
                raise SettingProblem(
                    f"billing.rates.{key}", f"{key} is a fixed client (no hourly rate); remove it"
                )
            for category in terms.fees:
                if category not in categories:
                    raise SettingProblem(
                        f"billing.clients.{key}.fees.{category}",
                        f"no category {category!r} in [delegation] categories",
                    )

    def _on_a_business_day(self, key: str, text: str) -> None:
        """A schedule of weekdays none of which is a business day would never run."""
        schedule = parse_schedule(text)
        business = self.workspace.business_days
        if schedule.kind == "weekly" and not set(schedule.days) & set(business):
            days = ", ".join(DAY_NAMES[d] for d in business)
            raise SettingProblem(
                key,
                f"{text!r} falls on no business day ([workspace] business_days: {days}), "
                "so it would never run; schedule it on a business day",
            )

    def routines_in_effect(self) -> tuple[Routine, ...]:
        """The built-in routines with the file's changes, then the file's own, minus the
        ones turned off."""
        defaults = {routine.name: routine for routine in DEFAULT_ROUTINES}
        result: list[Routine] = []
        for name in dict.fromkeys([*defaults, *self.routines]):
            entry = self.routines.get(name)
            base = defaults.get(name)
            if entry is None:
                result.append(defaults[name])  # a built-in routine the file leaves as it is
                continue
            if not entry.enabled:
                continue
            given = entry.model_dump(exclude={"enabled"}, exclude_none=True)
            if base is None:
                for key in ("schedule", "audience", "items"):
                    if key not in given:
                        raise SettingProblem(
                            f"routines.{name}.{key}", "is required for a routine of your own"
                        )
                given.setdefault("title", name.replace("-", " ").capitalize())
                result.append(Routine(name=name, **given))
            else:
                result.append(replace(base, **given))
        return tuple(result)

    def in_effect(self) -> dict[str, Any]:
        """The sections as `Settings` holds them: each section as read, the keyed tables as
        tuples, and the built-in routines and tags where the file leaves them."""
        return {
            **{name: getattr(self, name) for name in type(self).model_fields},
            "clients": self.client_settings(),
            "users": dict(self.users),
            "routines": self.routines_in_effect(),
            "tags": tags_in_effect(self.tags),
            "templates": self.templates_in_effect(),
        }

    def client_settings(self) -> tuple[ClientSettings, ...]:
        return tuple(ClientSettings(key=key, **dict(entry)) for key, entry in self.clients.items())

    def templates_in_effect(self) -> tuple[Template, ...]:
        return tuple(Template(name=name, **dict(entry)) for name, entry in self.templates.items())
