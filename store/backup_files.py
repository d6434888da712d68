"""The files of a backup and a restore: written beside their final name, private to their
owner, and renamed into place only once complete, so a crash or a full disk never leaves a
half-written backup or database under the real name."""

from __future__ import annotations

import os
from pathlib import Path


class BackupRefused(Exception):
    """A backup or restore that was refused or failed; nothing was changed."""


class ToolMissing(BackupRefused):
    """A PostgreSQL client program (pg_dump, pg_restore, psql) is not installed."""


def new_private_file(final: Path) -> Path:
    """An empty file beside `final` that only its owner may read (a backup holds every
    client's data)."""
    directory = final.parent
    if not directory.is_dir():
        raise BackupRefused(f"there is no directory {directory} to write {final.name} in")
    partial = directory / f".{final.name}.partial-{os.getpid()}"
    try:
        descriptor = os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        partial.unlink()
        descriptor = os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except OSError as error:
        raise BackupRefused(f"cannot write in {directory}: {error.strerror or error}") from None
    os.close(descriptor)
    return partial


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def publish(partial: Path, final: Path) -> None:
    """Put the finished file under its name in one step, on disk before this returns."""
    _fsync(partial)
    os.replace(partial, final)
    _fsync(final.parent)
