"""The scheduler's beat in the database: each tick's row written when it ends, read by
`/healthz` on any replica. With several schedulers the tick that ended last wins."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel, select

from store.db import session_scope
from store.models import SchedulerBeat
from store.sql import is_sqlite


def record_tick(
    engine: Engine, tick: str, started_at: datetime, finished_at: datetime, ok: bool, process: str
) -> None:
    """Upsert the tick's row unless another scheduler's tick of the kind ended later."""
    table = SQLModel.metadata.tables[SchedulerBeat.__tablename__]
    values = {
        "tick": tick,
        "started_at": started_at,
        "finished_at": finished_at,
        "duration_ms": round((finished_at - started_at).total_seconds() * 1000),
        "ok": ok,
        "process": process[:120],
    }
    with session_scope(engine) as session:
        insert = sqlite.insert if is_sqlite(session) else postgresql.insert
        statement = insert(table).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=["tick"],
            set_={name: statement.excluded[name] for name in values if name != "tick"},
            where=table.c.finished_at <= statement.excluded.finished_at,
        )
        session.execute(statement)


def last_ticks(engine: Engine) -> list[SchedulerBeat]:
    with session_scope(engine) as session:
        return list(session.exec(select(SchedulerBeat).order_by(SchedulerBeat.tick)).all())
