"""SQLite's side of `vadesk backup` and `vadesk restore`.

The copy is made with SQLite's online backup API: one read transaction, so in WAL mode it
is the database as of one instant while VA Desk goes on writing. The copy is left in
rollback-journal mode, one self-contained file (VA Desk turns WAL back on when it opens it).

A restore needs the database to itself: leaving WAL mode is refused while any other
connection is open, which is how a running VA Desk is told apart from a stopped one.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from sqlalchemy.engine import URL

from store.backup_files import BackupRefused, new_private_file, publish

# How long the copy may wait for a writer that holds SQLite's lock (as the app waits).
BUSY_SECONDS = 30.0


def database_path(url: URL) -> Path:
    database = url.database
    if not database or database == ":memory:" or "mode=memory" in database:
        raise BackupRefused("DATABASE_URL names an in-memory SQLite database: nothing to back up")
    return Path(database)


def _read_only(path: Path) -> sqlite3.Connection:
    """Open an existing file for reading only (never creating an empty database)."""
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def _revision(path: Path, what: str) -> str:
    """The migration revision of a SQLite file, once SQLite finds it sound."""
    try:
        with closing(_read_only(path)) as connection:
            check = connection.execute("PRAGMA quick_check").fetchone()
            if check is None or check[0] != "ok":
                found = check[0] if check else "no answer"
                raise BackupRefused(f"{what} is damaged (SQLite's quick_check: {found})")
            rows = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    except sqlite3.OperationalError as error:
        if "no such table" in str(error):
            raise BackupRefused(
                f"{what} has no alembic_version table: it is not a VA Desk database, "
                "or it was never migrated"
            ) from None
        raise BackupRefused(f"{what} cannot be read: {error}") from None
    except sqlite3.DatabaseError as error:
        raise BackupRefused(f"{what} is not a readable SQLite database ({error})") from None
    if len(rows) != 1:
        raise BackupRefused(f"{what} has {len(rows)} migration revisions instead of one")
    return str(rows[0][0])


def _copy(source: sqlite3.Connection, target_path: Path) -> None:
    with closing(sqlite3.connect(target_path)) as target:
        source.backup(target)
        target.execute("PRAGMA journal_mode=DELETE")


def write_backup(url: URL, partial: Path) -> str:
    """Copy the database into `partial`; its revision."""
    database = database_path(url)
    if not database.is_file():
        raise BackupRefused(f"there is no database at {database} (DATABASE_URL)")
    try:
        with closing(sqlite3.connect(database, timeout=BUSY_SECONDS)) as source:
            _copy(source, partial)
    except sqlite3.DatabaseError as error:
        raise BackupRefused(f"cannot back up {database}: {error}") from None
    return _revision(partial, f"the database {database}")


def backup_revision(source: Path) -> str:
    return _revision(source, str(source))


@contextmanager
def _sole_user(database: Path) -> Iterator[None]:
    """Hold the database exclusively, or refuse because another process has it open."""
    if not database.exists():
        yield
        return
    connection = sqlite3.connect(database, timeout=0, isolation_level=None)
    try:
        mode = connection.execute("PRAGMA journal_mode=DELETE").fetchone()
        if mode is None or mode[0] != "delete":
            raise sqlite3.OperationalError("database is locked")
        connection.execute("BEGIN EXCLUSIVE")
    except sqlite3.OperationalError as error:
        connection.close()
        if "locked" in str(error) or "busy" in str(error):
            raise BackupRefused(
                f"the database {database} is in use: stop VA Desk (every vadesk process "
                "that opens it) first, then restore"
            ) from None
        raise BackupRefused(f"cannot open the database {database}: {error}") from None
    except sqlite3.DatabaseError as error:
        connection.close()
        raise BackupRefused(
            f"{database} is not a SQLite database ({error}): move it away first"
        ) from None
    try:
        yield
    finally:
        connection.execute("ROLLBACK")
        connection.close()


def replace_database(url: URL, source: Path) -> None:
    """Copy the backup beside the database, check the copy, then rename it over the
    database: a failure at any step leaves the database as it was."""
    database = database_path(url)
    with _sole_user(database):
        partial = new_private_file(database)
        try:
            with closing(_read_only(source)) as backup:
                _copy(backup, partial)
            _revision(partial, f"the copy of {source}")
            if database.exists():
                os.chmod(partial, stat.S_IMODE(database.stat().st_mode))
            publish(partial, database)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
