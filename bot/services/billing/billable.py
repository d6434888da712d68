"""What tracked time is billable: time on a client's task, unless the entry, the task or
the task's category is marked non-billable. Internal work (a task with no client) is not
billable: no invoice could ever bill it. Every report, the digest, the CSV and the
invoices apply this one rule, in Python (`is_billable`) or in a query (`billable_clause`)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from store.models import Task, TimeEntry


def is_billable(task: Task, entry: TimeEntry, non_billable_categories: Collection[str]) -> bool:
    return (
        task.client_id is not None
        and task.billable
        and entry.billable
        and (task.category is None or task.category not in non_billable_categories)
    )


def billable_clause(non_billable_categories: Collection[str]) -> Any:
    """`is_billable` as a condition on a query that joins `TimeEntry` to its `Task`."""
    conditions: list[Any] = [
        col(Task.client_id).is_not(None),
        col(Task.billable).is_(True),
        col(TimeEntry.billable).is_(True),
    ]
    if non_billable_categories:
        conditions.append(
            sa.or_(
                col(Task.category).is_(None),
                col(Task.category).not_in(sorted(non_billable_categories)),
            )
        )
    return sa.and_(*conditions)
