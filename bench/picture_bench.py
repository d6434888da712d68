"""How long the picture of a contact or a client takes (`contact_picture.build_picture`
and its card, `bot.views.contacts.card_blocks`) at the `/find` bench's scale: 50,000
contacts, 200,000 tasks, 100,000 client conversations, with follow-ups, escalations,
delegated work, CSAT ratings, a quarter's time entries and invoices, over 50 clients.

Each sampled contact's picture is built in a unit of work of its own, as a VA and as an
owner (who also sees billing); so is each client's. The baseline, in the same run on the
same data, is reading the contact's row by its name (the lookup `/contact <name>` makes
first). Every statement of one picture is printed with its query plan, so a table scan
shows. Target: p95 under 150 ms.

    .venv/bin/python -m bench.picture_bench                          # SQLite in a temp dir
    .venv/bin/python -m bench.picture_bench --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench

The database given is emptied first (PostgreSQL: its public schema is dropped), unless
`--reuse` finds the data of a previous run in it.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa
from sqlalchemy import event
from sqlmodel import Session, select

from bench.servers import empty_postgres
from bot import clock
from bot.services.contact_picture import build_picture
from bot.services.people import resolve_actor
from bot.settings import load_settings
from bot.views.contacts import card_blocks
from store.db import create_db_engine, migrate
from store.models import (
    Assignment,
    Client,
    Contact,
    ContactEvent,
    Conversation,
    CsatPrompt,
    Escalation,
    FollowUp,
    Invoice,
    Task,
    TimeEntry,
    Workspace,
)

TEAM = "T0BENCH"
NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
CLIENTS, CONTACTS, TASKS, CONVERSATIONS = 50, 50_000, 200_000, 100_000
FOLLOWUPS, ESCALATIONS, ASSIGNMENTS, PROMPTS, ENTRIES = 100_000, 2_000, 5_000, 30_000, 100_000
VAS = [f"U0VA{n}" for n in range(20)]
STAGES = ("Lead", "Booked", "Closed", "Lost")
SAMPLES = 300
CHUNK = 10_000
TARGET_MS = 150.0

SETTINGS_TOML = """
[workspace]
timezone = "America/New_York"
[roles]
owners = ["U0OWNER"]
vas = [{vas}]
"""


def _insert(engine, model, rows: list[dict]) -> None:
    table = sa.inspect(model).local_table
    with engine.begin() as connection:
        for start in range(0, len(rows), CHUNK):
            connection.execute(sa.insert(table), rows[start : start + CHUNK])


def _ago(rng: random.Random, days: int) -> datetime:
    return NOW - timedelta(seconds=rng.randrange(days * 86_400))


def populate(engine) -> None:
    rng = random.Random(16)
    _insert(engine, Workspace, [{"id": TEAM, "created_at": NOW, "next_task_number": TASKS + 1}])
    _insert(
        engine,
        Client,
        [{"team_id": TEAM, "key": f"c{n}", "name": f"Client {n}"} for n in range(CLIENTS)],
    )
    client_ids = list(range(1, CLIENTS + 1))
    contacts = []
    for n in range(CONTACTS):
        touched = _ago(rng, 200)
        contacts.append(
            {
                "team_id": TEAM,
                "name": f"Person {n} Jones",
                "name_key": f"person {n} jones",
                "client_id": rng.choice(client_ids) if rng.random() < 0.6 else None,
                "slack_user_id": f"U0C{n}" if rng.random() < 0.4 else None,
                "owner_id": rng.choice(VAS),
                "stage": rng.choice(STAGES),
                "stage_since": touched,
                "last_touch_at": touched,
                "source": "manual",
                "created_by": "U0OWNER",
                "created_at": touched,
                "updated_at": touched,
            }
        )
    _insert(engine, Contact, contacts)
    writers = [c["slack_user_id"] for c in contacts if c["slack_user_id"]]
    events = [
        {"team_id": TEAM, "contact_id": i + 1, "kind": kind, "at": c["created_at"], "note": note}
        for i, c in enumerate(contacts)
        for kind, note in (("created", None), ("note", "Called, sends the quote"))
    ]
    _insert(engine, ContactEvent, events)
    tasks = []
    for n in range(TASKS):
        created = _ago(rng, 365)
        status = rng.choice(("open", "in_progress", "waiting")) if rng.random() < 0.2 else "done"
        tasks.append(
            {
                "team_id": TEAM,
                "number": n + 1,
                "title": f"Task {n} for the client",
                "status": status,
                "client_id": rng.choice(client_ids) if rng.random() < 0.7 else None,
                "contact_id": rng.randrange(1, CONTACTS + 1) if rng.random() < 0.2 else None,
                "assignee_id": rng.choice(VAS),
                "creator_id": "U0OWNER",
                "due": (created + timedelta(days=rng.randrange(30))).date(),
                "notes": "Done as asked, with the figures" if status == "done" else None,
                "completed_at": created if status == "done" else None,
                "created_at": created,
                "updated_at": created,
                "billable": True,
                "priority": "normal",
            }
        )
    _insert(engine, Task, tasks)
    _insert(
        engine,
        FollowUp,
        [
            {
                "task_id": rng.randrange(1, TASKS + 1),
                "author_id": rng.choice(VAS),
                "text": "Chased by email",
                "created_at": _ago(rng, 365),
            }
            for _ in range(FOLLOWUPS)
        ],
    )
    conversations = []
    for _ in range(CONVERSATIONS):
        opened = _ago(rng, 365)
        is_open = rng.random() < 0.03
        conversations.append(
            {
                "team_id": TEAM,
                "client_id": rng.choice(client_ids),
                "channel_id": f"C0C{rng.randrange(CLIENTS)}",
                "thread_ts": f"{opened.timestamp():.6f}",
                "opened_by": rng.choice(writers),
                "opened_at": opened,
                "first_response_due": opened + timedelta(minutes=15),
                "last_client_at": opened,
                "first_response_at": None if is_open else opened + timedelta(minutes=5),
                "closed_at": None if is_open else opened + timedelta(hours=2),
                "asynchronous": False,
            }
        )
    _insert(engine, Conversation, conversations)
    _populate_work(engine, rng, tasks)


def _populate_work(engine, rng: random.Random, tasks: list[dict]) -> None:
    picked = rng.sample(range(1, TASKS + 1), ESCALATIONS + ASSIGNMENTS)
    _insert(
        engine,
        Escalation,
        [
            {
                "team_id": TEAM,
                "raised_by": rng.choice(VAS),
                "task_id": task_id,
                "summary": "The client disputes the invoice",
                "actions_taken": "Asked twice",
                "question": "What now?",
                "urgency": "normal",
                "created_at": _ago(rng, 365),
                "resolved_at": None if rng.random() < 0.1 else NOW,
            }
            for task_id in picked[:ESCALATIONS]
        ],
    )
    _insert(
        engine,
        Assignment,
        [
            {
                "team_id": TEAM,
                "task_id": task_id,
                "assigner_id": "U0OWNER",
                "assignee_id": tasks[task_id - 1]["assignee_id"],
                "objective": "The brief",
                "deliverables": "A report",
                "deadline": date(2026, 12, 4),
                "state": "assigned" if rng.random() < 0.05 else "approved",
                "created_at": _ago(rng, 365),
                "recurrence": "none",
                "occurrence": 0,
                "revisions": 0,
            }
            for task_id in picked[ESCALATIONS:]
        ],
    )
    done = [i + 1 for i, t in enumerate(tasks) if t["status"] == "done" and t["client_id"]]
    prompts = []
    for task_id in rng.sample(done, PROMPTS):
        asked = _ago(rng, 365)
        rated = rng.random() < 0.6
        prompts.append(
            {
                "team_id": TEAM,
                "task_id": task_id,
                "channel_id": "C0C1",
                "created_at": asked,
                "closes_at": asked + timedelta(days=3),
                "rating": rng.randrange(1, 6) if rated else None,
                "rated_at": asked + timedelta(hours=1) if rated else None,
            }
        )
    _insert(engine, CsatPrompt, prompts)
    client_tasks = [i + 1 for i, t in enumerate(tasks) if t["client_id"]]
    entries = []
    for _ in range(ENTRIES):
        start = _ago(rng, 90)
        entries.append(
            {
                "team_id": TEAM,
                "user_id": rng.choice(VAS),
                "task_id": rng.choice(client_tasks),
                "started_at": start,
                "ended_at": start + timedelta(minutes=rng.randrange(5, 120)),
                "created_at": start,
                "source": "timer",
                "billable": True,
            }
        )
    _insert(engine, TimeEntry, entries)
    invoices = []
    for client_id in range(1, CLIENTS + 1):
        for month in (9, 10):
            issued = date(2026, month + 1, 1)
            invoices.append(
                {
                    "team_id": TEAM,
                    "number": f"INV-2026-{client_id * 10 + month:04d}",
                    "year": 2026,
                    "seq": client_id * 10 + month,
                    "client_id": client_id,
                    "client_name": f"Client {client_id - 1}",
                    "period_start": date(2026, month, 1),
                    "period_end": issued - timedelta(days=1),
                    "issued_on": issued,
                    "due_on": issued + timedelta(days=30),
                    "currency": "USD",
                    "subtotal_minor": 100_000,
                    "tax_minor": 0,
                    "total_minor": 100_000,
                    "terms": "{}",
                    "sender": "{}",
                    "status": "open",
                    "created_by": "U0OWNER",
                    "created_at": NOW,
                }
            )
    _insert(engine, Invoice, invoices)


class Statements:
    """The statements a unit of work sends, to show their plans."""

    def __init__(self, engine) -> None:
        self.seen: list[tuple[str, object]] = []
        self.on = False
        event.listen(engine, "before_cursor_execute", self._record)

    def _record(self, _conn, _cursor, statement, parameters, _context, _many) -> None:
        if self.on:
            self.seen.append((statement, parameters))


def _plans(engine, statements: list[tuple[str, object]]) -> list[str]:
    postgres = engine.dialect.name == "postgresql"
    lines = []
    with engine.connect() as connection:
        for statement, parameters in statements:
            raw = connection.connection.cursor()
            explain = "EXPLAIN " if postgres else "EXPLAIN QUERY PLAN "
            raw.execute(explain + statement, parameters)
            rows = [" | ".join(str(v) for v in row) for row in raw.fetchall()]
            lines.append(" ".join(statement.split())[:160])
            lines += [f"    {row}" for row in rows]
    return lines


def _timed(engine, settings, actor, **which) -> float:
    started = time.perf_counter()
    with Session(engine) as session:
        if "contact_id" in which:
            contact = session.get(Contact, which["contact_id"])
            picture = build_picture(session, settings, actor, contact=contact)
        else:
            picture = build_picture(
                session, settings, actor, client=session.get(Client, which["client_id"])
            )
        card_blocks(picture, settings)
    return (time.perf_counter() - started) * 1000


def _baseline(engine, contact_id: int) -> float:
    started = time.perf_counter()
    with Session(engine) as session:
        key = f"person {contact_id - 1} jones"
        session.exec(select(Contact).where(Contact.team_id == TEAM, Contact.name_key == key)).all()
    return (time.perf_counter() - started) * 1000


def _summary(label: str, times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    return (
        f"{label}: p50 {statistics.median(ordered):.1f} ms, p95 {p95:.1f} ms, "
        f"max {ordered[-1]:.1f} ms ({len(ordered)} pictures)"
    )


def _load(url: str, reuse: bool):
    """The bench's data: written afresh, or the database's as a previous run left it."""
    engine = create_db_engine(url)
    with Session(engine) as session:
        try:
            written = session.get(Workspace, TEAM) is not None
        except sa.exc.SQLAlchemyError:
            written = False
    if reuse and written:
        migrate(engine)
        print(f"## {engine.dialect.name}: the data of a previous run")
        return engine
    engine.dispose()
    if url.startswith("postgresql"):
        empty_postgres(url)
    elif url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    engine = create_db_engine(url)
    migrate(engine)
    loading = time.perf_counter()
    populate(engine)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(sa.text("ANALYZE"))
    print(f"## {engine.dialect.name}: data written in {time.perf_counter() - loading:.0f} s")
    return engine


def run(url: str, workdir: Path, reuse: bool = False) -> None:
    engine = _load(url, reuse)
    toml = workdir / "vadesk.toml"
    toml.write_text(SETTINGS_TOML.format(vas=", ".join(f'"{va}"' for va in VAS)))
    settings = load_settings(
        {"VADESK_CONFIG": str(toml), "DATABASE_URL": url}, load_dotenv_file=False
    )
    clock.set_now(NOW)
    with Session(engine) as session:
        va = resolve_actor(session, settings, TEAM, "U0VA1")
        owner = resolve_actor(session, settings, TEAM, "U0OWNER")
        session.commit()
    rng = random.Random(7)
    sample = rng.sample(range(1, CONTACTS + 1), SAMPLES)
    statements = Statements(engine)
    statements.on = True
    _timed(engine, settings, owner, contact_id=sample[0])
    statements.on = False
    for line in _plans(engine, statements.seen):
        print(line)
    baseline = [_baseline(engine, contact_id) for contact_id in sample]
    as_va = [_timed(engine, settings, va, contact_id=contact_id) for contact_id in sample]
    as_owner = [_timed(engine, settings, owner, contact_id=contact_id) for contact_id in sample]
    clients = [_timed(engine, settings, owner, client_id=c) for c in range(1, CLIENTS + 1)]
    print(_summary("baseline (the contact's row by its name)", baseline))
    cases = (
        ("contact, as a VA", as_va),
        ("contact, as an owner", as_owner),
        ("client, as an owner", clients),
    )
    for label, times in cases:
        p95 = sorted(times)[int(len(times) * 0.95) - 1]
        verdict = "PASS" if p95 < TARGET_MS else "MISS"
        ratio = statistics.median(times) / statistics.median(baseline)
        print(f"{_summary(label, times)}; {ratio:.0f}x the baseline's median")
        print(f"    p95 {verdict} (< {TARGET_MS:.0f} ms)")
    engine.dispose()


def bench_main(description: str, run_on, prefix: str) -> None:
    """The command line of this bench and of find_bench: `--database-url`, `--reuse`."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--database-url", default=None, help="default: SQLite in a temp dir")
    parser.add_argument(
        "--reuse", action="store_true", help="time the data a previous run left in the database"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        run_on(url, Path(tmp), args.reuse)


def main() -> None:
    bench_main(__doc__.splitlines()[0], run, "vadesk-picture-bench-")


if __name__ == "__main__":
    main()
