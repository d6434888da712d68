"""`vadesk export contacts`: the workspace's contacts as CSV rows in the columns the import
reads (`bot.services.contact_columns`), so an export imports again; text a spreadsheet
would run as a formula is neutralized as in the timesheet. Contacts are read a page at a
time, with their tags and notes for the page, so a large export streams."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, TextIO

import sqlalchemy as sa
from sqlalchemy.engine import Row
from sqlmodel import Session, col, select

from bot.services import contact_columns as columns
from bot.services.contacts import resolve_stage
from bot.services.text import spreadsheet_safe
from store.models import Client, Contact, ContactEvent, ContactTag

if TYPE_CHECKING:
    from bot.settings import Settings

PAGE = 1000


def _tags(session: Session, ids: list[int]) -> dict[int, str]:
    """Each contact's tag: the latest it was given."""
    latest: dict[int, str] = {}
    query = (
        select(ContactTag.record_id, ContactTag.tag)
        .where(col(ContactTag.record_id).in_(ids))
        .order_by(col(ContactTag.tagged_at), col(ContactTag.id))
    )
    for record_id, tag in session.exec(query):
        if record_id is not None:
            latest[record_id] = tag
    return latest


def _notes(session: Session, ids: list[int]) -> dict[int, list[str]]:
    """Each contact's notes, oldest first."""
    written: dict[int, list[str]] = {}
    query = (
        select(ContactEvent.contact_id, ContactEvent.note)
        .where(col(ContactEvent.contact_id).in_(ids), ContactEvent.kind == "note")
        .order_by(col(ContactEvent.at), col(ContactEvent.id))
    )
    for contact_id, note in session.exec(query):
        if note:
            written.setdefault(contact_id, []).append(note)
    return written


def _pages(
    session: Session, team_id: str, stage: str | None, archived: bool
) -> Iterator[list[Row[Any]]]:
    """The contacts' rows (Core rows, not ORM objects: a tenth of the cost), a page at a
    time in id order."""
    table = sa.inspect(Contact).local_table
    after = 0
    while True:
        query = sa.select(table).where(table.c.team_id == team_id, table.c.id > after)
        if stage is not None:
            query = query.where(table.c.stage == stage)
        if not archived:
            query = query.where(table.c.archived_at.is_(None))
        page = list(session.execute(query.order_by(table.c.id).limit(PAGE)))
        if not page:
            return
        yield page
        after = page[-1].id


def export_rows(
    session: Session,
    settings: Settings,
    team_id: str,
    stage: str | None = None,
    archived: bool = False,
) -> Iterator[list[str]]:
    """The contacts in creation order, as cells in `columns.COLUMNS` order: one stage's
    (any case; an unknown one is refused at once with the valid ones) or every stage's,
    archived ones only with `archived`."""
    stage_name = None if stage is None else resolve_stage(settings, stage).name
    return _rows(session, team_id, stage_name, archived)


def _rows(session: Session, team_id: str, stage: str | None, archived: bool) -> Iterator[list[str]]:
    query = select(Client.id, Client.key).where(Client.team_id == team_id)
    clients = {client_id: key for client_id, key in session.exec(query)}
    for page in _pages(session, team_id, stage, archived):
        ids = [contact.id for contact in page]
        tags, notes = _tags(session, ids), _notes(session, ids)
        for contact in page:
            key = contact.id
            client = clients.get(contact.client_id) if contact.client_id is not None else None
            cells = {
                "name": contact.name,
                "company": contact.company or "",
                "client": client or "",
                "email": contact.email or "",
                "phone": contact.phone or "",
                "slack_user_id": contact.slack_user_id or "",
                "owner": contact.owner_id or "",
                "stage": contact.stage,
                "tag": tags.get(key, ""),
                "next_step": contact.next_step or "",
                "next_step_due": columns.day_text(contact.next_step_due),
                "amount": columns.amount_text(contact.amount_minor, contact.currency),
                "currency": (contact.currency or "") if contact.amount_minor is not None else "",
                "expected_close": columns.day_text(contact.expected_close),
                "notes": columns.notes_text(notes.get(key, [])),
                "stage_since": columns.instant_text(contact.stage_since),
                "last_touch_at": columns.instant_text(contact.last_touch_at),
                "archived_at": columns.instant_text(contact.archived_at),
            }
            yield [spreadsheet_safe(cells[column]) for column in columns.COLUMNS]


def write_csv(rows: Iterator[list[str]], stream: TextIO) -> int:
    """The header and the rows; how many contacts were written."""
    writer = csv.writer(stream)
    writer.writerow(columns.COLUMNS)
    written = 0
    for row in rows:
        writer.writerow(row)
        written += 1
    return written
