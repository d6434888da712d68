"""What the contact tests share: a workspace with contacts, tasks, follow-ups, client
chats, escalations, delegated work, CSAT ratings, time and invoices written straight to
the store as the app leaves them, on the suite's clock (PINNED_NOW, Monday 2026-11-30)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from bot import clock
from bot.services import contacts
from bot.services.contacts import NewContact
from bot.services.people import Actor, ensure_workspace
from bot.settings import Settings
from store.db import session_scope
from store.models import (
    Assignment,
    Client,
    Contact,
    Conversation,
    CsatPrompt,
    Escalation,
    FollowUp,
    Invoice,
    Task,
    TimeEntry,
)
from tests.conftest import PINNED_NOW, TEAM

NOW = datetime.fromisoformat(PINNED_NOW.replace("Z", "+00:00"))


class World:
    def __init__(self, engine: sa.engine.Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings
        clock.set_now(NOW)
        with session_scope(engine) as session:
            ensure_workspace(session, settings, TEAM)
            self.numbers = session.exec(select(sa.func.count()).select_from(Task)).one()

    def client_id(self, key: str) -> int:
        with Session(self.engine) as session:
            row = session.exec(select(Client).where(Client.team_id == TEAM, Client.key == key))
            found = row.one().id
            assert found is not None
            return found

    def contact(self, actor: Actor, name: str, **fields) -> Contact:
        if isinstance(fields.get("client_id"), str):
            fields["client_id"] = self.client_id(fields["client_id"])
        with session_scope(self.engine) as session:
            made = contacts.create_contact(
                session, self.settings, actor, NewContact(name=name, **fields)
            )
            session.flush()
            return made

    def task(
        self,
        title: str,
        client: str | None = "acme",
        contact: Contact | None = None,
        status: str = "open",
        assignee: str | None = "U0VA1",
        due: date | None = None,
        **fields,
    ) -> Task:
        self.numbers += 1
        now = clock.now()
        with session_scope(self.engine) as session:
            task = Task(
                team_id=TEAM,
                number=self.numbers,
                title=title,
                client_id=self.client_id(client) if client else None,
                contact_id=contact.id if contact else None,
                creator_id="U0OWNER",
                assignee_id=assignee,
                status=status,
                due=due,
                completed_at=now if status == "done" else None,
                created_at=now,
                updated_at=now,
                **fields,
            )
            session.add(task)
            session.flush()
            return task

    def followup(self, task: Task, text: str, minutes: int, author: str = "U0VA1") -> None:
        with session_scope(self.engine) as session:
            session.add(
                FollowUp(
                    task_id=task.id,
                    author_id=author,
                    text=text,
                    created_at=NOW - timedelta(minutes=minutes),
                )
            )

    def delegate(self, task: Task, assignee: str = "U0VA2", state: str = "assigned") -> None:
        with session_scope(self.engine) as session:
            session.add(
                Assignment(
                    team_id=TEAM,
                    task_id=task.id,
                    assigner_id="U0OWNER",
                    assignee_id=assignee,
                    objective="The secret objective",
                    deliverables="A report",
                    deadline=date(2026, 12, 4),
                    state=state,
                    created_at=NOW - timedelta(hours=3),
                )
            )

    def escalation(self, task: Task, summary: str, resolved: bool = False) -> Escalation:
        with session_scope(self.engine) as session:
            row = Escalation(
                team_id=TEAM,
                raised_by="U0VA1",
                task_id=task.id,
                summary=summary,
                actions_taken="Asked twice",
                question="What now?",
                urgency="urgent",
                created_at=NOW - timedelta(hours=1),
                channel_id="C0ESC",
                message_ts="1700000000.000900",
                resolved_at=NOW if resolved else None,
                resolved_by="U0SUPER" if resolved else None,
            )
            session.add(row)
            session.flush()
            return row

    def conversation(
        self, opened_by: str, minutes_ago: int, client: str = "acme", **fields
    ) -> Conversation:
        opened = NOW - timedelta(minutes=minutes_ago)
        with session_scope(self.engine) as session:
            row = Conversation(
                team_id=TEAM,
                client_id=self.client_id(client),
                channel_id="C0ACME" if client == "acme" else "C0GLOBEX",
                thread_ts=f"{opened.timestamp():.6f}",
                opened_by=opened_by,
                opened_at=opened,
                first_response_due=opened + timedelta(minutes=15),
                last_client_at=opened,
                **fields,
            )
            session.add(row)
            session.flush()
            return row

    def rating(self, task: Task, rating: int, minutes_ago: int) -> None:
        with session_scope(self.engine) as session:
            session.add(
                CsatPrompt(
                    team_id=TEAM,
                    task_id=task.id,
                    channel_id="C0ACME",
                    created_at=NOW - timedelta(days=1),
                    closes_at=NOW + timedelta(days=1),
                    rater_id="U0CLIENT",
                    rating=rating,
                    rated_at=NOW - timedelta(minutes=minutes_ago),
                )
            )

    def entry(self, task: Task, start: datetime, seconds: int, user_id: str = "U0VA1") -> None:
        with session_scope(self.engine) as session:
            session.add(
                TimeEntry(
                    team_id=TEAM,
                    user_id=user_id,
                    task_id=task.id,
                    started_at=start,
                    ended_at=start + timedelta(seconds=seconds),
                    created_at=start,
                )
            )

    def invoice(self, client: str, number: str, issued_on: date, total_minor: int) -> None:
        with session_scope(self.engine) as session:
            session.add(
                Invoice(
                    team_id=TEAM,
                    number=number,
                    year=issued_on.year,
                    seq=int(number.rsplit("-", 1)[1]),
                    client_id=self.client_id(client),
                    client_name="Acme Corp",
                    period_start=issued_on.replace(day=1),
                    period_end=issued_on,
                    issued_on=issued_on,
                    due_on=issued_on + timedelta(days=30),
                    currency="USD",
                    subtotal_minor=total_minor,
                    tax_minor=0,
                    total_minor=total_minor,
                    terms="{}",
                    sender="{}",
                    created_by="U0OWNER",
                    created_at=datetime.combine(issued_on, datetime.min.time(), tzinfo=UTC),
                )
            )


def mrkdwn_texts(node) -> list[str]:
    """Every mrkdwn text of a message's blocks (plain text is shown as typed)."""
    if isinstance(node, list):
        return [text for item in node for text in mrkdwn_texts(item)]
    if not isinstance(node, dict):
        return []
    own = [node["text"]] if node.get("type") == "mrkdwn" else []
    return own + [text for value in node.values() for text in mrkdwn_texts(value)]
