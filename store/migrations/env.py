"""Alembic environment: runs on the engine VA Desk hands over."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import store.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from store.search import is_search_schema

target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    engine = context.config.attributes["engine"]
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            # The search index is derived from the rows by the database (migration 0014),
            # not described by the models: autogenerate must not offer to drop it.
            include_name=lambda name, type_, parents: not is_search_schema(name, type_, parents),
        )
        context.run_migrations()


run_migrations_online()
