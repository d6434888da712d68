"""Backing up the database and restoring a backup (`vadesk backup`, `vadesk restore`).

SQLite is copied with its online backup API (`store.backup_sqlite`), PostgreSQL with
pg_dump and pg_restore (`store.backup_postgres`); both make a consistent copy while VA Desk
runs. A backup carries its migration revision (the alembic_version table), so a restore
refuses a backup newer than this code, and says when the restored database needs
`vadesk migrate`. A backup is written beside its --out file and renamed into place when
complete, readable by its owner only: it holds every client's data.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sqlalchemy.engine import make_url

from store import backup_postgres, backup_sqlite
from store.backup_files import BackupRefused, ToolMissing, new_private_file, publish
from store.db import head_revision, known_revisions

__all__ = ["BackupRefused", "Outcome", "ToolMissing", "backup", "restore"]

Kind = Literal["sqlite", "postgresql"]
_MAGIC: dict[bytes, Kind] = {b"SQLite format 3\x00": "sqlite", b"PGDMP": "postgresql"}
_NAMES: dict[Kind, str] = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


@dataclass(frozen=True)
class Outcome:
    """What was written or restored, for the one line the command prints."""

    path: Path
    revision: str
    size: int

    @property
    def needs_migrate(self) -> bool:
        return self.revision != head_revision()


def _kind_of_database(database_url: str) -> Kind:
    backend = make_url(database_url).get_backend_name()
    if backend in ("sqlite", "postgresql"):
        return backend  # type: ignore[return-value]  # narrowed by the test above
    raise BackupRefused(f"VA Desk backs up SQLite and PostgreSQL, not {backend}")


def _kind_of_file(path: Path) -> Kind | None:
    with path.open("rb") as stream:
        start = stream.read(16)
    return next((kind for magic, kind in _MAGIC.items() if start.startswith(magic)), None)


def backup(database_url: str, out: Path, *, overwrite: bool) -> Outcome:
    """Copy the database to `out`; refuse to replace an existing file unless `overwrite`."""
    kind = _kind_of_database(database_url)
    if kind == "postgresql":
        backup_postgres.require_tools("pg_dump", "pg_restore")
    if out.is_dir():
        raise BackupRefused(f"{out} is a directory: give --out a file name")
    if out.exists() and not overwrite:
        raise BackupRefused(f"{out} already exists: choose another --out, or add --force")
    partial = new_private_file(out)
    try:
        if kind == "sqlite":
            revision = backup_sqlite.write_backup(make_url(database_url), partial)
        else:
            revision = backup_postgres.write_backup(make_url(database_url), partial)
        publish(partial, out)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return Outcome(out, revision, out.stat().st_size)


def _check_known(source: Path, revision: str) -> None:
    if revision not in known_revisions():
        raise BackupRefused(
            f"{source} is a backup at revision {revision}, which this version of VA Desk "
            f"does not know (its newest is {head_revision()}): restore it with the VA Desk "
            "that made it, or a newer one"
        )


def restore(database_url: str, source: Path) -> Outcome:
    """Replace the database with the backup in `source`, all of it or nothing."""
    kind = _kind_of_database(database_url)
    if kind == "postgresql":
        backup_postgres.require_tools("pg_restore", "psql")
    if not source.is_file():
        raise BackupRefused(f"{source} is not a file" if source.exists() else f"no file {source}")
    found = _kind_of_file(source)
    if found is None:
        raise BackupRefused(
            f"{source} is not a VA Desk backup (neither a SQLite database nor a pg_dump file)"
        )
    if found != kind:
        raise BackupRefused(
            f"{source} is a {_NAMES[found]} backup, but DATABASE_URL is a {_NAMES[kind]} database"
        )
    if kind == "sqlite":
        revision = backup_sqlite.backup_revision(source)
        _check_known(source, revision)
        backup_sqlite.replace_database(make_url(database_url), source)
    else:
        revision = backup_postgres.backup_revision(source)
        _check_known(source, revision)
        backup_postgres.replace_database(make_url(database_url), source)
    return Outcome(source, revision, os.path.getsize(source))
