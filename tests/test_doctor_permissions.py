"""`vadesk doctor` names a `.env` or SQLite database file every account may read, and the
chmod that fixes it."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from bot.doctor import run_checks
from store.db import create_db_engine, migrate
from tests.conftest import BOT_TOKEN, SIGNING_SECRET
from tests.vadesk_process import run_vadesk, vadesk_env

NOWHERE = "http://127.0.0.1:9/api/"


def permission_checks(settings, engine) -> dict[str, tuple[bool, str]]:
    return {
        check.name: (check.ok, check.detail)
        for check in run_checks(settings, engine)
        if check.name.startswith("permissions ")
    }


def test_a_world_readable_env_file_is_named_with_its_chmod(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings, engine, database_url
):
    monkeypatch.chdir(tmp_path)
    dotenv = tmp_path / ".env"
    dotenv.write_text(f"SLACK_BOT_TOKEN={BOT_TOKEN}\n", encoding="utf-8")
    dotenv.chmod(0o644)
    ok, detail = permission_checks(settings, engine)["permissions .env"]
    assert not ok
    assert str(dotenv) in detail and "644" in detail
    assert f"chmod o-rwx {dotenv}" in detail

    dotenv.chmod(0o600)
    ok, detail = permission_checks(settings, engine)["permissions .env"]
    assert ok, detail


def test_no_env_file_is_nothing_to_check(tmp_path, monkeypatch, settings, engine):
    monkeypatch.chdir(tmp_path)
    assert "permissions .env" not in permission_checks(settings, engine)


def test_a_world_readable_sqlite_database_fails_the_doctor(tmp_path: Path):
    database = tmp_path / "vadesk.db"
    env = vadesk_env(
        f"sqlite:///{database}",
        SLACK_API_URL=NOWHERE,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
    )
    assert run_vadesk("migrate", env=env, cwd=tmp_path).returncode == 0
    os.chmod(database, 0o644)
    result = run_vadesk("doctor", env=env, cwd=tmp_path)
    assert result.returncode == 1
    (line,) = [line for line in result.stdout.splitlines() if "permissions vadesk.db:" in line]
    assert line.startswith("FAIL  permissions vadesk.db:")
    assert f"chmod o-rwx {database}" in line

    os.chmod(database, 0o600)
    result = run_vadesk("doctor", env=env, cwd=tmp_path)
    (line,) = [line for line in result.stdout.splitlines() if "permissions vadesk.db:" in line]
    assert line.startswith("ok    permissions vadesk.db:")


def test_a_database_vadesk_creates_is_readable_by_its_owner_only(tmp_path: Path):
    database = tmp_path / "new.db"
    engine = create_db_engine(f"sqlite:///{database}")
    try:
        migrate(engine)
        files = [database, *tmp_path.glob("new.db-*")]
        assert {path.name for path in files} >= {"new.db", "new.db-wal"}
        assert {path.name: stat.S_IMODE(path.stat().st_mode) for path in files} == {
            path.name: 0o600 for path in files
        }
    finally:
        engine.dispose()
