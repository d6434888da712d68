"""Full-text search in each database's own index (migration 0014), written once here.

What is indexed: a contact's name, company, email and phone; its notes (contact events of
kind `note`); a client's name and key; a task's title, description and notes. SQLite keeps
one FTS5 table per source (`contact_fts`, `contact_note_fts`, `client_fts`, `task_fts`),
each with the source table as its external content and filled by triggers on that table;
PostgreSQL keeps a `search_vector` tsvector column generated from the row, with a GIN index.
Either way the index changes in the statement that changes the row, whatever code wrote
it (ORM or Core), so it is current in the same transaction.

Both databases see the same words: text is lowercased, the accents of `ACCENTED` are taken
off (`PLAIN`) and the punctuation PostgreSQL's parser would keep inside a token (`SPLIT`:
`bob@jones.com`, `555-123-4567`) separates words, as SQLite's unicode61 tokenizer does.
Search terms are letters and digits only (`words_of`), so nothing a person types reaches
either database's query syntax: no FTS5 operator, column filter or tsquery operator.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session

from store.models import Client, Contact, ContactEvent, Task
from store.sql import is_sqlite

# Lowercase letters whose accent is taken off, and the letter each becomes: those SQLite's
# unicode61 tokenizer (remove_diacritics 2) takes off too; the letters it keeps as they are
# (ł, ø, đ, ħ, ŧ) both databases keep. Migration 0014 has the same two strings in
# PostgreSQL's vadesk_search_text(); tests compare them.
ACCENTED = "àáâãäåāăąçćĉċčďèéêëēĕėęěĝğġģĥìíîïĩīĭįĵķĺļľñńņňòóôõöōŏőŕŗřśŝşšţťùúûüũūŭůűųŵýÿŷźżž"
PLAIN = "aaaaaaaaacccccdeeeeeeeeegggghiiiiiiiijklllnnnnoooooooorrrssssttuuuuuuuuuuwyyyzzz"
SPLIT = "@.-/+~_:"
_FOLD = str.maketrans(ACCENTED + SPLIT, PLAIN + " " * len(SPLIT))
_WORD = re.compile(r"[^\W_]+")

# Tasks and notes (which grow without bound) are ranked among their newest matching rows
# on SQLite: bm25 costs a read per matching row, and a word written in most tasks' notes
# would otherwise rank every task. PostgreSQL's ts_rank reads the row it already has.
RANKED_NEWEST = 20_000

# The shortest last term searched as a prefix ("Jon" finds Jones) when it is alone: a
# single letter on its own would be nearly every word; after another word ("Bob J") it is.
MIN_PREFIX_CHARS = 2

SEARCHED_TABLES = ("contact", "contact_event", "client", "task")
# SQLite: each FTS5 table and the shadow tables FTS5 makes for it (external content: none
# for the content itself).
FTS_TABLES = ("contact_fts", "contact_note_fts", "client_fts", "task_fts")
_FTS5_SHADOWS = ("data", "idx", "docsize", "config")
# PostgreSQL: the generated column and its GIN index on each searched table.
VECTOR_COLUMN = "search_vector"


def fold(text: str) -> str:
    """The text as both indexes see it: lowercase, common accents off, `SPLIT` as spaces."""
    return text.lower().translate(_FOLD)


def words_of(text: str) -> list[str]:
    """The words of a text as the indexes split it: runs of letters and digits."""
    return _WORD.findall(fold(text))


def is_search_schema(name: str | None, type_: str, parent_names: Mapping[Any, str | None]) -> bool:
    """Whether a database object is the search index rather than a model's table: the
    FTS5 tables and their shadows (SQLite), the generated column and its GIN index
    (PostgreSQL). Alembic's comparison with the models leaves exactly these out: the
    models describe rows, and the index is derived from them by the database."""
    if name is None:
        return False
    if type_ == "table":
        return name in FTS_TABLES or any(
            name == f"{table}_{shadow}" for table in FTS_TABLES for shadow in _FTS5_SHADOWS
        )
    table = parent_names.get("table_name")
    if table not in SEARCHED_TABLES:
        return False
    if type_ == "column":
        return name == VECTOR_COLUMN
    return type_ == "index" and name == f"ix_{table}_search"


@dataclass(frozen=True)
class Hit:
    """One indexed row that matched: a contact, a note, a client or a task, with the
    contact or client it is about, and its rank (higher is better, within its source)."""

    source: str  # contact | note | client | task
    row_id: int
    contact_id: int | None
    client_id: int | None
    score: float


def last_is_prefix(terms: Sequence[str]) -> bool:
    return bool(terms) and (len(terms) > 1 or len(terms[-1]) >= MIN_PREFIX_CHARS)


def fts5_query(terms: Sequence[str]) -> str:
    """`"bob" AND "jon"*`: every term as an FTS5 string, the last one also as a prefix."""
    parts = ['"' + term.replace('"', '""') + '"' for term in terms]
    if last_is_prefix(terms):
        parts[-1] += "*"
    return " AND ".join(parts)


def tsquery_text(terms: Sequence[str]) -> str:
    """`'bob' & 'jon':*`: every term as a quoted lexeme, the last one also as a prefix."""
    parts = ["'" + term.replace("'", "''").replace("\\", "\\\\") + "'" for term in terms]
    if last_is_prefix(terms):
        parts[-1] += ":*"
    return " & ".join(parts)


def _table(model: type[Any]) -> sa.Table:
    table = model.__table__
    assert isinstance(table, sa.Table)
    return table


def _sqlite_source(
    fts: str, table: sa.Table, weights: tuple[float, ...], bounded: bool
) -> tuple[sa.FromClause, ColumnElement[Any], ColumnElement[bool]]:
    index = sa.table(fts, sa.column("rowid"))
    rank = sa.func.bm25(sa.literal_column(fts), *weights)
    matches: ColumnElement[bool] = sa.literal_column(fts).op("MATCH")(sa.bindparam("fts_query"))
    if bounded:
        # The newest RANKED_NEWEST matching rows only: FTS5 walks a term's rows in rowid
        # order, so the floor costs a few milliseconds, and bm25 then reads the sizes of
        # at most that many rows instead of every one (131 -> 31 ms for a word in 160,000
        # tasks' notes, bench/find_bench.py).
        newest = sa.table(fts, sa.column("rowid"))
        floor = (
            sa.select(newest.c.rowid)
            .where(sa.literal_column(fts).op("MATCH")(sa.bindparam("fts_query")))
            .order_by(newest.c.rowid.desc())
            .limit(1)
            .offset(RANKED_NEWEST - 1)
            .scalar_subquery()
        )
        matches = sa.and_(matches, index.c.rowid >= sa.func.coalesce(floor, 0))
    return index.join(table, table.c.id == index.c.rowid), -rank, matches


def _postgres_source(
    table: sa.Table,
) -> tuple[sa.FromClause, ColumnElement[Any], ColumnElement[bool]]:
    vector: ColumnElement[Any] = sa.literal_column(f"{table.name}.{VECTOR_COLUMN}")
    query = sa.func.to_tsquery(sa.literal_column("'simple'::regconfig"), sa.bindparam("ts_query"))
    return table, sa.func.ts_rank(vector, query), vector.op("@@")(query)


def hits_statement(sqlite: bool, task_filter: ColumnElement[bool] | None = None) -> Any:
    """The one statement that finds the best rows of each source, bound by name:
    `team_id`, `per_source` (rows per source), the query (`query_params`) and whatever
    `task_filter` binds. `task_filter` leaves out tasks the searcher may not read (a
    colleague's delegated brief)."""
    contact, event = _table(Contact), _table(ContactEvent)
    client, task = _table(Client), _table(Task)
    sources: list[tuple[str, sa.Table, str, tuple[float, ...]]] = [
        ("contact", contact, "contact_fts", (10.0, 4.0, 2.0, 2.0)),
        ("note", event, "contact_note_fts", (1.0,)),
        ("client", client, "client_fts", (10.0, 10.0)),
        ("task", task, "task_fts", (4.0, 1.0, 1.0)),
    ]
    targets: dict[str, tuple[ColumnElement[Any], ColumnElement[Any]]] = {
        "contact": (contact.c.id, sa.null()),
        "note": (event.c.contact_id, sa.null()),
        "client": (sa.null(), client.c.id),
        "task": (task.c.contact_id, task.c.client_id),
    }
    team_id = sa.bindparam("team_id", type_=sa.String)
    per_source = sa.bindparam("per_source", type_=sa.Integer)
    selects = []
    for source, table, fts, weights in sources:
        joined, score, matches = (
            _sqlite_source(fts, table, weights, bounded=source in ("note", "task"))
            if sqlite
            else _postgres_source(table)
        )
        about_contact, about_client = targets[source]
        statement = (
            sa.select(
                sa.literal(source).label("source"),
                table.c.id.label("row_id"),
                sa.cast(about_contact, sa.Integer).label("contact_id"),
                sa.cast(about_client, sa.Integer).label("client_id"),
                sa.cast(score, sa.Float).label("score"),
            )
            .select_from(joined)
            .where(matches, table.c.team_id == team_id)
            .order_by(score.desc())
            .limit(per_source)
        )
        if source == "task":
            statement = statement.where(
                sa.or_(task.c.contact_id.is_not(None), task.c.client_id.is_not(None))
            )
            if task_filter is not None:
                statement = statement.where(task_filter)
        selects.append(sa.select(statement.subquery(f"{source}_hits")))
    return sa.union_all(*selects)


def query_params(sqlite: bool, terms: Sequence[str]) -> dict[str, str]:
    """The query's bound value for `hits_statement`."""
    if sqlite:
        return {"fts_query": fts5_query(terms)}
    return {"ts_query": tsquery_text(terms)}


# Built statements by database and task filter (the filter by identity: callers pass one
# made once, with its values bound by name): building one costs more than running it.
_STATEMENTS: dict[tuple[bool, int], tuple[ColumnElement[bool] | None, Any]] = {}
_STATEMENTS_KEPT = 8


def _statement(sqlite: bool, task_filter: ColumnElement[bool] | None) -> Any:
    key = (sqlite, id(task_filter))
    kept = _STATEMENTS.get(key)
    if kept is not None and kept[0] is task_filter:
        return kept[1]
    statement = hits_statement(sqlite, task_filter)
    if len(_STATEMENTS) < _STATEMENTS_KEPT:
        _STATEMENTS[key] = (task_filter, statement)
    return statement


def search_hits(
    session: Session,
    team_id: str,
    terms: Sequence[str],
    *,
    per_source: int,
    task_filter: ColumnElement[bool] | None = None,
    filter_params: Mapping[str, Any] | None = None,
) -> list[Hit]:
    """The rows of the team that hold every term (the last one as a prefix), best first
    within each source. `terms` come from `words_of`; none finds nothing. `filter_params`
    are the values `task_filter` binds."""
    if not terms:
        return []
    sqlite = is_sqlite(session)
    params = {"team_id": team_id, "per_source": per_source, **query_params(sqlite, terms)}
    if task_filter is not None:
        params.update(filter_params or {})
    rows = session.execute(_statement(sqlite, task_filter), params).all()
    return [
        Hit(row.source, row.row_id, row.contact_id, row.client_id, float(row.score or 0))
        for row in rows
    ]
