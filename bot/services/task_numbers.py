"""A workspace's task numbers (`T-n`): each task takes the next one, without gaps and
without two tasks ever sharing one, however many are made at once."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session

from store.models import Workspace
from store.prepared import Prepared

_WORKSPACES: sa.Table = Workspace.__table__  # type: ignore[attr-defined]
# Built once: every new task takes a number.
_TAKE = Prepared(
    sa.update(_WORKSPACES)
    .where(_WORKSPACES.c.id == sa.bindparam("team"))
    .values(next_task_number=_WORKSPACES.c.next_task_number + 1)
    .returning(_WORKSPACES.c.next_task_number)
)


def take_task_number(session: Session, team_id: str) -> int:
    """The workspace's next number, taken: one UPDATE … RETURNING, so concurrent makers
    wait their turn on the workspace's row (the row must exist)."""
    taken = _TAKE.scalar(session, {"team": team_id})
    if taken is None:
        raise LookupError(f"workspace {team_id} has no row to number its tasks from")
    return int(taken) - 1
