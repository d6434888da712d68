"""`[sla]`, `[kpi]` and `[timers]`: the response-time targets, the scorecard's targets and
the limits of time entries, as the SOPs set them."""

from __future__ import annotations

from typing import Annotated, TypeAlias

from bot.settings.schema.fields import (
    MIN_HOURS,
    Section,
    WorkingHours,
    WorkingMinutes,
    number_between,
    number_schema,
    whole_number,
    whole_number_schema,
)

MAX_OPEN_CHATS = 100

OpenChats: TypeAlias = Annotated[
    int,
    whole_number(MAX_OPEN_CHATS, "open client chats one VA can hold"),
    whole_number_schema(MAX_OPEN_CHATS),
]
Ratio: TypeAlias = Annotated[
    float, number_between(0.01, 0.99, "a number from 0.01 to 0.99"), number_schema(0.01, 0.99)
]
Share: TypeAlias = Annotated[
    float, number_between(0, 1, "a number from 0 to 1"), number_schema(0, 1)
]
Rating: TypeAlias = Annotated[
    float, number_between(1, 5, "a number from 1 to 5"), number_schema(1, 5)
]
EntryHours: TypeAlias = Annotated[
    float,
    number_between(MIN_HOURS, 24, f"a number of hours from {MIN_HOURS} to 24"),
    number_schema(MIN_HOURS, 24),
]


class SlaSettings(Section):
    """Response-time targets from the SOPs."""

    first_response_minutes: WorkingMinutes = 15
    acknowledge_business_hours: WorkingHours = 4
    max_open_chats_per_va: OpenChats = 4
    near_breach_ratio: Ratio = 0.75
    # A conversation answered by the team closes after this many business minutes with no
    # client message since the reply; an unanswered one never closes by itself.
    close_after_idle_minutes: WorkingMinutes = 120


class KpiSettings(Section):
    """KPI targets shown on the scorecard."""

    completion_rate: Share = 0.90
    csat: Rating = 4.5


class TimerSettings(Section):
    """Limits for time entries."""

    max_entry_hours: EntryHours = 24
    # A running timer longer than this gets one DM with Stop / Keep running.
    nudge_after_hours: EntryHours = 4
