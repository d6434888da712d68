"""PostgreSQL's side of `vadesk backup` and `vadesk restore`, through PostgreSQL's own
client programs (package postgresql-client): pg_dump writes a custom-format archive from one
snapshot while VA Desk runs; a restore turns the archive into SQL with
`pg_restore --clean --if-exists` and runs it with psql as one transaction, so a restore that
fails half-way leaves the database as it was.

The programs get libpq's form of DATABASE_URL without its password, which goes in
PGPASSWORD: a password is neither on a command line (`ps` shows those) nor in a message.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import IO

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine

from store.backup_files import BackupRefused, ToolMissing

_INSTALL = (
    "install PostgreSQL's client programs (Debian and Ubuntu: apt-get install "
    "postgresql-client), of the server's major version or newer"
)
# A line of `pg_restore --list`: "214; 1259 106355 TABLE public alembic_version postgres".
_TOC_LINE = re.compile(r"^\d+; \d+ \d+ (TABLE|FUNCTION) public (\w+)")
_OTHER_CONNECTIONS = sa.text(
    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
    "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
)
_PUBLIC_OBJECTS = sa.text(
    "SELECT 'TABLE', c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') "
    "UNION SELECT 'FUNCTION', p.proname FROM pg_proc p "
    "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'"
)


def require_tools(*programs: str) -> None:
    for program in programs:
        if shutil.which(program) is None:
            raise ToolMissing(f"{program} is not installed (or not on PATH): {_INSTALL}")


def libpq_target(url: URL) -> tuple[str, dict[str, str]]:
    """DATABASE_URL as libpq reads it (`postgresql://`, no driver), without the password,
    and the environment for the programs, with the password in PGPASSWORD."""
    plain = URL.create(
        "postgresql",
        username=url.username,
        host=url.host,
        port=url.port,
        database=url.database,
        query=url.query,
    )
    environment = dict(os.environ)
    if url.password is not None:
        environment["PGPASSWORD"] = str(url.password)
    return plain.render_as_string(hide_password=False), environment


def _first_error(output: str, password: str | None) -> str:
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    line = next((line for line in lines if "error" in line.lower()), lines[0] if lines else "")
    return line.replace(password, "***") if password else line


def _run(
    url: URL | None, program: str, *arguments: str, into: IO[str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a client program (against the database if `url`, its output `into` a file if
    given); refuse with its first error."""
    path = shutil.which(program)
    if path is None:
        raise ToolMissing(f"{program} is not installed (or not on PATH): {_INSTALL}")
    command = [path, *arguments]
    environment = None
    if url is not None:
        target, environment = libpq_target(url)
        command.append(f"--dbname={target}")
    done = subprocess.run(
        command,
        env=environment,
        stdout=into or subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        check=False,
    )
    if done.returncode != 0:
        password = None if url is None or url.password is None else str(url.password)
        raise BackupRefused(f"{program} failed: {_first_error(done.stderr, password)}")
    return done


def _contents(source: Path) -> set[tuple[str, str]]:
    """The tables and functions of the schema public in an archive."""
    try:
        listing = _run(None, "pg_restore", "--list", str(source)).stdout
    except BackupRefused as refused:
        if isinstance(refused, ToolMissing):
            raise
        raise BackupRefused(f"{source} is not a readable pg_dump archive ({refused})") from None
    found = (_TOC_LINE.match(line) for line in listing.splitlines())
    return {(match[1], match[2]) for match in found if match}


def backup_revision(source: Path) -> str:
    """The migration revision an archive holds (the one row of its alembic_version)."""
    if ("TABLE", "alembic_version") not in _contents(source):
        raise BackupRefused(
            f"{source} has no alembic_version table: it is not a backup of a VA Desk database, "
            "or that database was never migrated"
        )
    script = _run(
        None, "pg_restore", "--data-only", "--table=alembic_version", "--file=-", str(source)
    ).stdout
    lines = iter(script.splitlines())
    for line in lines:
        if line.startswith("COPY ") and "alembic_version" in line:
            rows = []
            for row in lines:
                if row == "\\.":
                    break
                rows.append(row)
            if len(rows) == 1:
                return rows[0]
            raise BackupRefused(f"{source} has {len(rows)} migration revisions instead of one")
    raise BackupRefused(f"{source} has no migration revision in its alembic_version table")


def _connect(url: URL) -> Engine:
    """An engine that keeps no connection once its work is done; an unreachable database
    raises here (the CLI says so in its one line for that), not in pg_dump's words."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as connection:
        connection.execute(sa.text("SELECT 1"))
    return engine


def write_backup(url: URL, partial: Path) -> str:
    """pg_dump the database into `partial`; its revision, read back from the archive."""
    _connect(url).dispose()
    _run(url, "pg_dump", "--format=custom", f"--file={partial}")
    try:
        return backup_revision(partial)
    except BackupRefused as refused:
        raise BackupRefused(f"the database cannot be backed up: {refused}") from None


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _database_to_replace(url: URL, archived: set[tuple[str, str]]) -> list[str]:
    """Refuse while VA Desk is connected; the statements that drop what the database has and
    the archive lacks (the tables of migrations newer than the backup), which would
    otherwise stay behind and break the next `vadesk migrate`."""
    engine = _connect(url)
    try:
        with engine.connect() as connection:
            others = connection.execute(_OTHER_CONNECTIONS).scalar_one()
            present = {(str(kind), str(name)) for kind, name in connection.execute(_PUBLIC_OBJECTS)}
    finally:
        engine.dispose()
    if others:
        raise BackupRefused(
            f"the database is in use ({others} other connection(s)): stop VA Desk (every web "
            "replica and the scheduler) first, then restore"
        )
    return [
        f"DROP {kind} IF EXISTS public.{_quoted(name)} CASCADE;"
        for kind, name in sorted(present - archived, reverse=True)
    ]


def replace_database(url: URL, source: Path) -> None:
    """Make the database what the archive holds, in one transaction."""
    drops = _database_to_replace(url, _contents(source))
    with tempfile.TemporaryDirectory(prefix="vadesk-restore-") as scratch:
        script = Path(scratch) / "restore.sql"
        with script.open("w", encoding="utf-8") as stream:
            stream.write("SET client_min_messages = warning;\n" + "\n".join(drops) + "\n")
            stream.flush()
            _run(
                None, "pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",
                "--file=-", str(source), into=stream,
            )  # fmt: skip
        _run(
            url, "psql", "--no-psqlrc", "--quiet", "--single-transaction",
            "--set=ON_ERROR_STOP=1", f"--file={script}",
        )  # fmt: skip
