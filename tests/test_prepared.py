"""store.prepared: a statement compiled once and run on the driver reads and writes what
the same statement through SQLAlchemy would, inside the session's transaction, on SQLite
and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from store.db import session_scope
from store.models import Task, Workspace
from store.prepared import SESSION_WROTE, Prepared, built, loaded
from store.sql import update_row

TASKS = Task.__table__  # type: ignore[attr-defined]
WHEN = datetime(2026, 3, 8, 6, 59, 59, 123456, tzinfo=UTC)

BY_NUMBER = Prepared(
    sa.select(*TASKS.c).where(
        TASKS.c.team_id == sa.bindparam("team"), TASKS.c.number == sa.bindparam("number")
    )
)
RENAME = Prepared(
    sa.update(TASKS)
    .where(TASKS.c.id == sa.bindparam("task"))
    .values(title=TASKS.c.title + " – " + sa.bindparam("suffix"))
    .returning(TASKS.c.title, TASKS.c.updated_at)
)
INSERT = Prepared(
    sa.insert(TASKS).returning(TASKS.c.id),
    column_keys=(
        "team_id",
        "number",
        "title",
        "creator_id",
        "status",
        "priority",
        "billable",
        "onboarding",
        "due",
        "created_at",
        "updated_at",
    ),
)


def _task(number: int, **changes) -> dict:
    values = {
        "team_id": "T1",
        "number": number,
        "title": f"Call the Jones's lender «{number}»",
        "creator_id": "U1",
        "status": "open",
        "priority": "normal",
        "billable": True,
        "onboarding": False,
        "due": date(2026, 3, 9),
        "created_at": WHEN,
        "updated_at": WHEN,
    }
    return {**values, **changes}


@pytest.fixture
def workspace(engine):
    with session_scope(engine) as session:
        session.add(Workspace(id="T1", created_at=WHEN))
    return engine


def test_rows_written_and_read_on_the_driver_come_back_as_sqlalchemy_reads_them(workspace):
    with session_scope(workspace) as session:
        new_id = INSERT.scalar(session, _task(7))
        assert session.info[SESSION_WROTE] is True
    with session_scope(workspace) as session:
        row = BY_NUMBER.first(session, {"team": "T1", "number": 7})
        through_sqlalchemy = session.get_one(Task, new_id)
    assert row.id == new_id and row.title == "Call the Jones's lender «7»"
    assert row.due == date(2026, 3, 9) and row.billable is True and row.onboarding is False
    assert row.created_at == WHEN and row.created_at.tzinfo is not None
    assert row._asdict() == through_sqlalchemy.model_dump()


def test_an_update_returning_sees_literal_and_given_parameters(workspace):
    with session_scope(workspace) as session:
        task_id = INSERT.scalar(session, _task(1))
        changed = RENAME.rows(session, {"task": task_id, "suffix": "urgent"})
    assert [tuple(row) for row in changed] == [("Call the Jones's lender «1» – urgent", WHEN)]
    with session_scope(workspace) as session:
        assert session.get_one(Task, task_id).title.endswith("– urgent")


def test_no_row_is_none_and_an_empty_list(workspace):
    with session_scope(workspace) as session:
        assert BY_NUMBER.first(session, {"team": "T1", "number": 99}) is None
        assert BY_NUMBER.scalar(session, {"team": "T1", "number": 99}) is None
        assert RENAME.rows(session, {"task": 99, "suffix": "x"}) == []


def test_a_prepared_write_is_part_of_the_sessions_transaction(workspace):
    with pytest.raises(RuntimeError), session_scope(workspace) as session:
        INSERT.scalar(session, _task(3))
        raise RuntimeError("the request failed after the insert")
    with session_scope(workspace) as session:
        assert BY_NUMBER.first(session, {"team": "T1", "number": 3}) is None


def test_the_drivers_error_is_sqlalchemys(workspace):
    with session_scope(workspace) as session:
        INSERT.scalar(session, _task(4))
    with pytest.raises(sa.exc.IntegrityError), session_scope(workspace) as session:
        INSERT.scalar(session, _task(5, team_id="T-none"))  # no such workspace
    with session_scope(workspace) as session:
        assert BY_NUMBER.first(session, {"team": "T1", "number": 4}) is not None


def test_changes_of_the_session_are_flushed_before_a_prepared_read(workspace):
    with session_scope(workspace) as session:
        session.add(Task(**_task(11)))
        assert BY_NUMBER.first(session, {"team": "T1", "number": 11}) is not None


def _saved(engine, number: int) -> None:
    with session_scope(engine) as session:
        INSERT.scalar(session, _task(number))


def _loaded(session: Session, number: int) -> Task:
    return loaded(
        session, Task, BY_NUMBER.first(session, {"team": "T1", "number": number})._asdict()
    )


def test_loaded_rows_join_the_session_and_their_changes_are_saved(workspace):
    _saved(workspace, 12)
    with session_scope(workspace) as session:
        task, again = _loaded(session, 12), _loaded(session, 12)
        assert again is task and session.get(Task, task.id) is task
        task.status = "done"
    with Session(workspace) as session:
        assert session.get_one(Task, task.id).status == "done"


def test_built_models_have_the_models_defaults():
    task = built(Task, {"team_id": "T1", "number": 1, "title": "x"})
    assert task.status == "open" and task.priority == "normal" and task.billable is True
    assert task.description is None and task.id is None and task.title == "x"
    assert sa.inspect(task).transient


def test_a_statement_that_expands_a_list_is_refused(workspace):
    listed = Prepared(
        sa.select(TASKS.c.id).where(TASKS.c.number.in_(sa.bindparam("n", expanding=True)))
    )
    with session_scope(workspace) as session, pytest.raises(ValueError, match="expand"):
        listed.rows(session, {"n": [1, 2]})


def test_update_row_saves_the_columns_and_leaves_other_changes_to_the_flush(workspace):
    _saved(workspace, 13)
    with session_scope(workspace) as session:
        task = _loaded(session, 13)
        task.priority = "high"  # an ORM change of another column, flushed at the commit
        update_row(session, task, {"status": "done", "completed_at": WHEN})
        assert task.status == "done" and "status" not in sa.inspect(task).committed_state
    with Session(workspace) as session:
        saved = session.get_one(Task, task.id)
        assert (saved.status, saved.completed_at, saved.priority) == ("done", WHEN, "high")
