"""The calendar feeds' refresh as a scheduled chore (`calendars-refresh`): every tick it
reads the feeds that are due (each every `[calendars] refresh_minutes`, or at its back-off
after a failure) and stores their copies. It posts nothing; `vadesk job calendars-refresh`
reads every feed at once and says what became of each."""

from __future__ import annotations

from datetime import datetime

from bot.scheduling.jobs import Due, Job, JobContext
from bot.scheduling.notify import Outgoing
from bot.services.agenda.refresh import FeedRead, next_check, refresh_feeds

CALENDARS_REFRESH = "calendars-refresh"


def report_line(read: FeedRead) -> str:
    detail = f": {read.detail}" if read.detail else ""
    return f"{read.key} ({read.shown}): {read.outcome}{detail}"


class CalendarRefreshJob(Job):
    name = CALENDARS_REFRESH
    summary = "calendar feeds: read each every [calendars] refresh_minutes, keep the last good copy"
    chore = True

    def due(self, ctx: JobContext, team_id: str, since: datetime, until: datetime) -> list[Due]:
        return []  # a chore: `run` does its work, there is nothing to post

    def next_run(self, ctx: JobContext, team_id: str, after: datetime) -> datetime | None:
        return next_check(ctx.engine, ctx.settings, after)

    def unscheduled_reason(self, ctx: JobContext) -> str:
        return "no calendar is set ([users.<id>] calendar or [calendars.<name>] url)"

    def messages(self, ctx: JobContext, due: Due) -> list[Outgoing]:
        return []

    def run(self, ctx: JobContext, team_id: str, now: datetime, force: bool = False) -> list[str]:
        reads = refresh_feeds(ctx.engine, ctx.settings, team_id, now, force=force)
        return [report_line(read) for read in reads]
