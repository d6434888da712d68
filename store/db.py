"""Engine, sessions and migrations.

SQLite runs in WAL mode with a busy timeout so web threads and the scheduler
can share one file; PostgreSQL is used as configured by DATABASE_URL.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from functools import cache
from pathlib import Path
from weakref import WeakKeyDictionary

import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import ConnectionPoolEntry
from sqlmodel import Session

from store.sql import is_sqlite

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def _enable_sqlite_wal(dbapi_connection: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _begin_immediate(connection: Connection) -> None:
    """Take SQLite's write lock up front: a deferred read-then-write can't wait for it.

    Sent on the driver's connection: through `exec_driver_sql` it cost a fifth of a unit
    of work's own overhead (an execution context and a result for a statement that
    returns nothing). A failure (the lock not had within the busy timeout) is raised as
    SQLAlchemy's error, as any statement's would be."""
    driver = connection.connection.driver_connection
    assert driver is not None
    try:
        driver.execute("BEGIN IMMEDIATE")
    except sqlite3.Error as error:
        raise sa.exc.DBAPIError.instance(
            "BEGIN IMMEDIATE", None, error, sqlite3.Error, hide_parameters=True
        ) from error


# Connections kept open per process when DATABASE_POOL_SIZE is unset. A process uses at
# most one a thread: the listener threads, waitress's threads and the scheduler's two ticks.
SQLITE_POOL_SIZE = 16
POSTGRES_POOL_SIZE = 10


def create_db_engine(url: str, pool_size: int | None = None) -> Engine:
    """Build the engine for DATABASE_URL (SQLite gets WAL and a busy timeout).

    `pool_size` (DATABASE_POOL_SIZE) connections are kept open, and as many again may be
    opened for a burst (max_overflow), closed when they are handed back. A statement's
    parameters are left out of its errors (`hide_parameters`): they hold what people
    typed, and an error's text reaches the log."""
    if url.startswith("sqlite"):
        _create_private_file(sa.engine.make_url(url).database)
        size = pool_size or SQLITE_POOL_SIZE
        engine = sa.create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=size,
            max_overflow=size,
            hide_parameters=True,
        )
        sa.event.listen(engine, "connect", _enable_sqlite_wal)
        sa.event.listen(engine, "begin", _begin_immediate)
        return engine
    size = pool_size or POSTGRES_POOL_SIZE
    parsed = sa.engine.make_url(url)
    # A database that drops packets instead of refusing would hold a connection attempt
    # (and /healthz) for minutes; the URL's own connect_timeout wins.
    connect_args = {} if "connect_timeout" in parsed.query else {"connect_timeout": 10}
    return sa.create_engine(
        url,
        pool_pre_ping=True,
        pool_size=size,
        max_overflow=size,
        hide_parameters=True,
        connect_args=connect_args,
    )


def _create_private_file(database: str | None) -> None:
    """Create a new SQLite database file readable by its owner only (SQLite gives its WAL
    and shared-memory files the same mode): the umask most machines have would let every
    account read every record."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if path.parent.is_dir():
        with suppress(FileExistsError):
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


_sqlite_locks: WeakKeyDictionary[Engine, threading.RLock] = WeakKeyDictionary()
_sqlite_locks_guard = threading.Lock()


def transaction_lock(engine: Engine) -> AbstractContextManager[object]:
    """SQLite has one writer at a time: threads of this process queue here, in order,
    instead of backing off in SQLite's busy handler (which sleeps up to 100 ms a try)."""
    if not is_sqlite(engine):
        return nullcontext()
    with _sqlite_locks_guard:
        return _sqlite_locks.setdefault(engine, threading.RLock())


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    with transaction_lock(engine), Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def _alembic_config(engine: Engine) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine) -> tuple[str | None, str | None]:
    """Apply pending migrations; return the revision before and after."""
    before = current_revision(engine)
    command.upgrade(_alembic_config(engine), "head")
    return before, current_revision(engine)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


@cache
def head_revision() -> str | None:
    """The code's latest migration: read from the scripts once (20 ms a time, which every
    /healthz would pay), since they do not change under a running process."""
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    return script.get_current_head()


def known_revisions() -> set[str]:
    """Every migration revision this code has: a database at another one was migrated by a
    newer VA Desk."""
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    return {migration.revision for migration in script.walk_revisions()}


def _missing_sqlite_file(engine: Engine) -> str | None:
    """A SQLite file moved or deleted under a running process: its open connections go on
    reading and writing the unlinked file, and a new one would make an empty database."""
    database = engine.url.database
    if not is_sqlite(engine) or database in (None, "", ":memory:"):
        return None
    path = Path(database)
    if not path.exists():
        return f"the SQLite database file {database} is missing (`vadesk migrate` makes a new one)"
    if not (path.is_file() and os.access(path, os.R_OK | os.W_OK)):
        return f"the SQLite database file {database} cannot be read and written"
    return None


def database_status(engine: Engine) -> dict[str, object]:
    """What /healthz and `vadesk doctor` report about the database. A SQLite file that is
    gone is reported without connecting, and the pool is emptied, so once the file is back
    the next connections open it rather than the old one."""
    missing = _missing_sqlite_file(engine)
    if missing is not None:
        engine.dispose()
        return {"ok": False, "error": missing}
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        current = current_revision(engine)
    except sa.exc.SQLAlchemyError as error:
        return {"ok": False, "error": str(error.__class__.__name__) + ": " + str(error)[:200]}
    head = head_revision()
    return {"ok": current == head, "revision": current, "head": head}
