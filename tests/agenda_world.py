"""A desk for the agenda's tests: people in New York and Manila, an owner's calendar
feed stored as the refresh leaves it (the feed row and its occurrences), and work of
every kind due on chosen days. The suite's clock: Monday 2026-11-30 14:00 UTC (09:00 in
New York, 22:00 in Manila)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from store.db import session_scope
from store.models import Assignment, CalendarFeed, CalendarOccurrence, FollowUp, Task
from tests.contact_world import NOW, World

AGENDA_TOML = """
[users.U0OWNER]
timezone = "America/New_York"
calendar = "{folder}/olivia.ics"

[users.U0MANILA]
timezone = "Asia/Manila"
calendar = "{folder}/maria.ics"

[users.U0VA1]
timezone = "Asia/Manila"
phase = "III"
supports = ["U0OWNER"]

[users.U0VA2]
phase = "II"
supports = ["U0OWNER"]
"""
EXTRA_ROLES = ("U0MANILA",)


def agenda_toml(base: str, folder: Path) -> str:
    """The suite's settings with the agenda's people; U0MANILA is a second owner."""
    roles = base.replace('owners = ["U0OWNER"]', 'owners = ["U0OWNER", "U0MANILA"]')
    return roles + AGENDA_TOML.format(folder=folder.as_posix())


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


class AgendaWorld(World):
    def feed(
        self,
        user_id: str,
        title: str,
        *,
        good_at: datetime | None = NOW - timedelta(minutes=5),
        error: str | None = None,
    ) -> str:
        key = f"user:{user_id}"
        with session_scope(self.engine) as session:
            session.add(
                CalendarFeed(
                    feed_key=key,
                    source_fingerprint="0" * 64,
                    title=title,
                    checked_at=NOW - timedelta(minutes=1),
                    good_at=good_at,
                    error=error,
                    failures=1 if error else 0,
                )
            )
        return key

    def event(
        self,
        key: str,
        summary: str,
        start: str,
        end: str,
        *,
        uid: str | None = None,
        location: str = "",
    ) -> None:
        with session_scope(self.engine) as session:
            session.add(
                CalendarOccurrence(
                    feed_key=key,
                    uid=uid or f"{summary}-{start}@test",
                    start_at=utc(start),
                    end_at=utc(end),
                    summary=summary,
                    location=location,
                )
            )

    def all_day(self, key: str, summary: str, first: date, last: date) -> None:
        with session_scope(self.engine) as session:
            session.add(
                CalendarOccurrence(
                    feed_key=key,
                    uid=f"{summary}@test",
                    start_at=datetime.combine(first, datetime.min.time(), UTC),
                    end_at=datetime.combine(last + timedelta(days=1), datetime.min.time(), UTC),
                    all_day=True,
                    first_day=first,
                    last_day=last,
                    summary=summary,
                )
            )

    def followup_due(self, task: Task, text: str, due: date) -> None:
        with session_scope(self.engine) as session:
            session.add(
                FollowUp(task_id=task.id, author_id="U0OWNER", text=text, due=due, created_at=NOW)
            )

    def deadline(
        self, task: Task, assignee: str, deadline: date, assigner: str = "U0OWNER"
    ) -> None:
        with session_scope(self.engine) as session:
            session.add(
                Assignment(
                    team_id=task.team_id,
                    task_id=task.id,
                    assigner_id=assigner,
                    assignee_id=assignee,
                    objective="The secret objective",
                    deliverables="A report",
                    deadline=deadline,
                    created_at=NOW - timedelta(hours=3),
                )
            )

    def occurrences(self) -> int:
        with session_scope(self.engine) as session:
            return session.exec(sa.select(sa.func.count()).select_from(CalendarOccurrence)).one()[0]
