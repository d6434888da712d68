"""Contacts made and touched by what happens elsewhere: a client who writes in a client
channel becomes a contact (once, linked to their Slack user and client) and is touched by
each message; a VA's reply touches the contact who opened the conversation; a task done
touches its contact, or its client's contacts. Each is one statement or a few, inside the
unit of work of what happened, so the client-message path stays one indexed lookup."""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy import update
from sqlmodel import Session, col, select

from bot import clock
from bot.services.contacts import (
    MAX_NAME_CHARS,
    contact_of_slack_user,
    name_key,
    record_event,
    spaces_collapsed,
    touch,
)
from bot.services.errors import NotFound
from store.models import Contact, ContactTag, Task, User
from store.sql import insert_or_ignore

if TYPE_CHECKING:
    from bot.settings import Settings


def contact_for_writer(
    session: Session,
    settings: Settings,
    team_id: str,
    user_id: str,
    client_id: int | None,
    name: str | None,
    at: datetime,
) -> Contact:
    """The contact of a client who wrote in a client channel, made the first time they
    write (once, however many processes see the message), and touched. `name` None: the
    name VA Desk knows for the Slack user (their row's display name, read in the same
    statement as the contact), else their user id; an auto-made contact still named
    after its user id takes the name once it is known."""
    found = session.exec(
        select(Contact, col(User.display_name))
        .outerjoin(User, sa.and_(col(User.team_id) == Contact.team_id, col(User.id) == user_id))
        .where(Contact.team_id == team_id, Contact.slack_user_id == user_id)
    ).first()
    contact, known = found if found is not None else (None, None)
    if contact is None:
        known = session.exec(
            select(User.display_name).where(User.team_id == team_id, User.id == user_id)
        ).first()
    written = spaces_collapsed(name if name is not None else known or "")
    checked = written[:MAX_NAME_CHARS] or user_id
    if contact is None:
        contact = _made_for_writer(session, settings, team_id, user_id, client_id, checked, at)
    else:
        _take_name(session, contact, checked, at)
    touch(session, contact, at)
    return contact


def _take_name(session: Session, contact: Contact, name: str, at: datetime) -> None:
    """An auto-made contact still named after its Slack user id takes its person's name."""
    unnamed = contact.source == "client message" and contact.name == contact.slack_user_id
    if unnamed and name != contact.name:
        note = json.dumps({"name": [contact.name, name]})
        record_event(session, contact, "edited", None, at, note=note)
        contact.name, contact.name_key, contact.updated_at = name, name_key(name), at
        session.add(contact)


def learn_name(session: Session, team_id: str, user_id: str, name: str | None) -> Contact | None:
    """The Slack user's contact, renamed if it was made before VA Desk knew their name."""
    contact = contact_of_slack_user(session, team_id, user_id)
    if contact is not None and name:
        _take_name(session, contact, name, clock.now())
    return contact


def _made_for_writer(
    session: Session,
    settings: Settings,
    team_id: str,
    user_id: str,
    client_id: int | None,
    name: str,
    at: datetime,
) -> Contact:
    values = {
        "team_id": team_id,
        "name": name,
        "name_key": name_key(name),
        "client_id": client_id,
        "slack_user_id": user_id,
        "stage": settings.pipeline.first_open.name,
        "stage_since": at,
        "last_touch_at": at,
        "source": "client message",
        "created_by": user_id,
        "created_at": at,
        "updated_at": at,
    }
    new_id = insert_or_ignore(session, Contact, values, "id")
    contact = contact_of_slack_user(session, team_id, user_id)
    if contact is None:
        raise NotFound("The client's contact could not be made.")
    if new_id is not None:
        record_event(session, contact, "created", None, at, to_stage=contact.stage)
        _adopt_slack_tags(session, contact)
    return contact


def _adopt_slack_tags(session: Session, contact: Contact) -> None:
    """Tags given to the Slack user before they had a record become the record's."""
    for row in session.exec(
        select(ContactTag).where(
            ContactTag.team_id == contact.team_id,
            ContactTag.contact_id == contact.slack_user_id,
            col(ContactTag.record_id).is_(None),
        )
    ):
        row.record_id = contact.id
        session.add(row)


def touch_for_task(session: Session, task: Task, at: datetime) -> None:
    """A task done for a contact (or for a client: each of its contacts) touches them."""
    if task.contact_id is not None:
        contact = session.get(Contact, task.contact_id)
        if contact is not None:
            touch(session, contact, at)
        return
    if task.client_id is None:
        return
    session.execute(
        update(Contact)
        .where(
            col(Contact.team_id) == task.team_id,
            col(Contact.client_id) == task.client_id,
            col(Contact.last_touch_at) < at,
        )
        .values(last_touch_at=at)
    )


def touch_slack_users(
    session: Session, team_id: str, user_ids: Collection[str], at: datetime
) -> None:
    """A VA answered these Slack users (who opened the conversations replied to): their
    contacts are touched, in one statement."""
    if user_ids:
        session.execute(
            update(Contact)
            .where(
                col(Contact.team_id) == team_id,
                col(Contact.slack_user_id).in_(sorted(user_ids)),
                col(Contact.last_touch_at) < at,
            )
            .values(last_touch_at=at)
            .execution_options(synchronize_session=False)
        )
