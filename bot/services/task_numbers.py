"""A workspace's task numbers (`T-n`): each task takes the next one, without gaps and
without two tasks ever sharing one, however many are made at once."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session

from store.models import Workspace

_WORKSPACES: sa.Table = Workspace.__table__  # type: ignore[attr-defined]
# Built once: every new task takes a number.
_TAKE = (
    sa.update(_WORKSPACES)
    .where(_WORKSPACES.c.id == sa.bindparam("team"))
    .values(next_task_number=_WORKSPACES.c.next_task_number + 1)
    .returning(_WORKSPACES.c.next_task_number)
)


def take_task_number(session: Session, team_id: str) -> int:
    """The workspace's next number, taken: one UPDATE … RETURNING, so concurrent makers
    wait their turn on the workspace's row (the row must exist)."""
    taken: int = session.execute(_TAKE, {"team": team_id}).scalar_one()
    return taken - 1
