"""`[workspace]`, `[roles]`, `[channels]` and `[users.<id>]`: the team's schedule, who
holds which role, where the app posts, and what each person sets for themselves."""

from __future__ import annotations

from datetime import time
from zoneinfo import ZoneInfo

from bot.settings.schema.delegation import Phase
from bot.settings.schema.fields import (
    ChannelId,
    Dates,
    Days,
    Hours,
    Section,
    TimeZoneName,
    UserIds,
)


class WorkspaceSettings(Section):
    """Workspace-wide schedule: the default for clients and users without their own."""

    timezone: TimeZoneName = "America/New_York"
    business_hours: Hours = (time(9, 0), time(17, 0))
    business_days: Days = (0, 1, 2, 3, 4)
    holidays: Dates = ()

    @property
    def zone(self) -> ZoneInfo:
        """The workspace time zone as a tzinfo."""
        return ZoneInfo(self.timezone)


class RoleSettings(Section):
    """Who is owner or supervisor; `vas` is the roster for routines and digests."""

    owners: UserIds = ()
    supervisors: UserIds = ()
    vas: UserIds = ()

    def role_of(self, user_id: str) -> str:
        """Return "owner", "supervisor" or "va" (unknown users are VAs, per the SPEC)."""
        if user_id in self.owners:
            return "owner"
        if user_id in self.supervisors:
            return "supervisor"
        return "va"


class ChannelSettings(Section):
    """Where digests and escalations are posted (None: not configured)."""

    digest: ChannelId | None = None
    escalations: ChannelId | None = None


class UserSettings(Section):
    """Per-user settings; the time zone is only a fallback when Slack has none."""

    working_hours: Hours | None = None
    phase: Phase = "I"
    timezone: TimeZoneName | None = None
