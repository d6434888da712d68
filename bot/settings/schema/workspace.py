"""`[workspace]`, `[roles]`, `[channels]` and `[users.<id>]`: the team's schedule, who
holds which role, where the app posts, and what each person sets for themselves (their
hours, phase, zone, calendar feed and whom they support)."""

from __future__ import annotations

from datetime import time
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import Field, StrictBool

from bot.services.agenda.sources import redacted
from bot.settings.schema.calendars import FeedSource
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
    """Per-user settings; the time zone is only a fallback when Slack has none.

    `calendar` is the person's own iCalendar feed, `remind` asks for a DM before each of
    its appointments ([calendars] remind_minutes), and `supports` names the owners a
    phase III VA manages the schedule of (they may see those owners' agenda)."""

    working_hours: Hours | None = None
    phase: Phase = "I"
    timezone: TimeZoneName | None = None
    calendar: FeedSource | None = Field(default=None, repr=False)  # a secret address
    remind: StrictBool = False
    supports: UserIds = ()

    def for_display(self) -> dict[str, Any]:
        """The table as `vadesk config show` prints it: the feed's address redacted, and
        the calendar keys only when set."""
        unset = {key for key in ("remind", "supports") if not getattr(self, key)}
        shown: dict[str, Any] = self.model_dump(mode="json", exclude_none=True, exclude=unset)
        if self.calendar is not None:
            shown["calendar"] = redacted(self.calendar)
        return shown
