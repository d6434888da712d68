"""SQLite's one writer: a unit of work holds the write lock from its start, and a lock
that cannot be had is SQLAlchemy's OperationalError, as any statement's failure is."""

from __future__ import annotations

import sqlite3

import pytest
import sqlalchemy as sa

from store.db import create_db_engine, migrate, session_scope


@pytest.fixture
def sqlite_engine(tmp_path):
    engine = create_db_engine(f"sqlite:///{tmp_path / 'vadesk.db'}")
    migrate(engine)
    yield engine
    engine.dispose()


def test_a_unit_of_work_holds_the_write_lock_from_its_first_statement(sqlite_engine, tmp_path):
    other = sqlite3.connect(tmp_path / "vadesk.db", timeout=0.05, isolation_level=None)
    try:
        with session_scope(sqlite_engine) as session:
            session.execute(sa.text("SELECT 1"))  # a read, yet the lock is taken
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")  # released by the commit
        other.execute("ROLLBACK")
    finally:
        other.close()


def test_a_write_lock_not_had_in_time_is_sqlalchemys_operational_error(sqlite_engine, tmp_path):
    holder = sqlite3.connect(tmp_path / "vadesk.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with sqlite_engine.connect() as connection:
            connection.connection.driver_connection.execute("PRAGMA busy_timeout=50")
            with pytest.raises(sa.exc.OperationalError, match="locked") as caught:
                connection.execute(sa.text("SELECT 1"))
            assert isinstance(caught.value.orig, sqlite3.OperationalError)
            connection.rollback()
            holder.execute("ROLLBACK")
            assert connection.execute(sa.text("SELECT 1")).scalar_one() == 1
    finally:
        holder.close()
