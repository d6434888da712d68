"""The reports as scheduled jobs: the supervisor digest (`daily-digest`) and the CEO
check-in report (`weekly-report`: figures, chart and timesheet CSV), each the latest one
due, posted to `[channels] digest`."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

from sqlmodel import Session

from bot.scheduling.jobs import Due, Job, JobContext, outgoing
from bot.scheduling.notify import FileUpload, Message, Outgoing
from bot.services import digest as digests
from bot.services.billing import invoices
from bot.services.calendars import workspace_calendar
from bot.services.schedules import Schedule, latest_report_slot, next_slot, parse_schedule
from bot.services.timesheet import timesheet_comment, timesheet_rows, write_csv
from bot.views.digest import digest_blocks, figures_text
from store.db import session_scope
from store.models import Workspace

DIGEST = "daily-digest"
WEEKLY_REPORT = "weekly-report"


class DigestJob(Job):
    name = DIGEST
    summary = "the supervisor digest in [channels] digest, at [reports] digest"

    def _schedule(self, ctx: JobContext) -> Schedule:
        return parse_schedule(ctx.settings.reports.digest)

    def due(self, ctx: JobContext, team_id: str, since: datetime, until: datetime) -> list[Due]:
        """The latest report due by `until`, however long ago: one missed while down is
        still useful until the next is due (`latest_report_slot`)."""
        channel = ctx.settings.channels.digest
        if channel is None:
            return []
        with session_scope(ctx.engine) as session:
            workspace = session.get(Workspace, team_id)
            installed_at = workspace.created_at if workspace else None
        slot = latest_report_slot(
            self._schedule(ctx), workspace_calendar(ctx.settings), until, installed_at
        )
        return [Due(self.name, team_id, channel, slot)] if slot else []

    def unscheduled_reason(self, ctx: JobContext) -> str:
        if ctx.settings.channels.digest is None:
            return "[channels] digest in vadesk.toml names no channel to post it to"
        return super().unscheduled_reason(ctx)

    def next_run(self, ctx: JobContext, team_id: str, after: datetime) -> datetime | None:
        if ctx.settings.channels.digest is None:
            return None
        slot = next_slot(self._schedule(ctx), workspace_calendar(ctx.settings), after)
        return slot.at if slot else None

    def messages(self, ctx: JobContext, due: Due) -> list[Outgoing]:
        settings = ctx.settings
        day = workspace_calendar(settings).local_day(due.slot.at)

        def compose(session: Session) -> Message:
            period = digests.period_between("today", day, day, settings)
            digest = digests.build_digest(session, settings, due.team_id, period)
            digest.stale = digests.stale_part(session, settings, due.team_id)
            heading = "Daily digest"
            return Message(figures_text(digest, heading), digest_blocks(digest, heading))

        return [outgoing(due, due.recipient, compose)]


class WeeklyReportJob(DigestJob):
    name = WEEKLY_REPORT
    summary = "the CEO check-in report (figures, chart, timesheet CSV) at [reports] weekly"

    def _schedule(self, ctx: JobContext) -> Schedule:
        return parse_schedule(ctx.settings.reports.weekly)

    def messages(self, ctx: JobContext, due: Due) -> list[Outgoing]:
        from bot.views.charts import weekly_chart  # matplotlib loads only when a report is made

        settings = ctx.settings
        last = workspace_calendar(settings).local_day(due.slot.at)
        first = last - timedelta(days=last.weekday())
        channel = due.recipient

        def week(session: Session) -> digests.Digest:
            period = digests.period_between("week", first, last, settings)
            digest = digests.build_digest(session, settings, due.team_id, period)
            digest.unbilled = list(
                invoices.unbilled_by_client(session, settings, due.team_id, first, last)
            )
            return digest

        def figures(session: Session) -> Message:
            heading = "Weekly check-in report"
            digest = week(session)
            return Message(figures_text(digest, heading), digest_blocks(digest, heading))

        def chart(session: Session) -> FileUpload:
            png = weekly_chart(
                digests.weekly_chart_data(session, settings, due.team_id, week(session))
            )
            return FileUpload(
                f"week-{first.isoformat()}.png",
                png,
                f"Hours and completion, week of {first.isoformat()}",
            )

        def timesheet(session: Session) -> FileUpload:
            # The week's days in the workspace's zone, as the figures count them.
            zone = workspace_calendar(settings).zone
            rows = timesheet_rows(session, settings, first, last, team_id=due.team_id, days_in=zone)
            text = io.StringIO()
            write_csv(rows, text)
            return FileUpload(
                f"timesheet-{first.isoformat()}-{last.isoformat()}.csv",
                text.getvalue().encode("utf-8-sig"),
                f"Timesheet {first.isoformat()} to {last.isoformat()}",
                timesheet_comment(rows, week(session).total.running),
            )

        return [
            outgoing(due, channel, figures),
            outgoing(due, f"{channel}:chart", chart, channel=channel),
            outgoing(due, f"{channel}:timesheet", timesheet, channel=channel),
        ]
