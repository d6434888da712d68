"""The migrations build exactly the tables the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

import store.models  # noqa: F401  (registers the tables)
from store.search import is_search_schema


def _modelled(name, type_, parent_names) -> bool:
    """The search index (FTS5 tables and their shadows on SQLite, the generated tsvector
    column and its GIN index on PostgreSQL) is built by migration 0014 from the rows and
    described by no model; store/search.py names exactly those objects."""
    return not is_search_schema(name, type_, parent_names)


def test_migrations_match_the_models(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": False, "include_name": _modelled}
        )
        differences = compare_metadata(context, SQLModel.metadata)
    assert differences == []
