"""The team board on a supervisor's App Home: who is on a timer and on what, and who is
behind (overdue tasks, checklists of the last day left unfinished, out of office); and
for whoever may invoice, the month's unbilled hours per client and the last invoices."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot import clock
from bot.services import people
from bot.services.billing import invoices
from bot.services.calendars import away_until, workspace_calendar
from bot.services.errors import PermissionDenied
from bot.services.kpis import OPEN_STATUSES
from bot.services.people import Actor
from store.models import Invoice, RoutineRun, Task, TimeEntry

if TYPE_CHECKING:
    from bot.settings import Settings

LAST_INVOICES = 5


@dataclass(frozen=True)
class BoardRow:
    user_id: str
    running: tuple[TimeEntry, Task] | None
    overdue: int
    unfinished_routines: int
    away_until: date | None

    @property
    def behind(self) -> bool:
        return bool(self.overdue or self.unfinished_routines)


def team_board(session: Session, settings: Settings, team_id: str) -> list[BoardRow]:
    roster = list(people.roster(session, settings, team_id).vas)
    if not roster:
        return []
    now = clock.now()
    today = workspace_calendar(settings).local_day(now)
    running = {
        entry.user_id: (entry, task)
        for entry, task in session.exec(
            select(TimeEntry, Task)
            .join(Task, col(Task.id) == TimeEntry.task_id)
            .where(
                TimeEntry.team_id == team_id,
                col(TimeEntry.user_id).in_(roster),
                col(TimeEntry.ended_at).is_(None),
            )
        ).all()
    }
    overdue = dict(
        session.exec(
            select(Task.assignee_id, sa.func.count(col(Task.id)))
            .where(
                Task.team_id == team_id,
                col(Task.assignee_id).in_(roster),
                col(Task.status).in_(OPEN_STATUSES),
                col(Task.due) < today,
            )
            .group_by(Task.assignee_id)
        ).all()
    )
    unfinished = dict(
        session.exec(
            select(RoutineRun.owner_id, sa.func.count(col(RoutineRun.id)))
            .where(
                RoutineRun.team_id == team_id,
                col(RoutineRun.owner_id).in_(roster),
                RoutineRun.slot >= now - timedelta(hours=24),
                RoutineRun.slot <= now,
                col(RoutineRun.message_ts).is_not(None),
                col(RoutineRun.completed_at).is_(None),
            )
            .group_by(RoutineRun.owner_id)
        ).all()
    )
    away = away_until(session, team_id, roster)
    return [
        BoardRow(
            user_id,
            running.get(user_id),
            overdue.get(user_id, 0),
            unfinished.get(user_id, 0),
            away[user_id] if user_id in away and away[user_id] >= today else None,
        )
        for user_id in roster
    ]


@dataclass(frozen=True)
class BillingBoard:
    """This month (in the workspace's calendar) so far: billable hours on no invoice per
    client, and the last invoices."""

    first_day: date
    last_day: date
    unbilled: list[tuple[str, int]]  # client name, seconds
    last_invoices: list[Invoice]


def billing_board(session: Session, settings: Settings, actor: Actor) -> BillingBoard | None:
    """The App Home's invoices, for whoever may invoice; None for everyone else."""
    try:
        invoices.check_may_invoice(settings, actor.role)
    except PermissionDenied:
        return None
    today = workspace_calendar(settings).local_day(clock.now())
    first = today.replace(day=1)
    return BillingBoard(
        first,
        today,
        list(invoices.unbilled_by_client(session, settings, actor.team_id, first, today)),
        list(invoices.last_invoices(session, actor.team_id, limit=LAST_INVOICES)),
    )
