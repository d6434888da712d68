"""How long drafting and finalizing a month's invoice take for one client with 20 VAs'
entries (about 4,000), against the timesheet export of the same client and month
(`timesheet_rows` + `write_csv`, what `vadesk export timesheet` runs), measured in the same
run on the same data, on SQLite and on PostgreSQL.

    .venv/bin/python -m bench.invoice_bench                 # SQLite (+ PostgreSQL if set)
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_x \\
        .venv/bin/python -m bench.invoice_bench

Each run drafts (`draft_invoice`, what the preview shows), finalizes (`finalize_draft`:
the draft built again, the number, the lines, 4,000 links and the lock, committed) and
exports the timesheet; between runs the invoice is removed again (not timed). Targets:
finalize within 2x the export and under 1 s. PostgreSQL: the database given is emptied
first (its public schema is dropped); never give it the test suite's database.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa

from bench.servers import empty_postgres
from bot import clock
from bot.services.billing.drafting import draft_invoice
from bot.services.billing.drafts import DraftRequest
from bot.services.billing.finalizing import finalize_draft
from bot.services.timesheet import timesheet_rows, write_csv
from bot.settings import Settings, load_settings
from store.db import create_db_engine, migrate, session_scope
from store.models import (
    AuditRecord,
    Client,
    Invoice,
    InvoiceEntry,
    InvoiceLine,
    InvoiceSequence,
    Task,
    TimeEntry,
    User,
    Workspace,
)

TEAM = "T0BENCH"
NOW = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)  # Friday, 10:00 in New York
MONTH = (date(2026, 11, 1), date(2026, 11, 30))
ZONES = ("America/New_York", "Asia/Manila", "Europe/London", "America/Los_Angeles")
CONFIG = """
[workspace]
timezone = "America/New_York"

[roles]
owners = ["U0OWNER"]

[clients.acme]
name = "Acme Corp"

[clients.globex]
name = "Globex"

[billing.clients.acme]
rate = 42.5
tax = 8.875
increment_minutes = 6
direction = "up"
per = "entry"

[billing.clients.globex]
rate = 30
"""


def _insert(engine: sa.Engine, table: sa.Table, rows: list[dict]) -> None:
    with engine.begin() as connection:
        for start in range(0, len(rows), 10_000):
            connection.execute(sa.insert(table), rows[start : start + 10_000])


def _entries(rng: random.Random, users: list[str], tasks: dict[str, list[int]]) -> list[dict]:
    """October and November: each VA's weekdays hold 10 Acme entries (10-40 min, from
    09:00 local) and 5 Globex ones; some Acme ones are not billable."""
    rows = []
    for offset in range(61):
        day = date(2026, 10, 1) + timedelta(days=offset)
        if day.weekday() >= 5:
            continue
        for index, user in enumerate(users):
            zone = ZoneInfo(ZONES[index % len(ZONES)])
            at = datetime.combine(day, datetime.min.time(), tzinfo=zone) + timedelta(hours=9)
            for key, count in (("acme", 10), ("globex", 5)):
                for _ in range(count):
                    length = timedelta(minutes=rng.randrange(10, 41), seconds=rng.randrange(60))
                    rows.append(
                        {
                            "team_id": TEAM,
                            "user_id": user,
                            "task_id": rng.choice(tasks[key][index * 10 : index * 10 + 10]),
                            "started_at": at.astimezone(UTC),
                            "ended_at": (at + length).astimezone(UTC),
                            "source": "timer",
                            "billable": rng.random() < 0.97,
                            "created_at": at.astimezone(UTC),
                        }
                    )
                    at += length + timedelta(minutes=3)
    return rows


def generate(engine: sa.Engine, settings: Settings) -> int:
    """20 VAs, 10 tasks each for Acme and for Globex; returns Acme's client id."""
    rng = random.Random(15)
    users = [f"U0VA{n:02d}" for n in range(20)]
    _insert(engine, Workspace.__table__, [{"id": TEAM, "next_task_number": 401, "created_at": NOW}])
    _insert(
        engine,
        User.__table__,
        [
            {
                "team_id": TEAM,
                "id": u,
                "role": "va",
                "display_name": f"VA {n:02d}",
                "timezone": ZONES[n % len(ZONES)],
            }
            for n, u in enumerate(users)
        ]
        + [
            {
                "team_id": TEAM,
                "id": "U0OWNER",
                "role": "owner",
                "display_name": "Owner",
                "timezone": ZONES[0],
            }
        ],
    )
    clients = [{"team_id": TEAM, "key": c.key, "name": c.name} for c in settings.clients]
    _insert(engine, Client.__table__, clients)
    with engine.connect() as connection:
        ids = dict(
            connection.execute(sa.select(Client.__table__.c.key, Client.__table__.c.id)).all()
        )
    tasks: dict[str, list[int]] = {"acme": [], "globex": []}
    rows = []
    for key in tasks:
        for n in range(200):
            rows.append(
                {
                    "team_id": TEAM,
                    "number": len(rows) + 1,
                    "title": f"{key} task {n}",
                    "status": "in_progress",
                    "client_id": ids[key],
                    "creator_id": "U0OWNER",
                    "assignee_id": users[n // 10],
                    "priority": "normal",
                    "created_at": NOW,
                    "updated_at": NOW,
                    "billable": True,
                }
            )
    _insert(engine, Task.__table__, rows)
    with engine.connect() as connection:
        for task_id, client_id in connection.execute(
            sa.select(Task.__table__.c.id, Task.__table__.c.client_id).order_by("number")
        ):
            tasks["acme" if client_id == ids["acme"] else "globex"].append(task_id)
    _insert(engine, TimeEntry.__table__, _entries(rng, users, tasks))
    return ids["acme"]


def _unbill(engine: sa.Engine) -> None:
    """Remove the invoice again, so the next run bills the same entries (not timed)."""
    with engine.begin() as connection:
        for model in (InvoiceEntry, InvoiceLine):
            connection.execute(sa.delete(model.__table__))
        connection.execute(sa.update(TimeEntry.__table__).values(invoice_id=None))
        for model in (Invoice, InvoiceSequence, AuditRecord):
            connection.execute(sa.delete(model.__table__))
    if engine.dialect.name == "postgresql":
        # Each run locks and unlocks the same 4,000 rows: without a vacuum the next run
        # would update a table twice as bloated, which entries locked once never are.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE time_entry, invoice_entry, invoice_line")


def _timed(function) -> tuple[float, object]:
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def one_run(engine: sa.Engine, settings: Settings, client_id: int) -> dict[str, float]:
    def draft():
        with session_scope(engine) as session:
            return draft_invoice(session, settings, TEAM, client_id, *MONTH)

    def finalize(fingerprint: str):
        with session_scope(engine) as session:
            request = DraftRequest(client_id, *MONTH)
            return finalize_draft(session, settings, TEAM, "U0OWNER", request, fingerprint)

    def export() -> str:
        with session_scope(engine) as session:
            rows = timesheet_rows(session, settings, *MONTH, client="acme", team_id=TEAM)
        stream = io.StringIO(newline="")
        write_csv(rows, stream)
        return stream.getvalue()

    export_s, csv_text = _timed(export)
    draft_s, drafted = _timed(draft)
    finalize_s, invoice = _timed(lambda: finalize(drafted.fingerprint))
    assert invoice.number == "INV-2026-0001", invoice.number
    _unbill(engine)
    return {
        "export": export_s,
        "draft": draft_s,
        "finalize": finalize_s,
        "entries": len(drafted.entry_ids),
        "lines": len(drafted.lines),
        "rows": csv_text.count("\n") - 1,
    }


def _spread(values: list[float]) -> str:
    return f"median {statistics.median(values):.3f} (runs {min(values):.3f}-{max(values):.3f})"


def bench(url: str, runs: int) -> None:
    if url.startswith("postgresql"):
        empty_postgres(url)
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "vadesk.toml"
        path.write_text(CONFIG, encoding="utf-8")
        settings = load_settings(
            {"VADESK_CONFIG": str(path), "DATABASE_URL": url}, load_dotenv_file=False
        )
        engine = create_db_engine(url)
        migrate(engine)
        client_id = generate(engine, settings)
        if engine.dialect.name == "postgresql":
            with engine.begin() as connection:
                connection.exec_driver_sql("ANALYZE")
        clock.set_now(NOW)
        one_run(engine, settings, client_id)  # warm-up: caches, statements, pages
        results = [one_run(engine, settings, client_id) for _ in range(runs)]
        first = results[0]
        print(
            f"{engine.dialect.name}: {first['entries']:,} entries billed on {first['lines']} "
            f"lines; the export has {first['rows']:,} rows; {runs} runs after a warm-up"
        )
        for name in ("export", "draft", "finalize"):
            print(f"  {name:<9} {_spread([r[name] for r in results])} s")
        for name in ("draft", "finalize"):
            ratios = [r[name] / r["export"] for r in results]
            print(f"  {name} / export: {_spread(ratios)}x")
        finalize = statistics.median(r["finalize"] for r in results)
        ratio = statistics.median(r["finalize"] / r["export"] for r in results)
        verdict = "PASS" if finalize < 1 and ratio <= 2 else "MISS"
        print(f"  target finalize <= 2x export and < 1 s: {verdict}")
        engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL"),
        help="PostgreSQL to measure after SQLite (default: $BENCH_DATABASE_URL; none: SQLite only)",
    )
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        bench(f"sqlite:///{Path(scratch) / 'invoice.db'}", args.runs)
    if args.database_url:
        bench(args.database_url, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
