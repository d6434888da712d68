"""Helpers for tests of scheduled work: a workspace with a VA in New York and one in
Manila, a digest channel, and the scheduler wired to the fake Slack."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import select

from bot import clock
from bot.scheduling.notify import Notifier, Outcome, RateGate
from bot.scheduling.scheduler import Scheduler
from bot.settings import Settings, load_settings
from bot.slack.web_client import make_posting_client, make_web_client
from store.db import session_scope
from store.models import ConversationEvent, Delivery
from tests.fakeslack import FakeSlack

BOT_TOKEN = "xoxb-test-token"
TEAM = "T0TEAM"
NY_VA, MANILA_VA, SUPER, OWNER = "U0VA1", "U0VA2", "U0SUPER", "U0OWNER"

SCHEDULE_TOML = """
[workspace]
timezone = "America/New_York"
business_hours = "09:00-17:00"
holidays = ["2026-12-25"]

[roles]
owners = ["U0OWNER"]
supervisors = ["U0SUPER"]
vas = ["U0VA1", "U0VA2"]

[channels]
digest = "C0DIGEST"

[clients.acme]
name = "Acme Corp"
channel = "C0ACME"
"""


def schedule_settings(tmp_path: Path, database_url: str, fake: FakeSlack, extra: str = ""):
    path = tmp_path / "schedule.toml"
    path.write_text(SCHEDULE_TOML + extra, encoding="utf-8")
    return load_settings(
        {
            "VADESK_CONFIG": str(path),
            "DATABASE_URL": database_url,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": "test-signing-secret",
            "SLACK_API_URL": fake.base_url,
        },
        load_dotenv_file=False,
    )


@dataclass
class Rig:
    settings: Settings
    engine: sa.engine.Engine
    fake: FakeSlack

    def scheduler(self) -> Scheduler:
        return Scheduler(self.settings, self.engine, make_web_client(BOT_TOKEN, self.fake.base_url))

    def notifier(self, per_channel: float = 0.0) -> Notifier:
        client = make_posting_client(BOT_TOKEN, self.fake.base_url)
        return Notifier(client, self.engine, RateGate(per_channel, 1000.0))

    def tick(self, at: str, only: str | None = None) -> list[Outcome]:
        """One scheduler tick at a pinned instant."""
        clock.set_now(at)
        return self.scheduler().run_due(self.notifier(), clock.now(), only=only)

    def posts(self, channel: str | None = None) -> list:
        calls = [c for c in self.fake.calls("chat.postMessage") if c.status == 200]
        return [c for c in calls if channel is None or c.params.get("channel") == channel]

    def deliveries(self) -> list[Delivery]:
        with session_scope(self.engine) as session:
            return list(session.exec(select(Delivery).order_by(Delivery.id)))


def posted_to(outcomes: list[Outcome]) -> list[tuple[str, str]]:
    return sorted((o.outgoing.job, o.outgoing.recipient) for o in outcomes if o.status == "posted")


def conversation_event_kinds(engine: sa.engine.Engine, conversation_id: int) -> list[str]:
    """What happened to a client conversation, in order (opened, assigned, breach, ...)."""
    with session_scope(engine) as session:
        return list(
            session.exec(
                select(ConversationEvent.kind)
                .where(ConversationEvent.conversation_id == conversation_id)
                .order_by(ConversationEvent.id)
            )
        )
