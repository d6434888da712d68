"""Statements of the hot paths, compiled once per database and run on the driver's cursor.

`/timer start`, `/timer stop`, `/task add` and `/task done` send a handful of small
statements each. Through SQLAlchemy every one of them paid for an execution context, a
cursor result and its metadata, and every row read as a model for the model's
constructor: on a 2 GHz core about 80 us a Core statement and 200 us a model, where
SQLite's own work is under 10 us (bench/README.md, the hot path). A `Prepared` statement
is an ordinary Core statement; what is done once is its compilation for the session's
database, its parameters' and columns' type conversions looked up, and the type of its
rows. Each run converts the parameters as SQLAlchemy would, sends the SQL on the
session's own connection (so it is part of the session's transaction, its lock and its
commit), converts the columns back, and raises SQLAlchemy's errors for the driver's.

Nothing in the ORM session learns of what a prepared write changed: use them where the
unit of work reads what it needs through them, or with `loaded`, which puts a row read
this way into the session as if the ORM had loaded it.
"""

from __future__ import annotations

import copy
import functools
import threading
from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import Session, SQLModel

# Set in a session's info when a statement of its unit of work wrote rows (a flush, an
# INSERT/UPDATE/DELETE through the session, or a prepared one): a failure after its commit
# must not be answered with "nothing was saved" (bot/slack/desk.py).
SESSION_WROTE = "vadesk_wrote"

Model = TypeVar("Model", bound=SQLModel)
Convert = Callable[[Any], Any] | None


@dataclass(frozen=True)
class _Compiled:
    sql: str
    compiled: sa.sql.compiler.Compiled
    positions: tuple[str, ...] | None  # parameter names in order, for a positional driver
    binds: tuple[tuple[str, Convert], ...]  # each parameter's conversion (None: as is)
    columns: tuple[Convert, ...]
    row: type


class Prepared:
    """One Core statement, run on the driver. `statement`'s bound parameters are given by
    name at each run; IN-lists that expand at run time are not supported. An INSERT
    without values of its own inserts `column_keys`, each given by its column's name."""

    def __init__(self, statement: sa.Executable, column_keys: Sequence[str] = ()) -> None:
        self.statement = statement
        self.column_keys = tuple(column_keys)
        self.writes = isinstance(statement, sa.sql.dml.UpdateBase)
        self._by_dialect: dict[str, _Compiled] = {}
        self._lock = threading.Lock()

    def _compiled(self, dialect: Dialect) -> _Compiled:
        found = self._by_dialect.get(dialect.name)
        if found is not None:
            return found
        with self._lock:
            found = self._by_dialect.get(dialect.name)
            if found is None:
                found = _compile(self.statement, self.column_keys, dialect)
                self._by_dialect[dialect.name] = found
        return found

    def rows(self, session: Session, params: Mapping[str, Any] | None = None) -> list[Any]:
        """Every row, each a named tuple of the statement's columns. Changes to the
        session's models are flushed first, as before any query of the session's own."""
        if session.autoflush:
            session.flush()
        connection = session.connection()
        form = self._compiled(connection.dialect)
        values = form.compiled.construct_params(params or {})
        assert values is not None
        for name, convert in form.binds:
            if convert is not None:
                values[name] = convert(values[name])
        arguments = values if form.positions is None else [values[n] for n in form.positions]
        driver = connection.connection.driver_connection
        assert driver is not None
        try:
            cursor = driver.execute(form.sql, arguments)
            fetched = cursor.fetchall() if form.columns else []
            cursor.close()
        except connection.dialect.loaded_dbapi.Error as error:
            raise _wrapped(connection, form.sql, error) from error
        if self.writes:
            session.info[SESSION_WROTE] = True
        make = form.row._make  # type: ignore[attr-defined]
        converts = form.columns
        if not any(converts):
            return [make(row) for row in fetched]
        return [
            make([value if c is None else c(value) for c, value in zip(converts, row, strict=True)])
            for row in fetched
        ]

    def first(self, session: Session, params: Mapping[str, Any] | None = None) -> Any | None:
        rows = self.rows(session, params)
        return rows[0] if rows else None

    def scalar(self, session: Session, params: Mapping[str, Any] | None = None) -> Any | None:
        """The first column of the first row, or None when there is no row."""
        row = self.first(session, params)
        return None if row is None else row[0]


def _compile(statement: sa.Executable, column_keys: tuple[str, ...], dialect: Dialect) -> _Compiled:
    keys = list(column_keys) or None
    compiled = statement.compile(dialect=dialect, column_keys=keys)  # type: ignore[attr-defined]
    if compiled.post_compile_params:
        raise ValueError("a prepared statement cannot expand parameters at run time")
    binds = tuple(
        (name, bind.type.dialect_impl(dialect).bind_processor(dialect))
        for bind, name in compiled.bind_names.items()
    )
    columns = list(getattr(statement, "exported_columns", ()))
    converts = tuple(
        column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns
    )
    positions = tuple(compiled.positiontup) if dialect.positional else None
    row = namedtuple("Row", [column.key for column in columns], rename=True)  # type: ignore[misc]
    return _Compiled(compiled.string, compiled, positions, binds, converts, row)


def _wrapped(connection: sa.Connection, sql: str, error: Any) -> sa.exc.StatementError:
    """The driver's error as SQLAlchemy raises it, and a connection the database dropped
    invalidated, so the pool does not hand it out again."""
    dialect = connection.dialect
    dropped = dialect.is_disconnect(error, connection.connection.dbapi_connection, None)
    if dropped:
        connection.invalidate(error)
    wrapped: sa.exc.StatementError = sa.exc.DBAPIError.instance(
        sql,
        None,
        error,
        dialect.loaded_dbapi.Error,
        hide_parameters=True,
        dialect=dialect,
        connection_invalidated=dropped,
    )
    return wrapped


def built(model: type[Model], values: Mapping[str, Any]) -> Model:
    """A new `model` instance holding `values` (and the model's defaults for the fields
    they leave out), made as the ORM makes one when it loads a row: without the model's
    constructor, which costs as much as ten statements."""
    row: Model = sa.inspect(model).class_manager.new_instance()
    defaults, factories = _defaults(model)
    fields = row.__dict__
    fields.update(defaults)
    for name, make in factories:
        if name not in values:
            fields[name] = make()
    fields.update(values)
    return row


@functools.cache
def _defaults(model: type[SQLModel]) -> tuple[dict[str, Any], tuple[tuple[str, Any], ...]]:
    """A model's default field values, and the fields whose default is made each time."""
    plain: dict[str, Any] = {}
    factories = []
    for name, field in model.model_fields.items():
        if field.default_factory is not None:
            factories.append((name, field.default_factory))
        elif not field.is_required():
            if isinstance(field.default, list | dict | set):
                factories.append((name, lambda default=field.default: copy.copy(default)))
            else:
                plain[name] = field.default
    return plain, tuple(factories)


def loaded(session: Session, model: type[Model], values: Mapping[str, Any]) -> Model:
    """The row `values` (every column, read in this unit of work) as a model instance of
    `session`, as if the ORM had loaded it: changes to it are flushed as usual. When the
    session holds that row already, its instance is returned and `values` are not used."""
    identity = sa.inspect(model).identity_key_from_primary_key(_primary_key(model, values))
    present = session.identity_map.get(identity)
    if present is not None:
        return cast(Model, present)
    row = built(model, values)
    make_transient_to_detached(row)
    session.add(row)
    return row


def _primary_key(model: type[SQLModel], values: Mapping[str, Any]) -> list[Any]:
    return [values[column.key] for column in sa.inspect(model).primary_key]
