"""How long `/report` and the supervisor's daily digest take for a team of 200 VAs with a year
of data (about 500,000 time entries, 100,000 tasks and 52,000 routine checklists), on SQLite
or PostgreSQL, with the query plans.

The baseline, measured in the same run on the same data, is the database alone summing the
same period's tracked seconds per person in one aggregate query: the ratio is what VA Desk
adds on top of reading the rows. Targets: the team report for a week and for a month, and
the digest (`digest.build_digest`) for a day and for a week, under 1 s each.

    .venv/bin/python -m bench.report_bench                          # SQLite in a temp dir
    .venv/bin/python -m bench.report_bench --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

PostgreSQL: the database given is emptied first (its public schema is dropped).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
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

from bench.servers import empty_postgres
from bot import clock
from bot.services import digest, kpis, periods
from bot.services.people import Actor
from bot.settings import Settings
from bot.settings.schema import RoleSettings
from store.db import create_db_engine, migrate
from store.models import Client, RoutineRun, Task, TimeEntry, User, Workspace

TEAM = "T0BENCH"
ZONE = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 27, 22, 0, tzinfo=UTC)  # a Friday, 17:00 in New York
CHUNK = 20_000
MORNING_ITEMS = json.dumps(["Inbox zero", "Calendar checked", "Yesterday's notes", "Top 3 set"])
RUNNING_TIMERS = 5  # VAs whose timer has run since 11:00: the digest's long-timer list


def _reset(url: str) -> None:
    if url.startswith("postgresql"):
        empty_postgres(url)


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
    for va_index, user in enumerate(users[:RUNNING_TIMERS]):
        at = NOW - timedelta(hours=6)
        entries.append(
            {
                "team_id": TEAM,
                "user_id": user,
                "task_id": 1 + va_index,
                "started_at": at,
                "ended_at": None,
                "source": "timer",
                "billable": True,
                "created_at": at,
            }
        )
    _insert(engine, TimeEntry.__table__, entries)
    _insert(engine, RoutineRun.__table__, _routine_runs(rng, users, today, days))
    return users


def _routine_runs(rng: random.Random, users: list[str], today, days: int) -> list[dict]:
    """One "morning" checklist per VA per weekday at 09:00, closing at 17:00: 98 % posted,
    nine in ten of the past ones completed, two in three of today's."""
    runs = []
    for offset in range(days):
        day = today - timedelta(days=offset)
        if day.weekday() >= 5:
            continue
        slot = datetime.combine(day, datetime.min.time(), tzinfo=ZONE) + timedelta(hours=9)
        slot = slot.astimezone(UTC)
        for index, user in enumerate(users):
            posted = rng.random() < 0.98
            done = posted and rng.random() < (0.67 if offset == 0 else 0.9)
            runs.append(
                {
                    "team_id": TEAM,
                    "routine": "morning",
                    "title": "Morning routine",
                    "owner_id": user,
                    "slot": slot,
                    "closes_at": slot + timedelta(hours=8),
                    "items": MORNING_ITEMS,
                    "channel_id": "D" + user,
                    "message_ts": f"{slot.timestamp():.0f}.{index:06d}" if posted else None,
                    "completed_at": (
                        slot + timedelta(minutes=rng.randrange(10, 420)) if done else None
                    ),
                }
            )
    return runs


def _timed(function, runs: int) -> list[float]:
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        seconds.append(time.perf_counter() - started)
    return seconds


def _team_report(
    engine, settings: Settings, supervisor: Actor, period: str, user: str | None = None
) -> None:
    """`/report` as a supervisor runs it: the team's, or one person's with `user`."""
    with Session(engine) as session:
        kpis.report(session, settings, supervisor, period, user)


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


def _digest(engine, settings: Settings, period: periods.Period) -> None:
    """The supervisor's digest as the scheduled job builds it (not posted)."""
    with Session(engine) as session:
        digest.build_digest(session, settings, TEAM, period)


def _explain(engine, name: str, sql: str, params, runs: int = 0) -> None:
    """Print the plan of a query; with `runs`, also its median time (rows fetched)."""
    prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    took = ""
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(prefix + sql, params).all()
        if runs:
            fetched = 0

            def run() -> None:
                nonlocal fetched
                fetched = len(connection.exec_driver_sql(sql, params).all())

            seconds = statistics.median(_timed(run, runs))
            took = f" ({fetched:,} rows, median {seconds * 1000:.1f} ms)"
    print(f"  plan of the {name} query{took}:")
    for row in rows:
        line = " | ".join(str(part) for part in row)
        print("    " + (line if len(line) <= 160 else line[:157] + "..."))


def _plans(engine, users: list[str], period: periods.Period) -> None:
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
        _explain(engine, name, str(compiled), params)


def _digest_plans(engine, settings: Settings, period: periods.Period, runs: int) -> None:
    """The plan and the time of each query the digest sends, caught as it sends them."""
    sent: list[tuple[str, object]] = []

    def catch(_connection, _cursor, statement, parameters, _context, _executemany) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            sent.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", catch)
    try:
        _digest(engine, settings, period)
    finally:
        sa.event.remove(engine, "before_cursor_execute", catch)
    for number, (statement, parameters) in enumerate(sent, 1):
        words = " ".join(statement.split())
        table = words.split(" FROM ", 1)[1].split(" ", 1)[0] if " FROM " in words else "?"
        _explain(engine, f"digest's #{number} ({table})", statement, parameters, runs)


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
                for table in (TimeEntry.__table__, Task.__table__, RoutineRun.__table__)
            ]
            if engine.dialect.name == "postgresql":
                connection.exec_driver_sql("ANALYZE")
        print(
            f"{engine.dialect.name}: {counts[0]:,} time entries, {counts[1]:,} tasks, "
            f"{counts[2]:,} routine runs, {len(users)} VAs "
            f"(generated in {time.perf_counter() - started:.0f} s)"
        )
        clock.set_now(NOW)
        supervisor = Actor(TEAM, "U0SUPER", "supervisor", ZONE, *(datetime.min.time(),) * 2)
        roster = tuple(users)
        settings = dataclasses.replace(Settings(), roles=RoleSettings(vas=roster), database_url=url)
        for period_name in ("week", "month"):
            period = periods.period_of(period_name, ZONE)
            ours = _timed(
                lambda name=period_name: _team_report(engine, settings, supervisor, name), args.runs
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
        one = _timed(
            lambda: _team_report(engine, settings, supervisor, "month", users[0]), args.runs
        )
        print(f"one VA's report, month: median {statistics.median(one) * 1000:.1f} ms")
        today = NOW.astimezone(ZONE).date()
        monday = today - timedelta(days=today.weekday())
        spans = {
            "today": digest.period_between("today", today, today, settings),
            "week": digest.period_between("week", monday, monday + timedelta(days=4), settings),
        }
        for name, span in spans.items():
            ours = _timed(lambda span=span: _digest(engine, settings, span), args.runs)
            base = _timed(lambda span=span: _baseline(engine, users, span), args.runs)
            median, spread = statistics.median(ours), f"{min(ours):.3f}–{max(ours):.3f}"
            verdict = "PASS" if median < 1 else "MISS"
            print(
                f"digest, {name} ({span.first} to {span.last}): median {median:.3f} s "
                f"(runs {spread}); baseline aggregate query median "
                f"{statistics.median(base):.3f} s; ratio {median / statistics.median(base):.1f}x; "
                f"target < 1 s: {verdict}"
            )
        with Session(engine) as session:
            week = digest.build_digest(session, settings, TEAM, spans["week"])
        print(
            f"  the week's digest: {len(week.cards)} scorecards, {len(week.overdue)} overdue "
            f"listed, {len(week.unfinished)} unfinished routines, {len(week.long_timers)} long "
            f"timers, routines {week.total.routines_done}/{week.total.routines_posted}"
        )
        _digest_plans(engine, settings, spans["week"], args.runs)
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
