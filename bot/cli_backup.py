"""`vadesk backup --out FILE [--force]` and `vadesk restore FILE`: the database to one file
and back, on SQLite or PostgreSQL (`store.backup` does the copying).

A backup may be taken while VA Desk runs; a restore needs it stopped (every web replica and
the scheduler), and says so if it is not. Exit codes: 0 done; 1 refused or failed, with the
reason on one line, the database and any existing file unchanged; 2 settings or the
database unusable (as every command); 3 a PostgreSQL client program (pg_dump, pg_restore,
psql) is not installed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli_database import reachable_database

if TYPE_CHECKING:
    from bot.settings import Settings
    from store.backup import Outcome

EXIT_REFUSED = 1
EXIT_TOOL_MISSING = 3


def add_arguments(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`backup` and `restore`, each with its handler."""
    backup = commands.add_parser(
        "backup",
        help="copy the database to a file (safe while VA Desk runs)",
        description="Copy the database to FILE: SQLite with its online backup API, "
        "PostgreSQL with pg_dump --format=custom. The file is readable by its owner only.",
    )
    backup.add_argument("--out", required=True, metavar="FILE", help="the backup file to write")
    backup.add_argument("--force", action="store_true", help="replace FILE if it exists")
    backup.set_defaults(handler=backup_command)

    restore = commands.add_parser(
        "restore",
        help="replace the database with a backup (stop VA Desk first)",
        description="Replace the whole database with the backup in FILE, all or nothing. "
        "Stop every vadesk process that uses the database first; a backup made by a newer "
        "VA Desk is refused.",
    )
    restore.add_argument("file", metavar="FILE", help="a file written by `vadesk backup`")
    restore.set_defaults(handler=restore_command)


def _size(size: int) -> str:
    if size < 1000:
        return f"{size} bytes"
    amount, unit = size / 1000, "kB"
    for larger in ("MB", "GB"):
        if amount < 1000:
            break
        amount, unit = amount / 1000, larger
    return f"{amount:.1f} {unit}"


def _refused(error: Exception) -> int:
    from store.backup import ToolMissing

    print(f"vadesk: {error}", file=sys.stderr)
    return EXIT_TOOL_MISSING if isinstance(error, ToolMissing) else EXIT_REFUSED


def backup_command(settings: Settings, args: argparse.Namespace) -> int:
    from store.backup import BackupRefused, backup

    try:
        with reachable_database():
            done = backup(settings.database_url, Path(args.out), overwrite=args.force)
    except BackupRefused as error:
        return _refused(error)
    print(f"Backed up the database (revision {done.revision}) to {done.path} ({_size(done.size)}).")
    return 0


def _restored(done: Outcome) -> str:
    from store.db import head_revision

    line = f"Restored the database from {done.path} (revision {done.revision})."
    if done.needs_migrate:
        line += f" Run `vadesk migrate` to bring it to revision {head_revision()}."
    return line


def restore_command(settings: Settings, args: argparse.Namespace) -> int:
    from store.backup import BackupRefused, restore

    try:
        with reachable_database():
            done = restore(settings.database_url, Path(args.file))
    except BackupRefused as error:
        return _refused(error)
    print(_restored(done))
    return 0
