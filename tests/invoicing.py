"""What the invoice tests share: settings with a `[billing]` of the test's own, and a
ledger that writes tasks and time entries as the app stores them (Ana in New York, Ken
in Tokyo), on a clock pinned to Friday 2026-12-04, 10:00 in New York."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot import clock
from bot.services.billing.drafting import draft_invoice
from bot.services.billing.drafts import Draft
from bot.services.people import ensure_workspace
from bot.settings import Settings, load_settings
from store.db import session_scope
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
)
from tests.conftest import CONFIG_TOML, TEAM

NOW = "2026-12-04T15:00:00Z"
NY = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")
NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))
ANA, KEN, OWNER = "U0VA1", "U0VA2", "U0OWNER"


def billing_settings(tmp_path: Path, database_url: str, billing: str) -> Settings:
    """The suite's settings (conftest.CONFIG_TOML) with `billing` (TOML) added."""
    path = tmp_path / "vadesk.toml"
    path.write_text(CONFIG_TOML + "\n" + billing, encoding="utf-8")
    return load_settings(
        {"VADESK_CONFIG": str(path), "DATABASE_URL": database_url}, load_dotenv_file=False
    )


def ny(*args: int) -> datetime:
    return datetime(*args, tzinfo=NY).astimezone(UTC)


def tokyo(*args: int) -> datetime:
    return datetime(*args, tzinfo=TOKYO).astimezone(UTC)


class Ledger:
    """Tasks and time entries written straight to the store, as the app leaves them."""

    def __init__(self, engine: sa.engine.Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings
        self.numbers = 0
        self.tasks: list[int] = []
        clock.set_now(NOW)
        with session_scope(engine) as session:
            ensure_workspace(session, settings, TEAM)
            for user_id, zone, name in (
                (ANA, "America/New_York", "Ana Souza"),
                (KEN, "Asia/Tokyo", "Ken Sato"),
                (OWNER, "America/New_York", "Olivia"),
            ):
                session.add(User(team_id=TEAM, id=user_id, timezone=zone, display_name=name))
            self.numbers = session.exec(select(sa.func.count()).select_from(Task)).one()

    def client_id(self, key: str) -> int:
        with Session(self.engine) as session:
            client = session.exec(
                select(Client).where(Client.team_id == TEAM, Client.key == key)
            ).one()
            assert client.id is not None
            return client.id

    def task(
        self,
        title: str,
        client: str | None = "acme",
        category: str | None = None,
        billable: bool = True,
        done_at: datetime | None = None,
    ) -> int:
        self.numbers += 1
        now = clock.now()
        with session_scope(self.engine) as session:
            task = Task(
                team_id=TEAM,
                number=self.numbers,
                title=title,
                category=category,
                client_id=self.client_id(client) if client else None,
                creator_id=OWNER,
                assignee_id=ANA,
                status="done" if done_at else "open",
                completed_at=done_at,
                billable=billable,
                created_at=now,
                updated_at=now,
            )
            session.add(task)
            session.flush()
            assert task.id is not None
            return task.id

    def entry(
        self,
        task_id: int,
        start: datetime,
        seconds: int | None,
        user_id: str = ANA,
        billable: bool = True,
    ) -> int:
        """An entry of `seconds` from `start` (UTC); None: a timer still running."""
        with session_scope(self.engine) as session:
            entry = TimeEntry(
                team_id=TEAM,
                user_id=user_id,
                task_id=task_id,
                started_at=start,
                ended_at=None if seconds is None else start + timedelta(seconds=seconds),
                billable=billable,
                created_at=start,
            )
            session.add(entry)
            session.flush()
            assert entry.id is not None
            return entry.id

    def draft(self, key: str = "acme", period: tuple[date, date] = NOVEMBER) -> Draft:
        with session_scope(self.engine) as session:
            return draft_invoice(session, self.settings, TEAM, self.client_id(key), *period)

    def raw_times(self) -> list[tuple[int, datetime, datetime | None]]:
        with Session(self.engine) as session:
            rows = session.exec(
                select(TimeEntry.id, TimeEntry.started_at, TimeEntry.ended_at).order_by(
                    col(TimeEntry.id)
                )
            )
            return [(entry_id or 0, start, end) for entry_id, start, end in rows]

    def locks(self) -> dict[int, int | None]:
        with Session(self.engine) as session:
            return dict(session.exec(select(TimeEntry.id, TimeEntry.invoice_id)).all())

    def forget_time(self) -> None:
        """Remove every entry, invoice and number: a property's next example starts empty."""
        with session_scope(self.engine) as session:
            for table in (InvoiceEntry, InvoiceLine):
                session.execute(sa.delete(table))
            session.execute(sa.update(TimeEntry).values(invoice_id=None))
            for table in (TimeEntry, Invoice, InvoiceSequence, AuditRecord):
                session.execute(sa.delete(table))
