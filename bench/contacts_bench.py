"""How long `vadesk import contacts` takes for a 50,000-row CSV (every column used: client,
owner, stage, tag, next step, amount, notes), its `--dry-run`, and `vadesk export contacts`
of the result, on SQLite and on PostgreSQL, each run on an empty database.

    .venv/bin/python -m bench.contacts_bench                 # SQLite (+ PostgreSQL if set)
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_x \\
        .venv/bin/python -m bench.contacts_bench --runs 3

The commands run through the CLI's own `main` in this process (the file read, checked and
written as an operator's command does). PostgreSQL: the database given is emptied first
(its public schema is dropped); never give it the test suite's database.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.servers import empty_postgres
from bot import clock
from bot.cli import main as vadesk
from bot.services.people import ensure_workspace
from bot.settings import load_settings
from store.db import create_db_engine, migrate, session_scope

TEAM = "T0BENCH"
NOW = "2026-11-30T14:00:00Z"
CONFIG = """
[workspace]
timezone = "America/New_York"

[roles]
owners = ["U0OWNER"]
vas = ["U0VA1", "U0VA2", "U0VA3"]

[clients.acme]
name = "Acme Corp"
channel = "C0ACME"

[clients.globex]
name = "Globex"
channel = "C0GLOBEX"
"""
HEADER = [
    "name",
    "company",
    "client",
    "email",
    "phone",
    "owner",
    "stage",
    "tag",
    "next_step",
    "next_step_due",
    "amount",
    "notes",
]


def write_file(path: Path, rows: int) -> None:
    generator = random.Random(16)
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(HEADER)
        for n in range(rows):
            writer.writerow(
                [
                    f"Person {n} Example",
                    f"Company {n % 700}",
                    generator.choice(["acme", "Globex", ""]),
                    f"p{n}@example.com",
                    f"+1 555 {n:05d}",
                    generator.choice(["U0VA1", "U0VA2", "U0VA3", ""]),
                    generator.choice(["Lead", "Booked", "Closed", "Lost"]),
                    generator.choice(
                        ["lead-hot-prospect", "Lead – Cold Lead", "client-active", ""]
                    ),
                    "Call back" if n % 3 else "",
                    "2026-12-15" if n % 3 else "",
                    f"{generator.randint(100, 99999)}.{generator.randint(0, 99):02d}"
                    if n % 2
                    else "",
                    "Met at the fair.\n\nWants a quote." if n % 4 == 0 else "",
                ]
            )


def _timed(*args: str) -> tuple[float, float]:
    """The command's wall time, and the CPU time this process spent on it (on a shared
    machine the steadier figure; PostgreSQL's own work is not in it)."""
    start, cpu = time.perf_counter(), time.process_time()
    with contextlib.redirect_stdout(io.StringIO()) as out:
        code = vadesk(list(args))
    elapsed, used = time.perf_counter() - start, time.process_time() - cpu
    if code != 0:
        raise SystemExit(f"vadesk {' '.join(args)} exited {code}: {out.getvalue()[-500:]}")
    return elapsed, used


def _empty(url: str, config: Path) -> None:
    if url.startswith("postgresql"):
        empty_postgres(url)
    else:
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    settings = load_settings(
        {"VADESK_CONFIG": str(config), "DATABASE_URL": url}, load_dotenv_file=False
    )
    engine = create_db_engine(url)
    migrate(engine)
    with session_scope(engine) as session:
        ensure_workspace(session, settings, TEAM)
    engine.dispose()


def _spread(values: list[float]) -> str:
    return f"median {statistics.median(values):.1f} s (runs {min(values):.1f}-{max(values):.1f})"


def _load() -> str:
    return "load average " + " ".join(f"{figure:.1f}" for figure in os.getloadavg())


def bench(url: str, runs: int, rows: int, scratch: Path) -> None:
    config = scratch / "vadesk.toml"
    config.write_text(CONFIG, encoding="utf-8")
    data = scratch / "contacts.csv"
    write_file(data, rows)
    os.environ.update({"VADESK_CONFIG": str(config), "DATABASE_URL": url})
    clock.set_now(NOW)
    results: dict[str, list[tuple[float, float]]] = {"dry run": [], "import": [], "export": []}
    before = _load()
    for _ in range(runs):
        _empty(url, config)
        results["dry run"].append(_timed("import", "contacts", str(data), "--dry-run"))
        results["import"].append(_timed("import", "contacts", str(data)))
        out = str(scratch / "export.csv")
        results["export"].append(_timed("export", "contacts", "--out", out))
    kind = "postgresql" if url.startswith("postgresql") else "sqlite"
    print(f"{kind}: {rows:,} rows, {runs} runs, each on an empty database ({before}; {_load()})")
    for name, values in results.items():
        wall, cpu = _spread([v[0] for v in values]), _spread([v[1] for v in values])
        print(f"  {name:<8} wall {wall}; CPU {cpu}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL"),
        help="PostgreSQL to measure after SQLite (default: $BENCH_DATABASE_URL; none: SQLite only)",
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rows", type=int, default=50_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        bench(f"sqlite:///{Path(scratch) / 'contacts.db'}", args.runs, args.rows, Path(scratch))
        if args.database_url:
            bench(args.database_url, args.runs, args.rows, Path(scratch))
    return 0


if __name__ == "__main__":
    sys.exit(main())
