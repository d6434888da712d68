"""The supervisor's daily digest and the weekly CEO check-in figures: each rostered VA's
scorecard for a day (or a week) of the workspace calendar, what each finished with its
completion notes, the team's totals, and what needs attention (client chats still
unanswered, overdue tasks, unfinished routines, long-running timers, open escalations,
assignments not acknowledged, time that would be billable but has no client)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from bot import clock
from bot.services import people
from bot.services.billing.billable import clientless_clause
from bot.services.billing.terms import non_billable_categories
from bot.services.calendars import workspace_calendar
from bot.services.chats import client_names
from bot.services.delegation import promotion_candidates, unacknowledged
from bot.services.errors import InputError, PermissionDenied
from bot.services.kpis import OPEN_STATUSES, Scorecard, TeamFigures, scorecards, team_total
from bot.services.people import Actor, display_name
from bot.services.periods import Period, local_day_bounds
from bot.services.routines import unfinished_runs
from bot.services.rows import saved_id
from bot.services.stale import MessageRef, StaleList, stale_list
from bot.services.tracked import FINISHED, finished_time
from store.models import Assignment, Conversation, Escalation, RoutineRun, Task, TimeEntry

if TYPE_CHECKING:
    from bot.settings import Settings

ATTENTION_LIMIT = 15
STALE_LIMIT = 5  # stale contacts the digest lists, each with its buttons


@dataclass
class Digest(TeamFigures):
    period: Period
    cards: dict[str, Scorecard]
    overdue: list[Task]
    unfinished: list[RoutineRun]
    long_timers: list[tuple[TimeEntry, Task]]
    completion_target: float
    csat_target: float = 4.5
    response_target: int = 15
    escalations: list[Escalation] = field(default_factory=list)  # open ones, oldest first
    unacknowledged: list[tuple[Assignment, Task]] = field(default_factory=list)
    promotions: list[tuple[str, str, str]] = field(default_factory=list)  # VA, phase, next
    waiting_chats: list[Conversation] = field(default_factory=list)  # unanswered, oldest first
    client_names: dict[int, str] = field(default_factory=dict)
    finished: dict[str, list[Task]] = field(default_factory=dict)  # by VA, oldest first
    # Time in the period that would be billable but has no client: most first.
    no_client: list[tuple[Task, timedelta]] = field(default_factory=list)
    as_of: datetime = field(default_factory=clock.now)  # a chat past its target is late then
    # The weekly report's billable time on no invoice, per client (name, seconds); None in
    # the daily digest.
    unbilled: list[tuple[str, int]] | None = None
    # The daily digest's stale contacts (the whole team's); None in the weekly report.
    stale: StaleList | None = None


def period_between(name: str, first: date, last: date, settings: Settings) -> Period:
    zone = workspace_calendar(settings).zone
    start, _ = local_day_bounds(first, zone)
    _, end = local_day_bounds(last, zone)
    return Period(name, first, last, start, end)


def build_digest(session: Session, settings: Settings, team_id: str, period: Period) -> Digest:
    roster = list(people.roster(session, settings, team_id).vas)
    zone = workspace_calendar(settings).zone
    cards = scorecards(session, settings, team_id, roster, period, zone) if roster else {}
    today = clock.now().astimezone(zone).date()
    overdue = session.exec(
        select(Task)
        .where(
            Task.team_id == team_id,
            col(Task.status).in_(OPEN_STATUSES),
            col(Task.due) < min(today, period.last + timedelta(days=1)),
        )
        .order_by(col(Task.due), col(Task.number))
        .limit(ATTENTION_LIMIT + 1)
    ).all()
    return Digest(
        period=period,
        cards=cards,
        overdue=list(overdue),
        unfinished=unfinished_runs(session, team_id, period.start, period.end),
        long_timers=long_running_timers(session, settings, team_id),
        completion_target=settings.kpi.completion_rate,
        csat_target=settings.kpi.csat,
        response_target=settings.sla.first_response_minutes,
        escalations=list(
            session.exec(
                select(Escalation)
                .where(Escalation.team_id == team_id, col(Escalation.resolved_at).is_(None))
                .order_by(col(Escalation.created_at))
                .limit(ATTENTION_LIMIT + 1)
            )
        ),
        unacknowledged=unacknowledged(session, team_id, ATTENTION_LIMIT + 1),
        promotions=promotion_candidates(session, settings, team_id),
        waiting_chats=list(
            session.exec(
                select(Conversation)
                .where(
                    Conversation.team_id == team_id,
                    col(Conversation.closed_at).is_(None),
                    col(Conversation.first_response_at).is_(None),
                )
                .order_by(col(Conversation.opened_at))
                .limit(ATTENTION_LIMIT + 1)
            )
        ),
        client_names=client_names(session, team_id),
        finished=finished_tasks(session, team_id, roster, period),
        no_client=clientless_time(session, settings, team_id, period),
    )


def stale_part(
    session: Session, settings: Settings, team_id: str, message: MessageRef | None = None
) -> StaleList:
    """The digest's stale contacts as of now: as posted, and as drawn again after a click
    on `message` (then with what each click did)."""
    return stale_list(session, settings, team_id, clock.now(), STALE_LIMIT, message=message)


def finished_tasks(
    session: Session, team_id: str, user_ids: list[str], period: Period
) -> dict[str, list[Task]]:
    """The tasks each person marked done in the period, with their completion notes."""
    if not user_ids:
        return {}
    found: dict[str, list[Task]] = {}
    for task in session.exec(
        select(Task)
        .where(
            Task.team_id == team_id,
            Task.status == "done",
            col(Task.completed_by).in_(user_ids),
            col(Task.completed_at) >= period.start,
            col(Task.completed_at) < period.end,
        )
        .order_by(col(Task.completed_at), col(Task.number))
    ):
        assert task.completed_by is not None  # one of user_ids
        found.setdefault(task.completed_by, []).append(task)
    return found


@dataclass(frozen=True)
class FinishedList:
    """Everything the roster finished in a digest's period: its "Show all"."""

    period: Period
    finished: dict[str, list[Task]]


def span_value(period: Period) -> str:
    """A digest's period as a button carries it: `2026-12-04/2026-12-04`."""
    return f"{period.first.isoformat()}/{period.last.isoformat()}"


def finished_list(session: Session, settings: Settings, actor: Actor, span: str) -> FinishedList:
    """The whole list behind a digest's "Show all": supervisors and owners only, like the
    digest."""
    if not actor.is_manager:
        raise PermissionDenied("The team's finished tasks are for supervisors and owners.")
    try:
        first, last = (date.fromisoformat(part) for part in span.split("/"))
    except ValueError:
        raise InputError("That list is no longer available; use the latest digest.") from None
    period = period_between("today" if first == last else "week", first, last, settings)
    roster = list(settings.roles.vas)
    return FinishedList(period, finished_tasks(session, actor.team_id, roster, period))


def long_running_timers(
    session: Session, settings: Settings, team_id: str
) -> list[tuple[TimeEntry, Task]]:
    """Timers running longer than `[timers] nudge_after_hours`, longest first."""
    since: datetime = clock.now() - timedelta(hours=settings.timers.nudge_after_hours)
    rows = session.exec(
        select(TimeEntry, Task)
        .join(Task, col(Task.id) == TimeEntry.task_id)
        .where(
            TimeEntry.team_id == team_id,
            col(TimeEntry.ended_at).is_(None),
            TimeEntry.started_at <= since,
        )
        .order_by(col(TimeEntry.started_at))
    ).all()
    return [(entry, task) for entry, task in rows]


def clientless_time(
    session: Session, settings: Settings, team_id: str, period: Period
) -> list[tuple[Task, timedelta]]:
    """Per task, the period's finished time that would be billable but has no client (no
    invoice can ever bill it), most first; at most ATTENTION_LIMIT + 1 tasks."""
    spent: dict[int, timedelta] = {}
    found: dict[int, Task] = {}
    for task, started_at, ended_at in session.exec(
        select(Task, TimeEntry.started_at, TimeEntry.ended_at)
        .join(TimeEntry, col(TimeEntry.task_id) == Task.id)
        .where(
            TimeEntry.team_id == team_id,
            FINISHED,
            clientless_clause(non_billable_categories(settings)),
            col(TimeEntry.ended_at) > period.start,
            TimeEntry.started_at < period.end,
        )
    ):
        key = saved_id(task)
        found[key] = task
        spent[key] = spent.get(key, timedelta(0)) + finished_time(started_at, ended_at, period)
    ranked = sorted(spent, key=lambda key: (-spent[key], found[key].number))
    return [(found[key], spent[key]) for key in ranked[: ATTENTION_LIMIT + 1] if spent[key]]


def daily_trend(
    session: Session, settings: Settings, team_id: str, days: list[date]
) -> list[tuple[date, Scorecard]]:
    """The team's scorecard day by day (the weekly report's completion trend)."""
    roster = list(people.roster(session, settings, team_id).vas)
    zone = workspace_calendar(settings).zone
    trend = []
    for day in days:
        period = period_between("day", day, day, settings)
        cards = scorecards(session, settings, team_id, roster, period, zone) if roster else {}
        trend.append((day, team_total(cards)))
    return trend


@dataclass(frozen=True)
class WeeklyChartData:
    """What the weekly chart draws: the week's figures (the report's, running timers
    apart) and each business day's completion with how many tasks were due."""

    period: Period
    names: dict[str, str]  # user id -> display name
    cards: dict[str, Scorecard]
    trend: list[tuple[date, Scorecard]]
    target: float


def weekly_chart_data(
    session: Session, settings: Settings, team_id: str, week: Digest
) -> WeeklyChartData:
    """The chart of a week's report, from the same scorecards as its figures."""
    calendar = workspace_calendar(settings)
    period = week.period
    span = (period.last - period.first).days + 1
    days = [period.first + timedelta(days=n) for n in range(span)]
    business_days = [day for day in days if calendar.is_working_day(day)]
    return WeeklyChartData(
        period=period,
        names={who: display_name(session, team_id, who) for who in week.cards},
        cards=week.cards,
        trend=daily_trend(session, settings, team_id, business_days),
        target=settings.kpi.completion_rate,
    )
