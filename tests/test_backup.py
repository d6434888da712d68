"""`vadesk backup --out FILE` and `vadesk restore FILE` on SQLite and PostgreSQL: a round
trip brings back every row exactly (and the search index with it), a backup taken while a
writer is busy holds what was committed, an older backup restores with its older schema,
and every refusal (an existing file, a database in use, a newer backup, a file that is no
backup, missing PostgreSQL programs) is one line with its exit code and changes nothing."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory

from bot import clock
from bot.cli import main
from bot.services import contacts, search, tasks, timers
from bot.services.contacts import NewContact
from store import backup_postgres
from store.db import (
    MIGRATIONS_DIR,
    _alembic_config,
    create_db_engine,
    current_revision,
    head_revision,
    session_scope,
)
from store.models import Task
from tests.vadesk_process import one_line, run_vadesk, vadesk_env

NOW = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str


@pytest.fixture
def vadesk(settings, database_url, tmp_path, monkeypatch, capsys):
    """`vadesk …` through the CLI's own `main`, in this process, on the test's database."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("VADESK_CONFIG", str(settings.config_path))
    monkeypatch.setenv("DATABASE_URL", database_url)

    def run(*args: str) -> Ran:
        capsys.readouterr()
        code = main(list(args))
        out, err = capsys.readouterr()
        assert "Traceback" not in err
        return Ran(code, out, err)

    return run


def snapshot(engine) -> dict[str, list[tuple]]:
    """Every row of every table the database has (the search index's tables too)."""
    with engine.connect() as connection:
        names = sa.inspect(connection).get_table_names()
        return {
            name: sorted(
                (tuple(row) for row in connection.execute(sa.text(f'SELECT * FROM "{name}"'))),
                key=repr,
            )
            for name in names
        }


def seed(engine, settings, actor_for) -> None:
    """A VA's tasks and timed work, and an owner's contact, made as the services make them."""
    va, owner = actor_for("U0VA1"), actor_for("U0OWNER")
    clock.set_now(NOW)
    with session_scope(engine) as session:
        first = tasks.create_task(session, va, tasks.NewTask("Reply to Acme's invoice"))
        tasks.create_task(session, va, tasks.NewTask("Book the Ñandú trip", priority="high"))
        timers.start_timer(session, va, first)
    clock.set_now("2026-11-30T15:30:00Z")
    with session_scope(engine) as session:
        timers.stop_timer(session, va, notes="Sent the corrected invoice")
        contacts.create_contact(
            session, settings, owner, NewContact(name="Bob Jones", company="Jones & Co")
        )


def found_names(engine, settings, actor, words: str) -> list[str]:
    with session_scope(engine) as session:
        return [match.name for match in search.find(session, settings, actor, words).matches]


def test_a_round_trip_brings_back_every_row_exactly(
    vadesk, engine, settings, actor_for, tmp_path: Path
):
    seed(engine, settings, actor_for)
    before = snapshot(engine)
    out = tmp_path / "vadesk.backup"
    backed = vadesk("backup", "--out", str(out))
    assert backed.code == 0, backed.err
    assert backed.out.startswith(f"Backed up the database (revision {head_revision()}) to {out}")
    assert out.stat().st_mode & 0o777 == 0o600  # a backup holds every client's data

    va, owner = actor_for("U0VA1"), actor_for("U0OWNER")
    with session_scope(engine) as session:
        tasks.create_task(session, va, tasks.NewTask("Made after the backup"))
        session.execute(sa.text("DELETE FROM time_entry"))
        session.execute(sa.text("UPDATE contact SET name = 'Robert Jones'"))
    assert snapshot(engine) != before
    engine.dispose()  # VA Desk is stopped for a restore

    restored = vadesk("restore", str(out))
    assert restored.code == 0, restored.err
    assert restored.out == f"Restored the database from {out} (revision {head_revision()}).\n"
    assert snapshot(engine) == before
    assert found_names(engine, settings, owner, "Jones") == ["Bob Jones"]
    with session_scope(engine) as session:  # the ids go on where the backup left them
        made = tasks.create_task(session, va, tasks.NewTask("Made after the restore"))
        assert made.number == 3
        others = session.execute(sa.select(sa.func.max(Task.id)).where(Task.id != made.id))
        assert made.id == 1 + others.scalar_one()


def test_a_backup_while_a_writer_is_busy_holds_what_was_committed(
    vadesk, engine, settings, actor_for, tmp_path: Path
):
    seed(engine, settings, actor_for)
    committed = snapshot(engine)
    out = tmp_path / "busy.backup"
    with engine.connect() as writer:
        transaction = writer.begin()
        writer.execute(sa.text("DELETE FROM time_entry"))
        writer.execute(sa.text("UPDATE task SET title = 'not committed'"))
        backed = vadesk("backup", "--out", str(out))
        transaction.rollback()
    assert backed.code == 0, backed.err
    with session_scope(engine) as session:
        session.execute(sa.text("DELETE FROM contact_event"))
    engine.dispose()
    assert vadesk("restore", str(out)).code == 0
    assert snapshot(engine) == committed


def test_an_existing_file_is_replaced_only_with_force(vadesk, engine, tmp_path: Path):
    out = tmp_path / "kept.backup"
    out.write_bytes(b"an earlier backup")
    refused = vadesk("backup", "--out", str(out))
    assert refused.code == 1
    assert refused.err == f"vadesk: {out} already exists: choose another --out, or add --force\n"
    assert out.read_bytes() == b"an earlier backup"
    assert [p.name for p in tmp_path.iterdir() if ".partial-" in p.name] == []
    assert vadesk("backup", "--out", str(out), "--force").code == 0
    assert out.read_bytes() != b"an earlier backup"


def test_a_restore_is_refused_while_the_database_is_in_use(
    vadesk, engine, settings, actor_for, tmp_path: Path
):
    seed(engine, settings, actor_for)
    out = tmp_path / "vadesk.backup"
    assert vadesk("backup", "--out", str(out)).code == 0
    with session_scope(engine) as session:
        session.execute(sa.text("DELETE FROM time_entry"))
    changed = snapshot(engine)
    with engine.connect() as running:  # as VA Desk's pool holds one between requests
        running.execute(sa.text("SELECT count(*) FROM task"))
        running.commit()
        refused = vadesk("restore", str(out))
    assert refused.code == 1
    assert "is in use" in refused.err
    assert "stop VA Desk" in refused.err
    assert len(refused.err.splitlines()) == 1
    engine.dispose()
    assert snapshot(engine) == changed


def test_a_backup_of_a_newer_migration_is_refused_naming_both(
    vadesk, engine, database_url, tmp_path: Path
):
    out = tmp_path / "future.backup"
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '0099_future'"))
    assert vadesk("backup", "--out", str(out)).code == 0
    with engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE alembic_version SET version_num = :head"), {"head": head_revision()}
        )
    engine.dispose()
    refused = vadesk("restore", str(out))
    assert refused.code == 1
    assert refused.err == (
        f"vadesk: {out} is a backup at revision 0099_future, which this version of VA Desk "
        f"does not know (its newest is {head_revision()}): restore it with the VA Desk that "
        "made it, or a newer one\n"
    )
    assert current_revision(engine) == head_revision()


def test_an_older_backup_restores_its_schema_and_migrate_brings_it_forward(
    vadesk, database_url, tmp_path: Path
):
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    head = script.get_revision(head_revision())
    previous = head.down_revision
    assert isinstance(previous, str)
    engine = create_db_engine(database_url)
    command.upgrade(_alembic_config(engine), previous)
    older_tables = set(snapshot(engine))
    out = tmp_path / "older.backup"
    assert vadesk("backup", "--out", str(out)).code == 0
    command.upgrade(_alembic_config(engine), "head")
    assert set(snapshot(engine)) > older_tables  # the head migration adds tables
    engine.dispose()

    restored = vadesk("restore", str(out))
    assert restored.code == 0, restored.err
    assert restored.out == (
        f"Restored the database from {out} (revision {previous}). "
        f"Run `vadesk migrate` to bring it to revision {head_revision()}.\n"
    )
    assert current_revision(engine) == previous
    assert set(snapshot(engine)) == older_tables
    engine.dispose()
    assert vadesk("migrate").code == 0
    assert current_revision(engine) == head_revision()
    engine.dispose()


def _not_a_backup(tmp_path: Path, database_url: str, kind: str) -> tuple[Path, str]:
    """A file that must be refused, and what the refusal says about it."""
    path = tmp_path / f"{kind}.backup"
    if kind == "garbage":
        path.write_bytes(b"\x00\x01 not a backup at all")
        return path, "is not a VA Desk backup (neither a SQLite database nor a pg_dump file)"
    if kind == "empty":
        path.write_bytes(b"")
        return path, "is not a VA Desk backup"
    if kind == "other database":
        other = tmp_path / "other.db"
        with sa.create_engine(f"sqlite:///{other}").begin() as connection:
            connection.execute(sa.text("CREATE TABLE notes (body TEXT)"))
        if not database_url.startswith("sqlite"):
            return other, "is a SQLite backup, but DATABASE_URL is a PostgreSQL database"
        return other, "has no alembic_version table: it is not a VA Desk database"
    # "truncated": the first 4 kB of a real backup
    whole = tmp_path / "whole.backup"
    assert main(["backup", "--out", str(whole)]) == 0
    path.write_bytes(whole.read_bytes()[:4096])
    return path, ""


@pytest.mark.parametrize("kind", ["garbage", "empty", "other database", "truncated"])
def test_a_file_that_is_no_backup_is_refused_in_one_line(
    vadesk, engine, database_url, tmp_path: Path, kind: str
):
    before = snapshot(engine)
    engine.dispose()
    path, reason = _not_a_backup(tmp_path, database_url, kind)
    refused = vadesk("restore", str(path))
    assert refused.code == 1
    assert len(refused.err.splitlines()) == 1
    assert refused.err.startswith(f"vadesk: {path} ")
    assert reason in refused.err
    assert snapshot(engine) == before


def test_restoring_a_file_that_is_not_there_says_so(vadesk, engine, tmp_path: Path):
    missing = tmp_path / "nowhere.backup"
    assert vadesk("restore", str(missing)) == Ran(1, "", f"vadesk: no file {missing}\n")


@pytest.mark.parametrize("what", [("backup", "--out", "x.backup"), ("restore", "x.backup")])
def test_missing_postgresql_programs_are_named_without_the_password(
    tmp_path: Path, monkeypatch, capsys, what: tuple[str, ...]
):
    empty = tmp_path / "bin"
    empty.mkdir()
    (tmp_path / "x.backup").write_bytes(b"PGDMP")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://vadesk:s3cret-pw@127.0.0.1:9/vadesk")
    assert main(list(what)) == 3
    out, err = capsys.readouterr()
    program = "pg_dump" if what[0] == "backup" else "pg_restore"
    assert err == (
        f"vadesk: {program} is not installed (or not on PATH): install PostgreSQL's client "
        "programs (Debian and Ubuntu: apt-get install postgresql-client), of the server's "
        "major version or newer\n"
    )
    assert out == ""
    assert (tmp_path / "x.backup").read_bytes() == b"PGDMP"


def test_an_unreachable_database_is_one_line_that_never_shows_the_password(tmp_path: Path):
    env = vadesk_env("postgresql+psycopg://vadesk:s3cret-pw@127.0.0.1:9/vadesk")
    result = run_vadesk("backup", "--out", "x.backup", env=env, cwd=tmp_path)
    assert result.returncode == 2
    line = one_line(result.stderr)
    assert line.startswith("vadesk: cannot open the database (DATABASE_URL): ")
    assert "s3cret-pw" not in result.stderr + result.stdout
    assert list(tmp_path.iterdir()) == []


def test_a_failing_pg_dump_is_its_first_error_without_the_password(
    vadesk, engine, database_url, tmp_path: Path, monkeypatch
):
    if database_url.startswith("sqlite"):
        pytest.skip("pg_dump backs up PostgreSQL only")
    programs = tmp_path / "bin"
    programs.mkdir()
    failing = programs / "pg_dump"
    failing.write_text(
        "#!/bin/sh\necho 'pg_dump: warning: slow disk' >&2\n"
        'echo "pg_dump: error: query failed for $PGPASSWORD" >&2\nexit 1\n'
    )
    failing.chmod(0o755)
    monkeypatch.setenv("PATH", f"{programs}:{os.environ['PATH']}")
    url = sa.engine.make_url(database_url).set(password="s3cret-pw")
    monkeypatch.setenv("DATABASE_URL", url.render_as_string(hide_password=False))
    refused = vadesk("backup", "--out", "x.backup")
    assert refused == Ran(1, "", "vadesk: pg_dump failed: pg_dump: error: query failed for ***\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bin", "vadesk.toml"]


def test_libpq_is_given_the_url_without_driver_or_password():
    url = sa.engine.make_url(
        "postgresql+psycopg://va%40desk:p%40ss@db.internal:5433/desk?sslmode=require"
    )
    target, environment = backup_postgres.libpq_target(url)
    assert target == "postgresql://va%40desk@db.internal:5433/desk?sslmode=require"
    assert environment["PGPASSWORD"] == "p@ss"


def test_the_console_script_backs_up_and_restores(
    engine, settings, database_url, actor_for, tmp_path: Path
):
    seed(engine, settings, actor_for)
    before = snapshot(engine)
    engine.dispose()
    env = vadesk_env(database_url, VADESK_CONFIG=str(settings.config_path))
    backed = run_vadesk("backup", "--out", "day.backup", env=env, cwd=tmp_path)
    assert backed.returncode == 0, backed.stderr
    with engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM audit_record"))
    engine.dispose()
    restored = run_vadesk("restore", "day.backup", env=env, cwd=tmp_path)
    assert restored.returncode == 0, restored.stderr
    assert restored.stdout.startswith("Restored the database from day.backup (revision ")
    assert snapshot(engine) == before
