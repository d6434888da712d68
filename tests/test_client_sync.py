"""The configured clients are rows from start-up: synced idempotently, by any number of
processes at once, on SQLite and PostgreSQL; a client taken out of the settings is kept
for its history, and its channel is no longer its."""

from __future__ import annotations

import subprocess
import threading
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select

from bot import clock
from bot.services import people
from bot.services.tasks import NewTask, create_task
from bot.services.timesheet import timesheet_rows
from bot.settings import load_settings
from store.db import create_db_engine, session_scope
from store.models import Client, Task
from tests.conftest import BOT_TOKEN, PINNED_NOW, TEAM
from tests.vadesk_process import vadesk_argv, vadesk_env


@pytest.fixture(autouse=True)
def _pinned_clock() -> None:
    clock.set_now(PINNED_NOW)


def _clients(engine) -> dict[str, tuple[int, str, str | None]]:
    with session_scope(engine) as session:
        rows = session.exec(select(Client).where(Client.team_id == TEAM)).all()
        return {row.key: (row.id, row.name, row.channel_id) for row in rows}


def _task(engine, number: int) -> Task:
    with session_scope(engine) as session:
        return session.exec(select(Task).where(Task.number == number)).one()


def _settings_with(settings, tmp_path: Path, text: str):
    path = tmp_path / "changed.toml"
    path.write_text(text, encoding="utf-8")
    return load_settings(
        {"VADESK_CONFIG": str(path), "DATABASE_URL": settings.database_url},
        load_dotenv_file=False,
    )


def test_two_processes_starting_at_once_make_each_configured_client_once(
    tmp_path, engine, database_url, config_file, fake_slack
):
    env = vadesk_env(
        database_url,
        SLACK_API_URL=fake_slack.base_url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        VADESK_CONFIG=str(config_file),
        VADESK_NOW="2026-11-30T14:00:00Z",
    )
    assert _clients(engine) == {}
    started = [
        subprocess.Popen(
            vadesk_argv("job", "--list"),
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for process in started:
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
        assert "csat-prompts" in out
    clients = _clients(engine)
    assert {key: (name, channel) for key, (_id, name, channel) in clients.items()} == {
        "acme": ("Acme Corp", "C0ACME"),
        "globex": ("Globex", "C0GLOBEX"),
    }


def test_syncing_from_many_connections_at_once_is_safe(engine, database_url, settings):
    engines = [create_db_engine(database_url) for _ in range(4)]
    start = threading.Barrier(len(engines))
    failures: list[BaseException] = []

    def sync(own_engine) -> None:
        try:
            start.wait()
            with session_scope(own_engine) as session:
                people.ensure_workspace(session, settings, TEAM)
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=sync, args=(e,)) for e in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for own_engine in engines:
        own_engine.dispose()
    assert failures == []
    assert sorted(_clients(engine)) == ["acme", "globex"]


def test_the_sync_follows_the_settings_and_keeps_a_removed_client(
    engine, settings, tmp_path, actor_for
):
    with session_scope(engine) as session:
        people.ensure_workspace(session, settings, TEAM)
    first = _clients(engine)
    with session_scope(engine) as session:
        people.ensure_workspace(session, settings, TEAM)
    assert _clients(engine) == first  # idempotent: same rows, same ids

    actor = actor_for("U0VA1")
    with session_scope(engine) as session:
        create_task(session, actor, NewTask(title="Globex report", client_id=first["globex"][0]))
    changed = _settings_with(
        settings,
        tmp_path,
        '[clients.acme]\nname = "Acme Corporation"\nchannel = "C0ACME"\n'
        '[clients.initech]\nname = "Initech"\nchannel = "C0GLOBEX"\n',
    )
    with session_scope(engine) as session:
        people.ensure_workspace(session, changed, TEAM)
    now = _clients(engine)
    assert now["acme"] == (first["acme"][0], "Acme Corporation", "C0ACME")
    # Globex is kept with its name for its history, but its old channel is Initech's now.
    assert now["globex"] == (first["globex"][0], "Globex", None)
    assert now["initech"][1:] == ("Initech", "C0GLOBEX")
    assert _task(engine, 1).client_id == first["globex"][0]
    with session_scope(engine) as session:
        assert people.client_for_channel(session, TEAM, "C0GLOBEX").key == "initech"


def test_a_timesheet_for_a_configured_client_nobody_worked_for_is_empty(engine, settings):
    with session_scope(engine) as session:
        assert (
            timesheet_rows(session, settings, date(2026, 11, 1), date(2026, 11, 30), "acme") == []
        )
