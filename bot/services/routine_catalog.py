"""The routines the SOPs define, on by default: each a checklist on a schedule for an
audience (a roster, or a channel). A `[routines.<name>]` table changes or adds one."""

from __future__ import annotations

from dataclasses import dataclass

# Who a routine goes to, besides a channel: each person of one of these rosters.
AUDIENCES = ("vas", "supervisors", "owners")


@dataclass(frozen=True)
class Routine:
    """A routine in effect: a checklist posted on a schedule to each person of an audience
    (in their own time zone and working hours), or to a channel."""

    name: str
    title: str
    schedule: str
    audience: str
    items: tuple[str, ...]

    @property
    def to_channel(self) -> bool:
        return self.audience not in AUDIENCES


def _routine(name: str, title: str, schedule: str, audience: str, *items: str) -> Routine:
    return Routine(name=name, title=title, schedule=schedule, audience=audience, items=items)


# The SOP's routines, on by default.
DEFAULT_ROUTINES: tuple[Routine, ...] = (
    _routine(
        "morning",
        "Morning routine",
        "workday start",
        "vas",
        "Review the PSA: tasks due today and overdue",
        "Check client chats and emails",
        "Prioritize the day (urgent and important first)",
        "Update your personal to-do list",
    ),
    _routine(
        "hourly",
        "Hourly check",
        "hourly",
        "vas",
        "Monitor client chats",
        "Update task statuses",
        "Handle time-sensitive requests",
    ),
    _routine(
        "end-of-day",
        "End-of-day wrap-up",
        "workday end",
        "vas",
        "Finalize pending tasks (or note where they stand)",
        "Update the PSA",
        "Prepare the end-of-day report",
        "Close the day's channels and chats",
    ),
    _routine(
        "monday-audit",
        "Monday audit",
        "mon 10:00",
        "vas",
        "Audit automations and workflows",
        "Fix or report what is broken",
    ),
    _routine(
        "friday-checkin",
        "Friday CEO check-in",
        "fri 14:00",
        "vas",
        "Prepare the check-in report for the owner",
        "List wins, blockers and next week's priorities",
    ),
    _routine(
        "testimonials",
        "Testimonial requests",
        "wed 11:00",
        "vas",
        "Send testimonial requests to happy clients",
        "Log the answers received",
    ),
    _routine(
        "onboarding-check",
        "Onboarding sequence check",
        "tue 11:00",
        "vas",
        "Check that new clients got every onboarding step",
    ),
    _routine(
        "campaign-review",
        "Campaign follow-up review",
        "thu 11:00",
        "vas",
        "Review campaign follow-ups and their replies",
        "Schedule the next follow-ups",
    ),
    _routine(
        "template-review",
        "Monthly template library review",
        "monthly 10:00",
        "vas",
        "Review message templates; update outdated ones",
        "Mark each template's review date",
    ),
    _routine(
        "cold-leads",
        "Cold-lead archive",
        "monthly 11:00",
        "vas",
        "Archive cold leads",
        "Build the re-engagement segment",
    ),
    _routine(
        "sop-review",
        "SOP review with the owner",
        "monthly 14:00",
        "supervisors",
        "Review the SOPs with the owner",
        "Record the changes agreed",
    ),
    _routine(
        "owner-morning",
        "Your day",
        "workday start",
        "owners",
        "Look over today's appointments, deadlines and follow-ups",
        "Tell your VA what to move, prepare or confirm",
    ),
)
