"""The id of a row that is in the database.

SQLModel types an autoincrement key `int | None`, since a row made in Python has none
until it is flushed; a row read from the database, or added and flushed, has one.
"""

from __future__ import annotations

from typing import Protocol


class Row(Protocol):
    @property
    def id(self) -> int | None: ...


def saved_id(row: Row) -> int:
    """The row's id, which it has once it is flushed; a row never saved is a bug here."""
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has no id: it was never flushed")
    return row.id
