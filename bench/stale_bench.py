"""How long the stale lists take on 50,000 contacts, with the stale index
(`ix_contact_stale`, migration 0015) and without it (the same run, the index dropped:
the queries then have only `ix_contact_team_stage`), on SQLite and on PostgreSQL.

    .venv/bin/python -m bench.stale_bench                  # SQLite (+ PostgreSQL if set)
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_x \\
        .venv/bin/python -m bench.stale_bench

It times what the digest asks for (`stale_contacts`, the 5 oldest, and `stale_count`)
and a VA's `cold-leads` list (theirs and the unowned, the 10 oldest, and its count).
PostgreSQL: the database given is emptied first (its public schema is dropped); never
give it the test suite's database.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa
from sqlmodel import Session

from bench.servers import empty_postgres
from bot.services import stale
from bot.settings import Settings, load_settings
from store.db import create_db_engine, migrate
from store.models import Contact, Workspace

TEAM = "T0BENCH"
NOW = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)
CONTACTS = 50_000
STAGES = ("Lead", "Lead", "Lead", "Booked", "Closed", "Lost")  # Lead and Booked go stale
OWNERS = ("U0VA01", "U0VA02", "U0VA03", "U0VA04", None)
INDEX = "ix_contact_stale"


def generate(engine: sa.Engine) -> None:
    """50,000 contacts touched over the last 400 days: 30 % archived, 5 % snoozed."""
    rng = random.Random(16)
    rows = []
    for n in range(CONTACTS):
        touched = NOW - timedelta(days=rng.uniform(0, 400))
        rows.append(
            {
                "team_id": TEAM,
                "name": f"Contact {n}",
                "name_key": f"contact {n}",
                "stage": rng.choice(STAGES),
                "stage_since": touched,
                "last_touch_at": touched,
                "owner_id": rng.choice(OWNERS),
                "archived_at": NOW if rng.random() < 0.3 else None,
                "snoozed_until": NOW + timedelta(days=10) if rng.random() < 0.05 else None,
                "source": "manual",
                "created_by": "U0OWNER",
                "created_at": touched,
                "updated_at": touched,
            }
        )
    with engine.begin() as connection:
        connection.execute(sa.insert(Workspace.__table__), [{"id": TEAM, "created_at": NOW}])
        for start in range(0, len(rows), 10_000):
            connection.execute(sa.insert(Contact.__table__), rows[start : start + 10_000])
    _analyze(engine)


def _analyze(engine: sa.Engine) -> None:
    """Statistics, and on PostgreSQL the visibility map autovacuum keeps (without it an
    index-only count still reads every row it counts)."""
    command = "VACUUM ANALYZE contact" if engine.dialect.name == "postgresql" else "ANALYZE"
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql(command)


def _median_ms(engine: sa.Engine, runs: int, work: Callable[[Session], object]) -> float:
    times = []
    for _ in range(runs):
        with Session(engine) as session:
            start = time.perf_counter()
            work(session)
            times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def measure(engine: sa.Engine, settings: Settings, runs: int) -> dict[str, float]:
    def digest(session: Session) -> None:
        stale.stale_contacts(session, settings, TEAM, NOW, 5)

    def digest_count(session: Session) -> None:
        stale.stale_count(session, settings, TEAM, NOW)

    def va_list(session: Session) -> None:
        stale.stale_contacts(session, settings, TEAM, NOW, 10, owned_by="U0VA01")

    def va_count(session: Session) -> None:
        stale.stale_count(session, settings, TEAM, NOW, owned_by="U0VA01")

    return {
        name: _median_ms(engine, runs, work)
        for name, work in (
            ("digest list", digest),
            ("digest count", digest_count),
            ("VA list", va_list),
            ("VA count", va_count),
        )
    }


def bench(url: str, settings: Settings, runs: int) -> None:
    engine = create_db_engine(url)
    migrate(engine)
    generate(engine)
    with Session(engine) as session:
        found = stale.stale_count(session, settings, TEAM, NOW)
    with_index = measure(engine, settings, runs)
    with engine.begin() as connection:
        connection.exec_driver_sql(f"DROP INDEX {INDEX}")
    _analyze(engine)
    without = measure(engine, settings, runs)
    engine.dispose()
    print(f"\n{engine.dialect.name}: {CONTACTS:,} contacts, {found:,} stale; median of {runs}")
    print(f"{'query':<14}{'with index':>12}{'without':>12}{'ratio':>8}")
    for name, ms in with_index.items():
        print(f"{name:<14}{ms:>10.2f}ms{without[name]:>10.2f}ms{ms / without[name]:>7.2f}x")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "vadesk.toml"
        config.write_text('[workspace]\ntimezone = "America/New_York"\n', encoding="utf-8")
        urls = [f"sqlite:///{Path(folder) / 'bench.db'}"]
        postgres = os.environ.get("BENCH_DATABASE_URL")
        if postgres:
            empty_postgres(postgres)
            urls.append(postgres)
        for url in urls:
            environment = {"VADESK_CONFIG": str(config), "DATABASE_URL": url}
            bench(url, load_settings(environment, load_dotenv_file=False), args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
