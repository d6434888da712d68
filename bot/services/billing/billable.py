"""What tracked time is billable: time on a client's task, unless the entry, the task or
the task's category is marked non-billable. Internal work (a task with no client) is not
billable: no invoice could ever bill it. Every report, the digest, the CSV and the
invoices apply this one rule, in Python (`is_billable`) or in a query (`billable_clause`)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, Literal

import sqlalchemy as sa
from sqlmodel import col

from store.models import Task, TimeEntry


def is_billable(task: Task, entry: TimeEntry, non_billable_categories: Collection[str]) -> bool:
    return entry.billable and why_not_billable(task, non_billable_categories) is None


NotBillable = Literal["no client", "switched off", "category"]


def why_not_billable(task: Task, non_billable_categories: Collection[str]) -> NotBillable | None:
    """Why time on this task is not billable (None: it is, unless an entry is marked
    otherwise): no client, the task's switch off, or its category's."""
    if task.client_id is None:
        return "no client"
    if not task.billable:
        return "switched off"
    if task.category is not None and task.category in non_billable_categories:
        return "category"
    return None


def _not_marked_off(non_billable_categories: Collection[str]) -> list[Any]:
    """Neither the entry, nor its task, nor the task's category is marked non-billable."""
    conditions: list[Any] = [col(Task.billable).is_(True), col(TimeEntry.billable).is_(True)]
    if non_billable_categories:
        conditions.append(
            sa.or_(
                col(Task.category).is_(None),
                col(Task.category).not_in(sorted(non_billable_categories)),
            )
        )
    return conditions


def billable_clause(non_billable_categories: Collection[str]) -> Any:
    """`is_billable` as a condition on a query that joins `TimeEntry` to its `Task`."""
    return sa.and_(col(Task.client_id).is_not(None), *_not_marked_off(non_billable_categories))


def clientless_clause(non_billable_categories: Collection[str]) -> Any:
    """Time that would be billable but has no client, so no invoice can ever bill it
    (the digest lists it: give the task a client, or switch it off)."""
    return sa.and_(col(Task.client_id).is_(None), *_not_marked_off(non_billable_categories))
