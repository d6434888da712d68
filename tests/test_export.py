"""`vadesk export timesheet` end to end: entries made through the services, CSV read back."""

from __future__ import annotations

import codecs
import csv
import io

import pytest
from sqlmodel import select

from bot import clock
from bot.services import tasks, timers
from bot.services.people import resolve_actor
from store.db import session_scope
from store.models import Client
from tests.conftest import TEAM
from tests.vadesk_process import (
    one_line,
    run_vadesk,
    vadesk_env,
)

# --------------------------------------------------------------------------- export


HEADER = [
    "date",
    "va",
    "client",
    "task_id",
    "title",
    "start",
    "end",
    "hours",
    "billable",
    "source",
    "notes",
    "timezone",
    "entry_id",
    "va_user_id",
    "start_utc",
    "end_utc",
]


def _client_id(session, key: str) -> int:
    return session.exec(select(Client).where(Client.team_id == TEAM, Client.key == key)).one().id


def _track(session, actor, task, start: str, end: str | None, notes: str | None = None):
    clock.set_now(start)
    timers.start_timer(session, actor, task)
    if end is not None:
        clock.set_now(end)
        timers.stop_timer(session, actor, notes=notes)


def _seed_november(engine, settings) -> None:
    """Two VAs in different zones; entries inside, at the edge of and outside November."""
    clock.set_now("2026-11-01T12:00:00Z")
    with session_scope(engine) as session:
        ana = resolve_actor(
            session,
            settings,
            TEAM,
            "U0VA1",
            lambda _u: {"tz": "America/New_York", "real_name": "Ana Núñez"},
        )
        ben = resolve_actor(
            session,
            settings,
            TEAM,
            "U0VA2",
            lambda _u: {"tz": "Europe/London", "real_name": "Ben Okafor"},
        )
        acme, globex = _client_id(session, "acme"), _client_id(session, "globex")
        call = tasks.create_task(session, ana, tasks.NewTask("Call with Acme", client_id=acme))
        invoices = tasks.create_task(
            session, ben, tasks.NewTask("=Globex invoices", client_id=globex)
        )
        followup = tasks.create_task(session, ben, tasks.NewTask("Acme follow-up", client_id=acme))
        # October in New York: not exported.
        _track(session, ana, call, "2026-10-31T13:00:00Z", "2026-10-31T14:00:00Z")
        _track(session, ana, call, "2026-11-03T14:00:00Z", "2026-11-03T15:30:00Z", "Q4 plan")
        _track(session, ben, invoices, "2026-11-10T09:00:00Z", "2026-11-10T09:45:00Z")
        # 1 December in UTC, still 30 November in New York: exported.
        _track(session, ana, call, "2026-12-01T03:00:00Z", "2026-12-01T04:00:00Z")
        # Still running: not billable yet.
        _track(session, ben, followup, "2026-11-20T15:00:00Z", None)


def _row(day, va, client, task, title, start, end, hours, notes, zone, user, utc) -> dict:
    return {
        "date": day,
        "va": va,
        "client": client,
        "task_id": task,
        "title": title,
        "start": start,
        "end": end,
        "hours": hours,
        "billable": "yes",
        "source": "timer",
        "notes": notes,
        "timezone": zone,
        "va_user_id": user,
        "start_utc": utc[0],
        "end_utc": utc[1],
    }


ANA_CALL = _row(
    "2026-11-03",
    "Ana Núñez",
    "Acme Corp",
    "T-1",
    "Call with Acme",
    "2026-11-03 09:00",
    "2026-11-03 10:30",
    "1.5000",
    "Q4 plan",
    "America/New_York",
    "U0VA1",
    ("2026-11-03T14:00:00Z", "2026-11-03T15:30:00Z"),
)
BEN_INVOICES = _row(
    "2026-11-10",
    "Ben Okafor",
    "Globex",
    "T-2",
    "'=Globex invoices",  # a spreadsheet must not run it as a formula
    "2026-11-10 09:00",
    "2026-11-10 09:45",
    "0.7500",
    "",
    "Europe/London",
    "U0VA2",
    ("2026-11-10T09:00:00Z", "2026-11-10T09:45:00Z"),
)
ANA_LATE_CALL = _row(
    "2026-11-30",
    "Ana Núñez",
    "Acme Corp",
    "T-1",
    "Call with Acme",
    "2026-11-30 22:00",
    "2026-11-30 23:00",
    "1.0000",
    "",
    "America/New_York",
    "U0VA1",
    ("2026-12-01T03:00:00Z", "2026-12-01T04:00:00Z"),
)


def _read_rows(text: str) -> tuple[list[str], list[dict]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader)
    rows = [dict(zip(header, values, strict=True)) for values in reader]
    for row in rows:
        assert row.pop("entry_id").isdigit()
    return header, rows


EXPORT_ARGS = ("export", "timesheet", "--from", "2026-11-01", "--to", "2026-11-30")


@pytest.fixture
def seeded(engine, settings, database_url) -> dict[str, str]:
    """The database seeded through the services; the env the CLI needs to read it."""
    _seed_november(engine, settings)
    clock.set_now(None)
    return vadesk_env(database_url, VADESK_CONFIG=str(settings.config_path))


def test_export_timesheet_to_a_file(tmp_path, seeded):
    out = tmp_path / "november.csv"
    result = run_vadesk(*EXPORT_ARGS, "--out", str(out), env=seeded, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"Wrote 3 entries (3.25 h) to {out}"
    assert out.read_bytes().startswith(codecs.BOM_UTF8)  # Excel reads it as UTF-8
    with out.open(encoding="utf-8-sig", newline="") as stream:
        header, rows = _read_rows(stream.read())
    assert header == HEADER
    assert rows == [ANA_CALL, BEN_INVOICES, ANA_LATE_CALL]


def test_export_timesheet_for_one_client(tmp_path, seeded):
    out = tmp_path / "acme.csv"
    result = run_vadesk(
        *EXPORT_ARGS, "--client", "acme", "--out", str(out), env=seeded, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    with out.open(encoding="utf-8-sig", newline="") as stream:
        _, rows = _read_rows(stream.read())
    assert rows == [ANA_CALL, ANA_LATE_CALL]


def test_export_timesheet_to_standard_output(tmp_path, seeded):
    result = run_vadesk(*EXPORT_ARGS, "--user", "U0VA2", env=seeded, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    header, rows = _read_rows(result.stdout)
    assert header == HEADER
    assert rows == [BEN_INVOICES]
    assert list(tmp_path.glob("*.csv")) == []


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--from", "2026-11-30", "--to", "2026-11-01"), "--to is before --from"),
        (("--from", "2026-11-01", "--to", "2026-11-31"), "2026-11-31"),
        (("--from", "2026-11-01", "--to", "2026-11-30", "--client", "initech"), "initech"),
        (("--from", "2026-11-01", "--to", "2026-11-30", "--user", "U999"), "U999"),
    ],
)
def test_export_timesheet_refuses_bad_arguments(tmp_path, seeded, extra, message):
    out = tmp_path / "out.csv"
    result = run_vadesk("export", "timesheet", *extra, "--out", str(out), env=seeded, cwd=tmp_path)
    assert result.returncode == 2
    assert message in one_line(result.stderr)
    assert not out.exists()


@pytest.mark.parametrize("where", ["missing-dir/out.csv", "."])
def test_export_to_a_place_that_cannot_be_written_is_one_line_and_exit_1(tmp_path, seeded, where):
    out = tmp_path / where
    result = run_vadesk(*EXPORT_ARGS, "--out", str(out), env=seeded, cwd=tmp_path)
    assert result.returncode == 1
    assert one_line(result.stderr).startswith(f"vadesk: cannot write {out}: ")


# --------------------------------------------------------------------------- serve
