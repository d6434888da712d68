"""The database as the `vadesk` commands open it: one line for an unusable DATABASE_URL or
an unreachable database, never a traceback, and PostgreSQL refused until it is migrated.
The commands in modules of their own (contacts import and export) open it here too."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from bot.services.errors import VADeskError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from bot.settings import Settings


def database_engine(settings: Settings) -> Engine:
    from sqlalchemy.exc import ArgumentError

    from store.db import create_db_engine

    try:
        return create_db_engine(settings.database_url, settings.database_pool_size)
    except (ArgumentError, ImportError) as error:
        raise VADeskError(f"DATABASE_URL is not a database VA Desk can use: {error}") from None


@contextmanager
def reachable_database() -> Iterator[None]:
    """An unreachable database is one line for the console, not a traceback."""
    from sqlalchemy.exc import OperationalError

    try:
        yield
    except OperationalError as error:
        detail = str(error.orig or error).strip().splitlines()[0]
        raise VADeskError(f"cannot open the database (DATABASE_URL): {detail}") from None


def ready_engine(settings: Settings) -> Engine:
    """SQLite is migrated at start; PostgreSQL must be migrated on purpose first."""
    from store.db import current_revision, head_revision, migrate
    from store.sql import is_sqlite

    engine = database_engine(settings)
    with reachable_database():
        if is_sqlite(engine):
            migrate(engine)
        elif current_revision(engine) != head_revision():
            raise VADeskError(
                f"The database is at revision {current_revision(engine) or 'none'}, "
                f"the code needs {head_revision()}: run `vadesk migrate` first."
            )
    return engine
