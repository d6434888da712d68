"""The sections of `vadesk.toml` as pydantic models: one schema that validates the file,
names what is wrong, and is printed as JSON Schema for editors (`vadesk config schema`).

One module per section (or a few small ones that belong together), the shared field types
in `fields`, and the whole file in `file`. The models are frozen and forbid unknown keys.
"""

from bot.settings.schema.billing import BillingSettings, ClientBilling
from bot.settings.schema.calendars import CalendarSettings, SharedCalendar
from bot.settings.schema.clients import ClientEntry, ClientSettings
from bot.settings.schema.crm import (
    AskTestimonialSettings,
    OnboardingSettings,
    PipelineSettings,
    PipelineStage,
)
from bot.settings.schema.delegation import Category, DelegationSettings
from bot.settings.schema.fields import Section, SettingProblem, describe
from bot.settings.schema.file import SettingsFile
from bot.settings.schema.routines import ReportSettings, RoutineEntry
from bot.settings.schema.targets import KpiSettings, SlaSettings, TimerSettings
from bot.settings.schema.templates import Template, TemplateEntry
from bot.settings.schema.workspace import (
    ChannelSettings,
    RoleSettings,
    UserSettings,
    WorkspaceSettings,
)

__all__ = [
    "AskTestimonialSettings",
    "BillingSettings",
    "CalendarSettings",
    "Category",
    "ChannelSettings",
    "ClientBilling",
    "ClientEntry",
    "ClientSettings",
    "DelegationSettings",
    "KpiSettings",
    "OnboardingSettings",
    "PipelineSettings",
    "PipelineStage",
    "ReportSettings",
    "RoleSettings",
    "RoutineEntry",
    "Section",
    "SettingProblem",
    "SettingsFile",
    "SharedCalendar",
    "SlaSettings",
    "Template",
    "TemplateEntry",
    "TimerSettings",
    "UserSettings",
    "WorkspaceSettings",
    "describe",
]
