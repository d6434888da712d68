"""A workspace's task numbers (`T-n`): each task takes the next one, without gaps and
without two tasks ever sharing one, however many are made at once."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session, col

from store.models import Workspace


def take_task_number(session: Session, team_id: str) -> int:
    """The workspace's next number, taken: one UPDATE … RETURNING, so concurrent makers
    wait their turn on the workspace's row (the row must exist)."""
    taken: int = session.exec(
        sa.update(Workspace)
        .where(col(Workspace.id) == team_id)
        .values(next_task_number=Workspace.next_task_number + 1)
        .returning(col(Workspace.next_task_number))
    ).scalar_one()
    return taken - 1
