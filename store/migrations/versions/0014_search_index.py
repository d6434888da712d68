"""full-text search over contacts, their notes, clients and tasks

SQLite: an FTS5 table per searched table, with that table as its external content, kept
by triggers on it (every insert, delete and update of an indexed column, whatever wrote
it). PostgreSQL: a `search_vector` tsvector column generated from the row, with a GIN
index. Both fold text the same way (store/search.py: lowercase, common accents off, the
punctuation PostgreSQL's parser keeps inside tokens as spaces).

A later migration that recreates contact, contact_event, client or task on SQLite (a
batch "move and copy") drops that table's triggers with it and must create them again.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# The same strings as store/search.py's ACCENTED, PLAIN and SPLIT (a test compares them).
ACCENTED = "àáâãäåāăąçćĉċčďèéêëēĕėęěĝğġģĥìíîïĩīĭįĵķĺļľñńņňòóôõöōŏőŕŗřśŝşšţťùúûüũūŭůűųŵýÿŷźżž"
PLAIN = "aaaaaaaaacccccdeeeeeeeeegggghiiiiiiiijklllnnnnoooooooorrrssssttuuuuuuuuuuwyyyzzz"
SPLIT = "@.-/+~_:"

# table, its FTS5 table, the indexed columns, and a condition on the row (or None).
SQLITE_INDEXES = (
    ("contact", "contact_fts", ("name", "company", "email", "phone"), None),
    ("contact_event", "contact_note_fts", ("note",), "kind = 'note'"),
    ("client", "client_fts", ("name", "key"), None),
    ("task", "task_fts", ("title", "description", "notes"), None),
)

# table and its tsvector: weight A is what names the row, B and C the rest.
POSTGRES_VECTORS = (
    (
        "contact",
        "setweight(to_tsvector('simple'::regconfig, vadesk_search_text(name)), 'A')"
        " || setweight(to_tsvector('simple'::regconfig, vadesk_search_text(company)), 'B')"
        " || setweight(to_tsvector('simple'::regconfig,"
        " vadesk_search_text(email) || ' ' || vadesk_search_text(phone)), 'C')",
    ),
    (
        "contact_event",
        "CASE WHEN kind = 'note'"
        " THEN to_tsvector('simple'::regconfig, vadesk_search_text(note)) END",
    ),
    (
        "client",
        "setweight(to_tsvector('simple'::regconfig,"
        " vadesk_search_text(name) || ' ' || vadesk_search_text(key)), 'A')",
    ),
    (
        "task",
        "setweight(to_tsvector('simple'::regconfig, vadesk_search_text(title)), 'A')"
        " || setweight(to_tsvector('simple'::regconfig,"
        " vadesk_search_text(description) || ' ' || vadesk_search_text(notes)), 'B')",
    ),
)


def _sqlite_upgrade() -> None:
    for table, fts, columns, condition in SQLITE_INDEXES:
        names = ", ".join(columns)
        new = ", ".join(f"new.{column}" for column in columns)
        old = ", ".join(f"old.{column}" for column in columns)
        op.execute(
            f"CREATE VIRTUAL TABLE {fts} USING fts5({names}, content='{table}', "
            "content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
        )
        where_new = f" WHERE new.{condition}" if condition else ""
        where_old = f" WHERE old.{condition}" if condition else ""
        add = f"INSERT INTO {fts}(rowid, {names}) SELECT new.id, {new}{where_new};"
        remove = (
            f"INSERT INTO {fts}({fts}, rowid, {names}) SELECT 'delete', old.id, {old}{where_old};"
        )
        op.execute(f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN {add} END")
        op.execute(f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN {remove} END")
        watched = names + (", kind" if condition else "")
        op.execute(
            f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {watched} ON {table} "
            f"BEGIN {remove} {add} END"
        )
        where = f" WHERE {condition}" if condition else ""
        op.execute(f"INSERT INTO {fts}(rowid, {names}) SELECT id, {names} FROM {table}{where}")


def _postgres_upgrade() -> None:
    op.execute(
        "CREATE FUNCTION vadesk_search_text(value text) RETURNS text "
        "LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT translate(lower(coalesce(value, "
        f"'')), '{ACCENTED}{SPLIT}', '{PLAIN}{' ' * len(SPLIT)}') $$"
    )
    for table, vector in POSTGRES_VECTORS:
        op.execute(
            f"ALTER TABLE {table} ADD COLUMN search_vector tsvector "
            f"GENERATED ALWAYS AS ({vector}) STORED"
        )
        op.execute(
            f"CREATE INDEX ix_{table}_search ON {table} USING gin (search_vector) "
            "WITH (fastupdate = off)"
        )


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_upgrade()
    else:
        _postgres_upgrade()


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for _table, fts, _columns, _condition in SQLITE_INDEXES:
            for trigger in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER {fts}_{trigger}")
            op.execute(f"DROP TABLE {fts}")
        return
    for table, _vector in POSTGRES_VECTORS:
        op.execute(f"DROP INDEX ix_{table}_search")
        op.execute(f"ALTER TABLE {table} DROP COLUMN search_vector")
    op.execute("DROP FUNCTION vadesk_search_text(text)")
