"""The billable rule, once: in Python (`is_billable`, `why_not_billable`) and as the
query conditions the reports use (`billable_clause`, `clientless_clause`), which must
agree on every combination of client, task switch, entry switch and category."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from sqlmodel import col, select

from bot.services.billing.billable import (
    billable_clause,
    clientless_clause,
    is_billable,
    why_not_billable,
)
from bot.services.tasks import NewTask, create_task
from store.db import session_scope
from store.models import Client, Task, TimeEntry

OFF = frozenset({"Internal admin"})
START = datetime(2026, 11, 2, 14, tzinfo=UTC)


def test_why_not_billable_names_the_first_reason():
    task = Task(team_id="T", number=3, title="x", creator_id="U", client_id=None)
    assert why_not_billable(task, OFF) == "no client"
    task.client_id, task.billable = 1, False
    assert why_not_billable(task, OFF) == "switched off"
    task.billable, task.category = True, "Internal admin"
    assert why_not_billable(task, OFF) == "category"
    task.category = "Research"
    assert why_not_billable(task, OFF) is None
    entry = TimeEntry(team_id="T", user_id="U", task_id=1, started_at=START, billable=False)
    assert not is_billable(task, entry, OFF)
    entry.billable = True
    assert is_billable(task, entry, OFF)


def test_the_queries_agree_with_the_rule_on_every_combination(engine, actor_for):
    va = actor_for("U0VA1")
    combos = list(
        itertools.product((True, False), (True, False), (True, False), (None, *OFF, "Research"))
    )
    with session_scope(engine) as session:
        acme = session.exec(select(Client).where(Client.key == "acme")).one().id
        expected, clientless = set(), set()
        for n, (has_client, task_on, entry_on, category) in enumerate(combos):
            task = create_task(
                session,
                va,
                NewTask(
                    title=f"Task {n}",
                    client_id=acme if has_client else None,
                    category=category,
                    billable=task_on,
                ),
            )
            entry = TimeEntry(
                team_id=va.team_id,
                user_id=va.user_id,
                task_id=task.id,
                started_at=START + timedelta(hours=n),
                ended_at=START + timedelta(hours=n, minutes=30),
                billable=entry_on,
                created_at=START,
            )
            session.add(entry)
            session.flush()
            if is_billable(task, entry, OFF):
                expected.add(entry.id)
            elif not has_client and task_on and entry_on and category not in OFF:
                clientless.add(entry.id)

        def selected(condition) -> set[int]:
            query = select(TimeEntry.id).join(Task, col(Task.id) == TimeEntry.task_id)
            return set(session.exec(query.where(condition)))

        assert len(expected) == 2 and len(clientless) == 2
        assert selected(billable_clause(OFF)) == expected
        assert selected(clientless_clause(OFF)) == clientless
        assert len(selected(billable_clause(frozenset()))) == 3  # no category marked off
