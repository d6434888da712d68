"""DATABASE_POOL_SIZE: refused at start-up outside 1-100 with the variable named, and the
real app answers parallel commands at both bounds, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from bot.settings import ConfigError, load_settings
from store.db import create_db_engine, migrate
from tests.vadesk_process import one_line, run_vadesk, vadesk_env


@pytest.mark.parametrize("value", ["0", "101", "-3", "ten", "2.5"])
def test_a_pool_size_out_of_bounds_is_refused_naming_it(value: str):
    with pytest.raises(ConfigError) as caught:
        load_settings({"DATABASE_POOL_SIZE": value}, load_dotenv_file=False)
    assert caught.value.key == "DATABASE_POOL_SIZE"
    assert "from 1 to 100" in caught.value.reason and repr(value) in caught.value.reason


@pytest.mark.parametrize(("value", "size"), [("1", 1), ("100", 100), (" 7 ", 7), ("", None)])
def test_a_pool_size_within_bounds_is_taken(value: str, size: int | None):
    settings = load_settings({"DATABASE_POOL_SIZE": value}, load_dotenv_file=False)
    assert settings.database_pool_size == size


def test_vadesk_stops_at_start_on_a_bad_pool_size(tmp_path):
    env = vadesk_env(f"sqlite:///{tmp_path / 'vadesk.db'}", DATABASE_POOL_SIZE="0")
    result = run_vadesk("migrate", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert "DATABASE_POOL_SIZE" in one_line(result.stderr)
    assert not (tmp_path / "vadesk.db").exists()


@pytest.fixture(params=[1, 100], ids=["pool-1", "pool-100"])
def engine(request: pytest.FixtureRequest, database_url: str):
    """The app's engine with the pool at a bound (the conftest's `live_app` takes it)."""
    engine = create_db_engine(database_url, request.param)
    migrate(engine)
    assert engine.pool.size() == request.param
    yield engine
    engine.dispose()


def test_the_app_answers_parallel_commands_at_each_pool_bound(live_app):
    users = ["U0VA1", "U0VA2", "U0OWNER", "U0SUPER"]
    replies = live_app.commands_at_once([("/timer", f"start Work {u}", u) for u in users])
    assert all("Started" in reply or "started" in reply for reply in replies), replies
    replies = live_app.commands_at_once([("/timer", "stop", u) for u in users])
    assert all("Stopped" in reply or "stopped" in reply for reply in replies), replies


class Asked(Exception):
    pass


def connect_parameters(url: str) -> dict:
    """What the driver would be asked to connect with (stopped before it is asked)."""
    engine = create_db_engine(url)
    seen: dict = {}

    def stop(dialect, record, cargs, cparams):
        seen.update(cparams)
        raise Asked

    sa.event.listen(engine, "do_connect", stop)
    with pytest.raises(Asked):
        engine.connect()
    return seen


def test_a_postgresql_connection_attempt_gives_up_after_a_while():
    assert connect_parameters("postgresql+psycopg://vadesk@db.invalid/v")["connect_timeout"] == 10
    given = connect_parameters("postgresql+psycopg://vadesk@db.invalid/v?connect_timeout=3")
    assert str(given["connect_timeout"]) == "3"
