"""The database idioms VA Desk needs on both SQLite and PostgreSQL, each written once.

Services say what they need (a row inserted unless it is there, a turn of their own per
key, rows locked before they are read again) and these functions say how on each
database. Nothing outside `store/` asks which database it runs on.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from contextlib import closing
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql import Select
from sqlmodel import Session, SQLModel

from store.prepared import Prepared


def is_sqlite(bind: Engine | Connection | Session) -> bool:
    """Whether this runs on SQLite (one writer at a time) rather than PostgreSQL."""
    engine = bind.get_bind() if isinstance(bind, Session) else bind
    return engine.dialect.name == "sqlite"


def insert_once(session: Session, row: SQLModel) -> None:
    """Insert a row seen for the first time; if a concurrent request inserted it first, keep it."""
    try:
        with session.begin_nested():
            session.add(row)
    except sa.exc.IntegrityError:
        pass


def insert_or_ignore(
    session: Session,
    model: type[SQLModel],
    values: Mapping[str, Any],
    returning: str,
    conflict_on: Sequence[str] | None = None,
) -> Any | None:
    """INSERT … ON CONFLICT DO NOTHING into `model`'s table: the new row's `returning`
    column, or None when a row with the same key (the unique columns `conflict_on`, else
    any) was there already. One statement, so of two processes inserting the same key
    exactly one gets the row."""
    table = _table(model)
    insert = sqlite.insert if is_sqlite(session) else postgresql.insert
    statement = (
        insert(table)
        .values(**values)
        .on_conflict_do_nothing(index_elements=conflict_on)
        .returning(table.c[returning])
    )
    return session.execute(statement).scalar_one_or_none()


def insert_many(session: Session, model: type[SQLModel], rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert many rows (each with the same columns) at once, each value through its
    column's type as an INSERT's would be, straight to the driver: PostgreSQL's COPY
    (row by row, even pipelined, takes about four times as long) and SQLite's executemany
    (a loop in C). Through SQLAlchemy, building each row's parameters cost more than the
    database's work."""
    if not rows:
        return
    table = _table(model)
    session.flush()
    connection = session.connection()
    dialect = connection.dialect
    names = list(rows[0])
    processors = [
        table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names
    ]
    values = [
        [
            row[name] if convert is None else convert(row[name])
            for name, convert in zip(names, processors, strict=True)
        ]
        for row in rows
    ]
    quote = dialect.identifier_preparer.quote
    columns = ", ".join(quote(name) for name in names)
    driver = connection.connection.dbapi_connection
    with closing(driver.cursor()) as cursor:  # type: ignore[union-attr]
        if is_sqlite(session):
            marks = ", ".join("?" for _ in names)
            insert = f"INSERT INTO {quote(table.name)} ({columns}) VALUES ({marks})"
            cursor.executemany(insert, values)
            return
        with cursor.copy(f"COPY {quote(table.name)} ({columns}) FROM STDIN") as copy:
            for row in values:
                copy.write_row(row)


@functools.cache
def _insert_returning_id(table: sa.Table) -> Prepared:
    columns = tuple(column.name for column in table.c if column.name != "id")
    return Prepared(sa.insert(table).returning(table.c.id), column_keys=columns)


def insert_row(session: Session, row: SQLModel) -> None:
    """INSERT a new row with one statement prepared once per table (store.prepared), its
    `id` from the database, and keep it in the session as if just read: later changes to
    it are flushed as usual. The ORM's unit of work for a single INSERT cost more than
    the rest of `/task add` in a profile under bench/ack_bench.py."""
    table = _table(type(row))
    values = {column.name: getattr(row, column.name) for column in table.c if column.name != "id"}
    row.id = _insert_returning_id(table).scalar(session, values)
    make_transient_to_detached(row)
    session.add(row)


@functools.cache
def _update_by_id(table: sa.Table, columns: tuple[str, ...]) -> Prepared:
    # Bound names differ from the columns': an UPDATE keeps those for its SET clause.
    values = {name: sa.bindparam(f"new_{name}", type_=table.c[name].type) for name in columns}
    return Prepared(sa.update(table).where(table.c.id == sa.bindparam("row_id")).values(values))


def update_row(session: Session, row: SQLModel, changes: Mapping[str, Any]) -> None:
    """UPDATE these columns of a row the session holds, by its `id`, with one statement
    prepared once per table and set of columns, and keep the new values in the row as
    saved. For a hot path: the ORM's flush of the same change (finding what changed,
    building the UPDATE) cost ~300 us of `/task done` in a profile under bench/ack_bench.py.
    Other changes to the row are flushed as usual."""
    table = _table(type(row))
    statement = _update_by_id(table, tuple(changes))
    statement.rows(session, {"row_id": row.id, **{f"new_{k}": v for k, v in changes.items()}})  # type: ignore[attr-defined]
    for name, value in changes.items():
        set_committed_value(row, name, value)


def _table(model: type[SQLModel]) -> sa.Table:
    table = sa.inspect(model).local_table
    assert isinstance(table, sa.Table), f"{model.__name__} is not mapped to one table"
    return table


def advisory_lock(session: Session, key: str) -> None:
    """Wait until no other unit of work holds `key`, then hold it until this one ends: a
    transaction-scoped advisory lock on PostgreSQL. SQLite needs none: a unit of work
    holds the database's one write lock from its first statement (store/db.py)."""
    if is_sqlite(session):
        return
    session.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})


def lock_for_update(
    session: Session,
    statement: Select[Any],
    *reread: SQLModel,
    params: Mapping[str, Any] | None = None,
) -> None:
    """Lock the rows `statement` selects (SELECT … FOR UPDATE, with its bound `params`),
    then read `reread` again, locked, so what a unit of work that held them first changed
    is seen. On SQLite nothing can have changed since this unit of work began (its one
    write lock): no query."""
    if is_sqlite(session):
        return
    session.execute(statement.with_for_update(), params)
    for row in reread:
        session.refresh(row, with_for_update=True)
