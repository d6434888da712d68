"""The time a client's invoice could bill in a period: the finished, billable entries on
the client's tasks that no open invoice bills yet, and a count of what is left out and why.
A day is the VA's own, as the timesheet counts it (`bot.services.timesheet`). One query
for the entries, one for the invoices that lock some of them."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot.services.billing.billable import billable_clause
from bot.services.billing.drafts import InvoicedElsewhere, LeftOut
from bot.services.billing.rounding import whole_seconds
from bot.services.people import zones_and_names
from store.models import Invoice, Task, TimeEntry

if TYPE_CHECKING:
    from bot.settings import Settings


class TrackedEntry(NamedTuple):
    """A finished entry the invoice may bill, with what its line needs (a tuple: a
    month's thousands are made faster than as a frozen dataclass)."""

    id: int
    user_id: str
    person: str
    task_id: int
    task_number: int
    task_title: str
    day: date  # the VA's local day of its start
    seconds: int  # whole seconds, as billed


@dataclass(frozen=True)
class PeriodTime:
    entries: tuple[TrackedEntry, ...]
    left_out: LeftOut


def utc_window(first_day: date, last_day: date) -> tuple[datetime, datetime]:
    """UTC instants that hold every local day of the period in any zone (±14 h)."""
    start = datetime.combine(first_day - timedelta(days=1), time(0), tzinfo=UTC)
    return start, datetime.combine(last_day + timedelta(days=2), time(0), tzinfo=UTC)


def _entry_rows(
    session: Session,
    team_id: str,
    client_id: int,
    first_day: date,
    last_day: date,
    non_billable: Collection[str],
) -> list[Any]:
    start, end = utc_window(first_day, last_day)
    billable = sa.type_coerce(billable_clause(non_billable), sa.Boolean).label("billable")
    query = (
        sa.select(
            col(TimeEntry.id),
            col(TimeEntry.user_id),
            col(TimeEntry.started_at),
            col(TimeEntry.ended_at),
            col(TimeEntry.invoice_id),
            col(TimeEntry.task_id),
            col(Task.number),
            col(Task.title),
            billable,
        )
        .join(Task, col(Task.id) == TimeEntry.task_id)
        .where(
            col(TimeEntry.team_id) == team_id,
            col(Task.client_id) == client_id,
            col(TimeEntry.started_at) >= start,
            col(TimeEntry.started_at) < end,
        )
        .order_by(col(TimeEntry.started_at), col(TimeEntry.id))
    )
    return list(session.execute(query))


def _invoiced(session: Session, locked: dict[int, list[int]]) -> tuple[InvoicedElsewhere, ...]:
    if not locked:
        return ()
    numbers = dict(
        session.exec(select(Invoice.id, Invoice.number).where(col(Invoice.id).in_(locked))).all()
    )
    return tuple(
        InvoicedElsewhere(number=numbers[invoice_id], entry_ids=tuple(sorted(entry_ids)))
        for invoice_id, entry_ids in sorted(locked.items(), key=lambda item: numbers[item[0]])
    )


def period_time(
    session: Session,
    settings: Settings,
    team_id: str,
    client_id: int,
    first_day: date,
    last_day: date,
    non_billable: Collection[str],
) -> PeriodTime:
    """The client's entries that start on a day of the period (each VA's own day)."""
    rows = _entry_rows(session, team_id, client_id, first_day, last_day, non_billable)
    people = zones_and_names(session, settings, team_id, {row[1] for row in rows})
    entries: list[TrackedEntry] = []
    locked: dict[int, list[int]] = {}
    running = non_billable_entries = non_billable_seconds = 0
    for (
        entry_id,
        user_id,
        started_at,
        ended_at,
        invoice_id,
        task_id,
        number,
        title,
        billable,
    ) in rows:
        zone, person = people[user_id]
        day = started_at.astimezone(zone).date()
        if not first_day <= day <= last_day:
            continue
        if ended_at is None:
            running += 1
        elif invoice_id is not None:
            locked.setdefault(invoice_id, []).append(entry_id)
        elif not billable:
            non_billable_entries += 1
            non_billable_seconds += whole_seconds(ended_at - started_at)
        else:
            seconds = whole_seconds(ended_at - started_at)
            entries.append(
                TrackedEntry(entry_id, user_id, person, task_id, number, title, day, seconds)
            )
    left_out = LeftOut(
        running_timers=running,
        non_billable_entries=non_billable_entries,
        non_billable_seconds=non_billable_seconds,
        invoiced=_invoiced(session, locked),
    )
    return PeriodTime(tuple(entries), left_out)
