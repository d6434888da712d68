"""How long `/report` takes for a team of 200 VAs with a year of data (about 500,000 time
entries and 100,000 tasks), on SQLite or PostgreSQL, with the query plans.

The baseline, measured in the same run on the same data, is the database alone summing the
same period's tracked seconds per person in one aggregate query: the ratio is what VA Desk
adds on top of reading the rows. Target: the team report for a week and for a month under
1 s each.

    .venv/bin/python -m bench.report_bench                          # SQLite in a temp dir
    .venv/bin/python -m bench.report_bench --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

PostgreSQL: the database given is emptied first (its public schema is dropped).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa
from sqlmodel import Session

from bot import clock
from bot.services import kpis, periods
from bot.services.people import Actor
from store.db import create_db_engine, migrate
from store.models import Client, Task, TimeEntry, User, Workspace

TEAM = "T0BENCH"
ZONE = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 27, 22, 0, tzinfo=UTC)  # a Friday, 17:00 in New York
CHUNK = 20_000


def _reset(url: str) -> None:
    if url.startswith("postgresql"):
        engine = sa.create_engine(url)
        with engine.begin() as connection:
            connection.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(sa.text("CREATE SCHEMA public"))
        engine.dispose()


def _insert(engine, table, rows: list[dict]) -> None:
    with engine.begin() as connection:
        for start in range(0, len(rows), CHUNK):
            connection.execute(sa.insert(table), rows[start : start + CHUNK])


def generate(engine, vas: int, days: int, entries_per_day: int, tasks_per_va: int) -> list[str]:
    """A year of work: each VA's weekdays hold `entries_per_day` entries from 09:00 on."""
    rng = random.Random(7)
    users = [f"U0VA{n:04d}" for n in range(vas)]
    _insert(engine, Workspace.__table__, [{"id": TEAM, "next_task_number": 1, "created_at": NOW}])
    clients = [{"team_id": TEAM, "key": f"c{n}", "name": f"Client {n}"} for n in range(20)]
    _insert(engine, Client.__table__, clients)
    _insert(engine, User.__table__, [{"team_id": TEAM, "id": u, "role": "va"} for u in users])
    today = NOW.astimezone(ZONE).date()
    tasks = []
    for index in range(vas * tasks_per_va):
        due = today - timedelta(days=rng.randrange(days))
        done = rng.random() < 0.9
        tasks.append(
            {
                "team_id": TEAM,
                "number": index + 1,
                "title": f"Task {index}",
                "status": "done" if done else rng.choice(["open", "in_progress", "waiting"]),
                "client_id": rng.randrange(1, 21) if rng.random() < 0.8 else None,
                "assignee_id": users[index % vas],
                "creator_id": users[index % vas],
                "due": due,
                "priority": "normal",
                "created_at": NOW,
                "updated_at": NOW,
                "completed_at": (
                    datetime.combine(due, datetime.min.time(), tzinfo=ZONE).astimezone(UTC)
                    + timedelta(hours=rng.choice([10, 34]))
                    if done
                    else None
                ),
            }
        )
    _insert(engine, Task.__table__, tasks)
    entries = []
    for offset in range(days):
        day = today - timedelta(days=offset)
        if day.weekday() >= 5:
            continue
        start_of_day = datetime.combine(day, datetime.min.time(), tzinfo=ZONE) + timedelta(hours=9)
        for va_index, user in enumerate(users):
            at = start_of_day.astimezone(UTC)
            for _ in range(entries_per_day):
                length = timedelta(minutes=rng.randrange(10, 45))
                entries.append(
                    {
                        "team_id": TEAM,
                        "user_id": user,
                        "task_id": 1 + va_index + vas * rng.randrange(tasks_per_va),
                        "started_at": at,
                        "ended_at": at + length,
                        "source": rng.choice(["timer"] * 8 + ["manual", "edited"]),
                        "billable": rng.random() < 0.9,
                        "created_at": at,
                    }
                )
                at += length + timedelta(minutes=5)
    _insert(engine, TimeEntry.__table__, entries)
    return users


def _timed(function, runs: int) -> list[float]:
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        seconds.append(time.perf_counter() - started)
    return seconds


def _team_report(
    engine, supervisor: Actor, roster: tuple[str, ...], period: str, user: str | None = None
) -> None:
    """`/report` as a supervisor runs it: the team's, or one person's with `user`."""
    with Session(engine) as session:
        kpis.report(session, supervisor, roster, period, user)


def _baseline(engine, users: list[str], period: periods.Period) -> None:
    """The database alone: tracked seconds per person in the period, one aggregate query."""
    entries = TimeEntry.__table__.c
    with engine.connect() as connection:
        connection.execute(
            sa.select(entries.user_id, sa.func.count(), sa.func.max(entries.ended_at))
            .where(
                entries.team_id == TEAM,
                entries.user_id.in_(users),
                entries.started_at < period.end,
                entries.ended_at > period.start,
            )
            .group_by(entries.user_id)
        ).all()


def _plans(engine, users: list[str], period: periods.Period) -> None:
    prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    today = NOW.astimezone(ZONE).date()
    for name, statement in (
        ("entries", kpis.entries_query(TEAM, users, period)),
        ("tasks", kpis.tasks_query(TEAM, users, period, today)),
    ):
        compiled = statement.compile(
            dialect=engine.dialect, compile_kwargs={"render_postcompile": True}
        )
        params = compiled.construct_params()
        if compiled.positional:
            params = tuple(params[key] for key in compiled.positiontup)
        with engine.connect() as connection:
            rows = connection.exec_driver_sql(prefix + str(compiled), params).all()
        print(f"  plan of the {name} query:")
        for row in rows:
            line = " | ".join(str(part) for part in row)
            print("    " + (line if len(line) <= 160 else line[:157] + "..."))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: SQLite in a temporary directory")
    parser.add_argument("--vas", type=int, default=200)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--entries-per-day", type=int, default=10)
    parser.add_argument("--tasks-per-va", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        url = args.database_url or f"sqlite:///{Path(scratch) / 'report.db'}"
        _reset(url)
        engine = create_db_engine(url)
        migrate(engine)
        started = time.perf_counter()
        users = generate(engine, args.vas, args.days, args.entries_per_day, args.tasks_per_va)
        with engine.begin() as connection:
            counts = [
                connection.execute(sa.select(sa.func.count()).select_from(table)).scalar()
                for table in (TimeEntry.__table__, Task.__table__)
            ]
            if engine.dialect.name == "postgresql":
                connection.exec_driver_sql("ANALYZE")
        print(
            f"{engine.dialect.name}: {counts[0]:,} time entries, {counts[1]:,} tasks, "
            f"{len(users)} VAs (generated in {time.perf_counter() - started:.0f} s)"
        )
        clock.set_now(NOW)
        supervisor = Actor(TEAM, "U0SUPER", "supervisor", ZONE, *(datetime.min.time(),) * 2)
        roster = tuple(users)
        for period_name in ("week", "month"):
            period = periods.period_of(period_name, ZONE)
            ours = _timed(
                lambda name=period_name: _team_report(engine, supervisor, roster, name), args.runs
            )
            base = _timed(lambda span=period: _baseline(engine, users, span), args.runs)
            median, spread = statistics.median(ours), f"{min(ours):.3f}–{max(ours):.3f}"
            verdict = "PASS" if median < 1 else "MISS"
            print(
                f"team report, {period_name} ({period.first} to {period.last}): median "
                f"{median:.3f} s (runs {spread}); baseline aggregate query median "
                f"{statistics.median(base):.3f} s; ratio {median / statistics.median(base):.1f}x; "
                f"target < 1 s: {verdict}"
            )
        _plans(engine, users, periods.period_of("month", ZONE))
        one = _timed(lambda: _team_report(engine, supervisor, roster, "month", users[0]), args.runs)
        print(f"one VA's report, month: median {statistics.median(one) * 1000:.1f} ms")
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
