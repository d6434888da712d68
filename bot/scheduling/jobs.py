"""Every scheduled job, as the scheduler and `vadesk job` run it.

A job says which slots fell due in a window of time (per recipient), when it runs next,
and which messages a due slot sends. The scheduler (`bot.scheduling.scheduler`) decides which due
slots are still worth sending; `bot.scheduling.notify` sends each message once.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot import clock
from bot.scheduling.notify import FileUpload, Message, Outgoing
from bot.services import (
    chat_targets,
    chats,
    csat,
    delegation,
    escalations,
    focus,
    reminders,
    routines,
    templates,
)
from bot.services import digest as digests
from bot.services.calendars import workspace_calendar
from bot.services.schedules import (
    Slot,
    latest_report_slot,
    next_slot,
    parse_schedule,
)
from bot.services.timesheet import timesheet_comment, timesheet_rows, write_csv
from bot.settings import Settings
from bot.settings.schema import Routine
from bot.views import delegation as delegation_views
from bot.views.chats import (
    assigned_blocks,
    assigned_text,
    breach_blocks,
    breaches_text,
    near_breach_blocks,
    near_breach_text,
    queue_post,
)
from bot.views.csat import prompt_blocks, prompt_text
from bot.views.delegation import brief_blocks, brief_text, chase_text
from bot.views.digest import digest_blocks, figures_text
from bot.views.escalations import escalation_blocks, escalation_text, follow_up_text
from bot.views.focus import focus_blocks, focus_text
from bot.views.reminders import nudge_blocks, nudge_text
from bot.views.routines import checklist_blocks, checklist_text
from bot.views.templates import review_blocks
from store.db import session_scope
from store.models import Assignment, Escalation, Task, Workspace

DIGEST = "daily-digest"
WEEKLY_REPORT = "weekly-report"
REMINDERS = "reminders"
FOCUS = "reminders:focus"
ESCALATION_FOLLOW_UPS = "escalation-followups"
ASSIGNMENT_CHASE = "assignment-chase"
ASSIGNMENT_RECURRENCE = "assignment-recurrence"
CSAT_PROMPTS = "csat-prompts"
SLA_SWEEP = "sla-sweep"
ROUTINE_PREFIX = "routine:"


@dataclass(frozen=True)
class Due:
    """A slot of a job for one recipient (a person or a channel)."""

    job: str  # the name a delivery is claimed under
    team_id: str
    recipient: str
    slot: Slot
    subject: Any = None  # what the message is about: a routine, a nudge


@dataclass(frozen=True)
class JobContext:
    settings: Settings
    engine: Engine


class Job:
    name: str
    summary: str

    def due(self, ctx: JobContext, team_id: str, since: datetime, until: datetime) -> list[Due]:
        raise NotImplementedError

    def next_run(self, ctx: JobContext, team_id: str, after: datetime) -> datetime | None:
        raise NotImplementedError

    def unscheduled_reason(self, ctx: JobContext) -> str:
        """Why `next_run` is None, for the person who ran `vadesk job`."""
        return "its schedule has no working day in the next 62 days"

    def messages(self, ctx: JobContext, due: Due) -> list[Outgoing]:
        raise NotImplementedError


class RoutineJob(Job):
    def __init__(self, routine: Routine) -> None:
        self.routine = routine
        self.name = ROUTINE_PREFIX + routine.name
        where = "the channel" if routine.to_channel else "each of"
        self.summary = f"{routine.title}: {routine.schedule}, to {where} {routine.audience}"

    def due(self, ctx: JobContext, team_id: str, since: datetime, until: datetime) -> list[Due]:
        with session_scope(ctx.engine) as session:
            found = routines.routine_slots(
                session, ctx.settings, team_id, self.routine, since, until
            )
        return [Due(self.name, team_id, d.recipient, d.slot, d) for d in found]

    def next_run(self, ctx: JobContext, team_id: str, after: datetime) -> datetime | None:
        with session_scope(ctx.engine) as session:
            return routines.next_routine_slot(session, ctx.settings, team_id, self.routine, after)

    def messages(self, ctx: JobContext, due: Due) -> list[Outgoing]:
        routine_due: routines.RoutineDue = due.subject
        settings = ctx.settings

        def compose(session: Session) -> Message:
            run = routines.open_run(session, due.team_id, routine_due)
            items = routines.run_items(run)
            ticks = routines.ticks_of(session, run.id)
            morning = routines.morning_tasks_of(session, settings, run)
            extra = None
            if self.routine.name == templates.REVIEW_ROUTINE:
                listed = templates.review_list(session, settings, due.team_id, run.slot)
                extra = review_blocks(run.id, listed)
            return Message(
                checklist_text(run, items, ticks),
                checklist_blocks(run, items, ticks, morning, extra),
            )

        def after_post(session: Session, channel: str, ts: str | None) -> None:
            run = routines.open_run(session, due.team_id, routine_due)
            run.channel_id, run.message_ts = channel, ts
            session.add(run)

        return [_outgoing(due, due.recipient, compose, after_post)]


class DigestJob(Job):
    name = DIGEST
    summary = "the supervisor digest in [channels] digest, at [reports] digest"

    def _schedule(self, ctx: JobContext):
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
            heading = "Daily digest"
            return Message(figures_text(digest, heading), digest_blocks(digest, heading))

        return [_outgoing(due, due.recipient, compose)]


class WeeklyReportJob(DigestJob):
    name = WEEKLY_REPORT
    summary = "the CEO check-in report (figures, chart, timesheet CSV) at [reports] weekly"

    def _schedule(self, ctx: JobContext):
        return parse_schedule(ctx.settings.reports.weekly)

    def messages(self, ctx: JobContext, due: Due) -> list[Outgoing]:
        from bot.views.charts import weekly_chart  # matplotlib loads only when a report is made

        settings = ctx.settings
        last = workspace_calendar(settings).local_day(due.slot.at)
        first = last - timedelta(days=last.weekday())
        channel = due.recipient

        def week(session: Session) -> digests.Digest:
            period = digests.period_between("week", first, last, settings)
            return digests.build_digest(session, settings, due.team_id, period)

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
            _outgoing(due, channel, figures),
            _outgoing(due, f"{channel}:chart", chart, channel=channel),
            _outgoing(due, f"{channel}:timesheet", timesheet, channel=channel),
        ]


class RemindersJob(Job):
    name = REMINDERS
    summary = "timer nudges (past working hours, over [timers] nudge_after_hours), focus blocks"

    def due(self, ctx: JobContext, team_id: str, since: datetime, until: datetime) -> list[Due]:
        with session_scope(ctx.engine) as session:
            nudges = reminders.nudges_due(session, ctx.settings, team_id, since, until)
            sessions = focus.sessions_due(session, team_id, since, until)
        far = until + timedelta(days=1)  # useful as long as the timer runs
        dues = [
            Due(
                f"{REMINDERS}:{nudge.key}",
                team_id,
                nudge.entry.user_id,
                Slot(nudge.at, far, far),
                nudge,
            )
            for nudge in nudges
        ]
        dues += [
            Due(FOCUS, team_id, s.user_id, Slot(s.next_change_at, far, far), s.id) for s in sessions
        ]
        return dues

    def next_run(self, ctx: JobContext, team_id: str, after: datetime) -> datetime | None:
        return after  # checked on every tick

    def messages(self, ctx: JobContext, due: Due) -> list[Outgoing]:
        if due.job == FOCUS:
            return [_outgoing(due, due.recipient, _focus_change(due.subject))]
        nudge: reminders.Nudge = due.subject
        hours = ctx.settings.timers.nudge_after_hours

        def compose(session: Session) -> Message:
            return Message(nudge_text(nudge, hours), nudge_blocks(nudge, hours))

        return [_outgoing(due, due.recipient, compose)]


class EscalationFollowUpJob(Job):
    name = ESCALATION_FOLLOW_UPS
    summary = "open escalations followed up in their thread (urgent 30, normal 240 business min)"

    def due(self, ctx: JobContext, team_id: str, since: datetime, until: datetime) -> list[Due]:
        with session_scope(ctx.engine) as session:
            found = escalations.follow_ups_due(session, ctx.settings, team_id, since, until)
        far = until + timedelta(days=1)  # useful while the escalation is open
        return [
            Due(self.name, team_id, f"ESC-{f.escalation.id}", Slot(f.at, far, far), f)
            for f in found
        ]

    def next_run(self, ctx: JobContext, team_id: str, after: datetime) -> datetime | None:
        return after  # checked on every tick

    def messages(self, ctx: JobContext, due: Due) -> list[Outgoing]:
        follow_up: escalations.FollowUp = due.subject
        escalation = follow_up.escalation
        if escalation.message_ts is None:  # Slack refused it when it was raised
            channel = ctx.settings.channels.escalations
            return [self._first_post(due, escalation.id, channel)] if channel else []

        def compose(session: Session) -> Message:
            return Message(follow_up_text(follow_up), thread_ts=escalation.message_ts)

        return [_outgoing(due, due.recipient, compose, channel=escalation.channel_id)]

    @staticmethod
    def _first_post(due: Due, escalation_id: int, channel: str) -> Outgoing:
        """The escalation's own message, posted late: whoever takes it needs its buttons."""

        def compose(session: Session) -> Message | None:
            escalation = session.get(Escalation, escalation_id)
            if escalation is None or escalation.message_ts is not None:
                return None
            task = session.get(Task, escalation.task_id) if escalation.task_id else None
            return Message(escalation_text(escalation), escalation_blocks(escalation, task))

        def after_post(session: Session, channel: str, ts: str | None) -> None:
            escalations.record_posted(session, escalation_id, channel, ts)

        return _outgoing(due, due.recipient, compose, after_post, channel=channel)


class AssignmentChaseJob(Job):
    name = ASSIGNMENT_CHASE
    summary = "assignments not acknowledged, chased every [delegation] chase_after_business_hours"

    def due(self, ctx: JobContext, team_id: str, since: datetime, until: datetime) -> list[Due]:
        with session_scope(ctx.engine) as session:
            found = delegation.chases_due(session, ctx.settings, team_id, since, until)
            undelivered = delegation.undelivered_due(session, ctx.settings, team_id, since, until)
        far = until + timedelta(days=1)  # useful until acknowledged
        dues = [
            Due(self.name, team_id, f"A-{c.assignment.id}", Slot(c.at, far, far), c) for c in found
        ]
        dues += [
            Due(f"{self.name}:{u.which}", team_id, f"A-{u.assignment.id}", Slot(u.at, far, far), u)
            for u in undelivered
        ]
        return dues

    def next_run(self, ctx: JobContext, team_id: str, after: datetime) -> datetime | None:
        return after  # checked on every tick

    def messages(self, ctx: JobContext, due: Due) -> list[Outgoing]:
        if isinstance(due.subject, delegation.Undelivered):
            return [self._again(ctx, due, due.subject)]
        chase: delegation.Chase = due.subject
        if chase.assignment.va_ts is None:  # Slack refused the brief when it was assigned
            return [self._brief(due, chase.assignment.id, chase.assignment.assignee_id)]

        def compose(session: Session) -> Message:
            return Message(chase_text(chase), thread_ts=chase.assignment.va_ts)

        return [_outgoing(due, due.recipient, compose, channel=chase.assignment.va_channel)]

    @staticmethod
    def _again(ctx: JobContext, due: Due, undelivered: delegation.Undelivered) -> Outgoing:
        """A submission or question Slack refused to deliver to the assigner, again."""
        assignment_id, which = undelivered.assignment.id, undelivered.which

        def compose(session: Session) -> Message | None:
            assignment = session.get(Assignment, assignment_id)
            if assignment is None or getattr(assignment, f"{which}_ts") is not None:
                return None
            task = delegation.task_of(session, assignment)
            if which == "review":
                if assignment.state != "submitted":
                    return None
                submission = delegation.last_note(session, assignment, "submit")
                submitter_reviews = delegation.reviews_work(
                    session, ctx.settings, assignment.team_id, assignment.assignee_id
                )
                blocks = delegation_views.review_blocks(
                    assignment, task, submission, submitter_reviews
                )
                return Message(delegation_views.review_text(assignment, task), blocks)
            if assignment.open_question is None:
                return None
            text = delegation_views.question_text(assignment, task)
            return Message(text, delegation_views.question_blocks(assignment, task))

        def after_post(session: Session, channel: str, ts: str | None) -> None:
            delegation.record_message(session, assignment_id, which, channel, ts)

        assigner = undelivered.assignment.assigner_id
        return _outgoing(due, due.recipient, compose, after_post, channel=assigner)

    @staticmethod
    def _brief(due: Due, assignment_id: int, assignee: str) -> Outgoing:
        """The brief itself, sent late: the VA acknowledges with its buttons."""

        def compose(session: Session) -> Message | None:
            assignment = session.get(Assignment, assignment_id)
            if assignment is None or assignment.va_ts is not None:
                return None
            task = delegation.task_of(session, assignment)
            return Message(brief_text(assignment, task), brief_blocks(assignment, task))

        def after_post(session: Session, channel: str, ts: str | None) -> None:
            delegation.record_message(session, assignment_id, "va", channel, ts)

        return _outgoing(due, due.recipient, compose, after_post, channel=assignee)


class AssignmentRecurrenceJob(Job):
    name = ASSIGNMENT_RECURRENCE
    summary = "the next occurrence of recurring assignments, at the VA's workday start"

    def due(self, ctx: JobContext, team_id: str, since: datetime, until: datetime) -> list[Due]:
        with session_scope(ctx.engine) as session:
            found = delegation.occurrences_due(session, ctx.settings, team_id, until)
        far = until + timedelta(days=1)  # an occurrence missed while down is still made
        return [Due(self.name, team_id, f"A-{o.head.id}", Slot(o.at, far, far), o) for o in found]

    def next_run(self, ctx: JobContext, team_id: str, after: datetime) -> datetime | None:
        return after  # checked on every tick

    def messages(self, ctx: JobContext, due: Due) -> list[Outgoing]:
        due_occurrence: delegation.OccurrenceDue = due.subject
        head = due_occurrence.head
        made: list[int] = []

        def compose(session: Session) -> Message | None:
            occurrence = delegation.create_occurrence(
                session, ctx.settings, head.id, due_occurrence.occurrence
            )
            if occurrence is None:
                return None
            made.append(occurrence.id)
            task = delegation.task_of(session, occurrence)
            return Message(brief_text(occurrence, task), brief_blocks(occurrence, task))

        def after_post(session: Session, channel: str, ts: str | None) -> None:
            delegation.record_message(session, made[0], "va", channel, ts)

        return [_outgoing(due, due.recipient, compose, after_post, channel=head.assignee_id)]


class CsatPromptJob(Job):
    name = CSAT_PROMPTS
    summary = "the CSAT prompt in a client channel after a client task is done ([clients] csat)"

    def due(self, ctx: JobContext, team_id: str, since: datetime, until: datetime) -> list[Due]:
        with session_scope(ctx.engine) as session:
            found = csat.prompts_due(session, ctx.settings, team_id, since, until)
        far = until + timedelta(days=1)
        return [
            Due(self.name, team_id, f"T-{p.task.id}", Slot(p.task.completed_at, far, far), p)
            for p in found
        ]

    def next_run(self, ctx: JobContext, team_id: str, after: datetime) -> datetime | None:
        return after  # checked on every tick

    def messages(self, ctx: JobContext, due: Due) -> list[Outgoing]:
        prompt_due: csat.PromptDue = due.subject
        made: list[int] = []

        def compose(session: Session) -> Message:
            prompt = csat.open_prompt(session, due.team_id, prompt_due.task, prompt_due.channel)
            made.append(prompt.id)
            return Message(
                prompt_text(prompt, prompt_due.task), prompt_blocks(prompt, prompt_due.task)
            )

        def after_post(session: Session, channel: str, ts: str | None) -> None:
            csat.record_posted(session, made[0], ts)

        return [_outgoing(due, due.recipient, compose, after_post, channel=prompt_due.channel)]


class SlaSweepJob(Job):
    name = SLA_SWEEP
    summary = (
        "client chats: near-breach DMs; breaches and newly queued chats posted to "
        "[channels] digest; idle closes; queued chats to VAs with room"
    )

    def due(self, ctx: JobContext, team_id: str, since: datetime, until: datetime) -> list[Due]:
        with session_scope(ctx.engine) as session:
            found = chat_targets.sweep_due(session, ctx.settings, team_id, until)
        far = until + timedelta(days=1)  # useful while the conversation is open
        return [Due(self.name, team_id, t.key, Slot(t.at, far, far), t) for t in found]

    def next_run(self, ctx: JobContext, team_id: str, after: datetime) -> datetime | None:
        return after  # checked on every tick

    def messages(self, ctx: JobContext, due: Due) -> list[Outgoing]:
        target: chat_targets.TargetDue = due.subject
        conversation_id = target.conversation.id if target.conversation else None
        settings = ctx.settings

        def near_breach(session: Session) -> Message | None:
            row = chat_targets.record_near_breach(session, conversation_id, target.at)
            if row is None or not target.conversation.assignee_id:
                return None  # queued: the supervisors were told when it was queued
            waited = settings.sla.near_breach_ratio * chat_targets.target_minutes(settings, row)
            name, now = chats.client_name(session, row), clock.now()
            opening = chats.opening_texts(session, [row.id]).get(row.id)
            return Message(
                near_breach_text(row, name, waited, now),
                near_breach_blocks(row, name, waited, now, opening),
            )

        def breach(session: Session) -> Message | None:
            rows = chat_targets.record_breaches(session, target.ids)
            if not rows or not settings.channels.digest:
                return None
            names = chats.client_names(session, due.team_id)
            openings = chats.opening_texts(session, [row.id for row in rows])
            return Message(breaches_text(rows, names), breach_blocks(rows, names, openings))

        def queued(session: Session) -> Message | None:
            rows = chat_targets.record_announced(session, target.ids, clock.now())
            if not rows or not settings.channels.digest:
                return None
            names = chats.client_names(session, due.team_id)
            cap = settings.sla.max_open_chats_per_va
            text, blocks = queue_post(rows, names, cap, clock.now())
            return Message(text, blocks)

        def idle(session: Session) -> None:
            chat_targets.close_idle(session, settings, target.ids, clock.now())
            return None

        def from_queue(session: Session) -> Message | None:
            row = chat_targets.give_from_queue(
                session, settings, conversation_id, target.to, clock.now()
            )
            if row is None:
                return None
            name = chats.client_name(session, row)
            now = clock.now()
            return Message(assigned_text(row, name, now), assigned_blocks(row, name, now))

        compose, channel = {
            chat_targets.NEAR_BREACH: (
                near_breach,
                target.conversation and target.conversation.assignee_id,
            ),
            chat_targets.BREACH: (breach, settings.channels.digest),
            chat_targets.IDLE: (idle, None),
            chat_targets.QUEUED: (queued, settings.channels.digest),
            chat_targets.FROM_QUEUE: (from_queue, target.to),
        }[target.kind]
        # Nowhere to post (no VA yet, no digest channel): the stamp is still recorded.
        return [_outgoing(due, due.recipient, compose, channel=channel or "-")]


def _focus_change(focus_id: int) -> Callable[[Session], Message | None]:
    """Move a focus session along (inside the claim: once) and say where it stands."""

    def compose(session: Session) -> Message | None:
        change = focus.advance(session, focus_id, clock.now())
        if change is None:
            return None
        return Message(focus_text(change), focus_blocks(change))

    return compose


def _outgoing(
    due: Due,
    recipient: str,
    compose: Callable[[Session], Message | FileUpload | None],
    after_post: Callable[[Session, str, str | None], None] | None = None,
    channel: str | None = None,
) -> Outgoing:
    return Outgoing(
        team_id=due.team_id,
        job=due.job,
        slot=due.slot.at,
        recipient=recipient,
        channel=channel or due.recipient,
        compose=compose,
        after_post=after_post,
    )


def all_jobs(settings: Settings) -> dict[str, Job]:
    """Every job by name: the routines in effect, the digest, the weekly report, reminders."""
    jobs: list[Job] = [RoutineJob(routine) for routine in settings.routines]
    jobs += [
        DigestJob(),
        WeeklyReportJob(),
        RemindersJob(),
        EscalationFollowUpJob(),
        AssignmentChaseJob(),
        AssignmentRecurrenceJob(),
        CsatPromptJob(),
        SlaSweepJob(),
    ]
    return {job.name: job for job in jobs}
