"""The team's KPIs, computed in one place for `/report` (and, later, the digest).

Definitions:
- task completion rate: tasks due in the period that were done on or before their due
  day, over all tasks due in the period (none due: no data);
- time-tracking accuracy: the share of tracked time recorded by a live timer and never
  edited (manual and edited entries count against it);
- hours logged and billable: finished time entries clipped to the period, billable by the
  one rule (`bot.services.billing.billable`: a client's task not marked off); a running timer
  counts nothing until it stops and is shown apart (`bot.services.tracked`: the one rule
  the digest, the weekly report, its chart and its timesheet share);
- overdue: open tasks whose due day has passed.
- routine completion: checklists completed over checklists posted for slots in the period;
- open escalations: those the person raised that are not resolved yet (now, whatever the
  period);
- unacknowledged assignments: work delegated to the person not acknowledged yet (now).
- CSAT: the ratings (1-5) clients gave, in the period, for tasks assigned to the person;
- first response: business minutes from a client's message to the team's first reply, for
  the conversations the person answered first in the period.
Filtered by a tag, the scorecard counts only tasks with the tag, time on them, their CSAT
and conversations with the tag; routines, escalations and assignments are left out.
A figure with nothing to measure is reported as no data, never as a number.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, cast
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy import ColumnElement, CompoundSelect
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from bot import clock
from bot.services import people
from bot.services.billing.billable import billable_clause
from bot.services.billing.terms import non_billable_categories
from bot.services.errors import PermissionDenied
from bot.services.people import Actor
from bot.services.periods import Period, period_of
from bot.services.tracked import FINISHED, RunningTimer, finished_time, running_timers
from store.models import (
    CLOSED_STATUSES,
    TASK_STATUSES,
    Assignment,
    Client,
    Conversation,
    CsatPrompt,
    Escalation,
    RoutineRun,
    Task,
    TimeEntry,
    User,
)

if TYPE_CHECKING:
    from bot.settings import Settings

OPEN_STATUSES = tuple(status for status in TASK_STATUSES if status not in CLOSED_STATUSES)


@dataclass
class Scorecard:
    """One person's figures for a period (or the team's, with user_id None)."""

    user_id: str | None
    logged: timedelta = timedelta(0)
    billable: timedelta = timedelta(0)
    live_timer: timedelta = timedelta(0)
    due: int = 0
    done_on_time: int = 0
    overdue: int = 0
    routines_done: int = 0
    routines_posted: int = 0
    open_escalations: int = 0
    unacknowledged: int = 0
    csat_ratings: list[int] = field(default_factory=list)
    first_responses: list[float] = field(default_factory=list)  # business minutes
    by_client: dict[str, timedelta] = field(default_factory=dict)
    running: list[RunningTimer] = field(default_factory=list)  # not in the figures

    @property
    def completion_rate(self) -> float | None:
        return self.done_on_time / self.due if self.due else None

    @property
    def tracking_accuracy(self) -> float | None:
        return self.live_timer / self.logged if self.logged else None

    @property
    def csat(self) -> float | None:
        return sum(self.csat_ratings) / len(self.csat_ratings) if self.csat_ratings else None

    @property
    def routine_completion(self) -> float | None:
        return self.routines_done / self.routines_posted if self.routines_posted else None

    def add(self, other: Scorecard) -> None:
        self.logged += other.logged
        self.billable += other.billable
        self.live_timer += other.live_timer
        self.due += other.due
        self.done_on_time += other.done_on_time
        self.overdue += other.overdue
        self.routines_done += other.routines_done
        self.routines_posted += other.routines_posted
        self.open_escalations += other.open_escalations
        self.unacknowledged += other.unacknowledged
        self.csat_ratings += other.csat_ratings
        self.first_responses += other.first_responses
        for client, spent in other.by_client.items():
            self.by_client[client] = self.by_client.get(client, timedelta(0)) + spent
        self.running += other.running


NO_CLIENT = "no client"


def scorecards(
    session: Session,
    settings: Settings,
    team_id: str,
    user_ids: list[str],
    period: Period,
    zone: ZoneInfo,
    tag: str | None = None,
) -> dict[str, Scorecard]:
    """Each person's scorecard for the period; with a tag, only what carries it (see the
    module's docstring). Running timers are listed apart, not counted."""
    now = clock.now()
    cards = {user_id: Scorecard(user_id) for user_id in user_ids}
    off = non_billable_categories(settings)
    entries = session.exec(entries_query(team_id, user_ids, period, tag, off)).all()
    names = {c.id: c.name for c in session.exec(select(Client).where(Client.team_id == team_id))}
    for user_id, started_at, ended_at, source, billable, client_id in entries:
        spent = finished_time(started_at, ended_at, period)
        if spent <= timedelta(0):
            continue
        card = cards[user_id]
        card.logged += spent
        card.billable += spent if billable else timedelta(0)
        card.live_timer += spent if source == "timer" else timedelta(0)
        client = names.get(client_id, NO_CLIENT)
        card.by_client[client] = card.by_client.get(client, timedelta(0)) + spent
    for user_id, timer in running_timers(
        session, settings, team_id, user_ids, period.end, tag
    ).items():
        cards[user_id].running.append(timer)
    today = now.astimezone(zone).date()
    # Session.exec has no overload for a UNION, which it runs as it runs a select.
    tasks = session.exec(tasks_query(team_id, user_ids, period, today, tag)).all()  # type: ignore[call-overload]
    for assignee_id, due, status, completed_at in tasks:
        card = cards[assignee_id]
        if status not in CLOSED_STATUSES and due < today:
            card.overdue += 1
        if period.first <= due <= period.last and status != "cancelled":
            card.due += 1
            if status == "done" and completed_at and completed_at.astimezone(zone).date() <= due:
                card.done_on_time += 1
    for assignee, rating in session.exec(csat_query(team_id, user_ids, period, tag)).all():
        cards[assignee].csat_ratings.append(rating)
    for responder, minutes in session.exec(first_response_query(team_id, user_ids, period, tag)):
        cards[responder].first_responses.append(minutes)
    if tag is not None:
        return cards
    for owner, done, posted in session.exec(routines_query(team_id, user_ids, period)).all():
        cards[owner].routines_done, cards[owner].routines_posted = done, posted
    for raiser, count in session.exec(escalations_query(team_id, user_ids)).all():
        cards[raiser].open_escalations = count
    for assignee, count in session.exec(unacknowledged_query(team_id, user_ids)).all():
        cards[assignee].unacknowledged = count
    return cards


def first_response_query(
    team_id: str, user_ids: list[str], period: Period, tag: str | None = None
) -> Select[str, float]:
    """Business minutes to first response of the chats answered in the period (not the
    asynchronous requests: those have their own, 4-hour target)."""
    query = select(col(Conversation.first_responder), col(Conversation.response_minutes)).where(
        Conversation.team_id == team_id,
        col(Conversation.asynchronous).is_(False),
        col(Conversation.first_response_at) >= period.start,
        col(Conversation.first_response_at) < period.end,
        col(Conversation.first_responder).in_(user_ids),
    )
    if tag is not None:
        query = query.where(Conversation.tag == tag)
    # Answered by one of them: neither the responder nor the minutes is NULL in these rows.
    return cast("Select[str, float]", query)


def csat_query(
    team_id: str, user_ids: list[str], period: Period, tag: str | None = None
) -> Select[str, int]:
    """Ratings given in the period, with the assignee of the task rated."""
    query = (
        select(col(Task.assignee_id), col(CsatPrompt.rating))
        .join(Task, col(Task.id) == CsatPrompt.task_id)
        .where(
            CsatPrompt.team_id == team_id,
            col(CsatPrompt.rated_at) >= period.start,
            col(CsatPrompt.rated_at) < period.end,
            col(Task.assignee_id).in_(user_ids),
        )
    )
    if tag is not None:
        query = query.where(Task.tag == tag)
    # Rated, assigned to one of them: neither the assignee nor the rating is NULL here.
    return cast("Select[str, int]", query)


def unacknowledged_query(team_id: str, user_ids: list[str]) -> Select[str, int]:
    """Per person: assignments given to them and not acknowledged yet."""
    return (
        select(Assignment.assignee_id, sa.func.count(col(Assignment.id)))
        .where(
            Assignment.team_id == team_id,
            Assignment.state == "assigned",
            col(Assignment.assignee_id).in_(user_ids),
        )
        .group_by(Assignment.assignee_id)
    )


def escalations_query(team_id: str, user_ids: list[str]) -> Select[str, int]:
    """Per person: escalations they raised that are still open (ix_escalation_team_open)."""
    return (
        select(Escalation.raised_by, sa.func.count(col(Escalation.id)))
        .where(
            Escalation.team_id == team_id,
            col(Escalation.resolved_at).is_(None),
            col(Escalation.raised_by).in_(user_ids),
        )
        .group_by(Escalation.raised_by)
    )


def routines_query(team_id: str, user_ids: list[str], period: Period) -> Select[str, int, int]:
    """Per person: checklists completed and posted for slots in the period."""
    return (
        select(
            RoutineRun.owner_id,
            sa.func.count(col(RoutineRun.completed_at)),
            sa.func.count(col(RoutineRun.id)),
        )
        .where(
            RoutineRun.team_id == team_id,
            col(RoutineRun.owner_id).in_(user_ids),
            RoutineRun.slot >= period.start,
            RoutineRun.slot < period.end,
            col(RoutineRun.message_ts).is_not(None),
        )
        .group_by(RoutineRun.owner_id)
    )


def entries_query(
    team_id: str,
    user_ids: list[str],
    period: Period,
    tag: str | None = None,
    non_billable: Collection[str] = (),
) -> Select[str, datetime, datetime | None, str, bool, int | None]:
    """The period's finished time entries of these people, each with whether it is
    billable (`non_billable`: the categories marked off) and its task's client:
    columns, not ORM objects, since a team's month is tens of thousands of rows. They are
    found by their end (ix_time_entry_user_end), so a year of earlier ones is never read;
    running timers are not counted (`running_timers`)."""
    columns = (
        col(TimeEntry.user_id),
        col(TimeEntry.started_at),
        col(TimeEntry.ended_at),
        col(TimeEntry.source),
        billable_clause(non_billable).label("billable"),
        col(Task.client_id),
    )
    mine: tuple[ColumnElement[bool] | bool, ...] = (
        TimeEntry.team_id == team_id,
        col(TimeEntry.user_id).in_(user_ids),
    )
    if tag is not None:
        mine = (*mine, Task.tag == tag)
    # sqlmodel's select() has overloads for up to four columns: these six are typed here.
    query: Select[str, datetime, datetime | None, str, bool, int | None] = select(*columns)  # type: ignore[call-overload]
    return query.join(Task, col(Task.id) == TimeEntry.task_id).where(
        *mine,
        FINISHED,
        col(TimeEntry.ended_at) > period.start,
        TimeEntry.started_at < period.end,
    )


def tasks_query(
    team_id: str, user_ids: list[str], period: Period, today: date, tag: str | None = None
) -> CompoundSelect[str | None, date | None, str, datetime | None]:
    """These people's tasks due in the period (ix_task_team_assignee_due), and their open
    ones due before it (ix_task_team_status_due): never a year of finished tasks."""
    columns = (col(Task.assignee_id), col(Task.due), col(Task.status), col(Task.completed_at))
    mine: tuple[ColumnElement[bool] | bool, ...] = (
        Task.team_id == team_id,
        col(Task.assignee_id).in_(user_ids),
    )
    if tag is not None:
        mine = (*mine, Task.tag == tag)
    due_now = select(*columns).where(*mine, col(Task.due) >= period.first, col(Task.due) <= today)
    still_open = select(*columns).where(
        *mine, col(Task.status).in_(OPEN_STATUSES), col(Task.due) < period.first
    )
    return due_now.union_all(still_open)


def team_total(cards: dict[str, Scorecard]) -> Scorecard:
    total = Scorecard(None)
    for card in cards.values():
        total.add(card)
    return total


def by_client(cards: dict[str, Scorecard]) -> dict[str, timedelta]:
    """Hours per client over everyone, largest first."""
    spent: dict[str, timedelta] = defaultdict(timedelta)
    for card in cards.values():
        for client, time_spent in card.by_client.items():
            spent[client] += time_spent
    return dict(sorted(spent.items(), key=lambda item: item[1], reverse=True))


class TeamFigures:
    """Totals over a set of scorecards (`cards`), for reports and digests."""

    cards: dict[str, Scorecard]

    @property
    def total(self) -> Scorecard:
        return team_total(self.cards)

    @property
    def by_client(self) -> dict[str, timedelta]:
        return by_client(self.cards)


@dataclass
class Report(TeamFigures):
    """What `/report` shows: one person's scorecard, or each rostered person's and the team's."""

    period: Period
    cards: dict[str, Scorecard]
    team: bool
    tag: str | None = None  # only what carries this tag


def report(
    session: Session,
    settings: Settings,
    actor: Actor,
    period_name: str,
    user_id: str | None = None,
    tag: str | None = None,
) -> Report:
    """A VA sees their own scorecard; supervisors and owners anyone's, or the team's: the
    roster plus whoever tracked time in the period. Periods are in the asker's time zone.
    A tag restricts it to tasks, time, CSAT and conversations with that tag."""
    period = period_of(period_name, actor.zone)
    roster = people.roster(session, settings, actor.team_id).vas
    if user_id is not None and user_id != actor.user_id and not actor.is_manager:
        raise PermissionDenied(
            "You can see your own scorecard (/report); a supervisor or an owner sees others'."
        )
    if user_id is not None or not actor.is_manager:
        who = [user_id or actor.user_id]
        cards = scorecards(session, settings, actor.team_id, who, period, actor.zone, tag)
    else:
        # Everyone VA Desk knows in the workspace (a few dozen rows), kept when rostered or
        # when they tracked time: cheaper than asking a year of entries who tracked.
        known = session.exec(select(User.id).where(User.team_id == actor.team_id)).all()
        everyone = list(dict.fromkeys([*roster, *sorted(known)]))
        cards = scorecards(session, settings, actor.team_id, everyone, period, actor.zone, tag)
        cards = {
            who: card for who, card in cards.items() if who in roster or card.logged or card.running
        }
    return Report(period, cards, team=user_id is None and actor.is_manager, tag=tag)
