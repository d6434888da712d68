"""Adding and editing contacts from Slack: `/contact add`, the **Add contact** form (from
a client's message) and the edit form. Each field is checked lightly and refused with a
sentence on its own field, all at once; an edit is recorded as one `edited` step with
each changed field's old and new value (JSON: field -> [old, new]), and only whoever may
change the contact (its owner, anyone when it has none, supervisors and owners) edits it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from bot import clock
from bot.services import contacts
from bot.services.chats import on_the_team
from bot.services.contacts import DuplicateContact, NewContact
from bot.services.errors import FieldErrors, InputError
from bot.services.parsing import ContactDraft
from bot.services.people import Actor
from bot.services.tags import resolve_tag
from bot.services.tasks import place_of_new_task
from bot.services.text import day_text, quoted, shown
from store.models import Client, Contact

if TYPE_CHECKING:
    from bot.settings import Settings

MAX_COMPANY_CHARS = 200
MAX_EMAIL_CHARS = 254
MAX_PHONE_CHARS = 40
MAX_NEXT_STEP_CHARS = 500
# Light checks: something@somewhere.tld; a phone of digits with the usual separators.
_EMAIL = re.compile(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>.]+")
_PHONE = re.compile(r"\+?[0-9 ().\-/]+((x|ext\.?)\s*[0-9]+)?", re.IGNORECASE)
MIN_PHONE_DIGITS = 5
MAX_PHONE_DIGITS = 20


@dataclass(frozen=True)
class ContactFields:
    """What a contact's form says (the block ids of the form are these names; the next
    step's date is `due`, the client `client`, the owner `owner`)."""

    name: str | None = None
    company: str | None = None
    client_id: int | None = None
    email: str | None = None
    phone: str | None = None
    owner_id: str | None = None
    next_step: str | None = None
    next_step_due: date | None = None
    tag: str | None = None  # as picked or typed; resolved against the taxonomy


def check_email(text: str | None) -> str | None:
    email = (text or "").strip()
    if not email:
        return None
    if len(email) > MAX_EMAIL_CHARS:
        raise InputError(f"An email address is at most {MAX_EMAIL_CHARS} characters.")
    if not _EMAIL.fullmatch(email):
        raise InputError(f"{quoted(email)} is not an email address, like name@example.com.")
    return email


def check_phone(text: str | None) -> str | None:
    phone = " ".join((text or "").split())
    if not phone:
        return None
    digits = sum(character.isdigit() for character in phone)
    if len(phone) > MAX_PHONE_CHARS or not _PHONE.fullmatch(phone):
        raise InputError(
            f"{quoted(phone)} is not a phone number: digits, with spaces, `+ ( ) - . /` and an "
            f"extension (`x12`), at most {MAX_PHONE_CHARS} characters."
        )
    if not MIN_PHONE_DIGITS <= digits <= MAX_PHONE_DIGITS:
        raise InputError(
            f"A phone number has {MIN_PHONE_DIGITS} to {MAX_PHONE_DIGITS} digits; "
            f"{quoted(phone)} has {digits}."
        )
    return phone


def _short_text(text: str | None, what: str, limit: int) -> str | None:
    value = " ".join((text or "").split())
    if len(value) > limit:
        raise InputError(
            f"The {what} is at most {limit:,} characters; this one has {len(value):,}."
        )
    return value or None


def check_due(day: date | None, today: date) -> date | None:
    if day is not None and day < today:
        raise InputError(
            f"The next step's date {day_text(day)} is in the past; pick today ({day_text(today)}) "
            "or a later day."
        )
    return day


def check_owner(session: Session, settings: Settings, team_id: str, owner_id: str) -> str:
    """A contact's owner is someone on the team (the VA who keeps it)."""
    if not on_the_team(session, settings, team_id, owner_id):
        raise InputError(
            f"<@{owner_id}> is not on the team; a contact's owner is a VA, a supervisor "
            "or an owner."
        )
    return owner_id


def check_author(
    session: Session, settings: Settings, team_id: str, user_id: str | None, bot: bool
) -> str:
    """The **Add contact** shortcut's person: a client who wrote, not an app nor the team."""
    if bot or not user_id:
        raise InputError(
            "That message was posted by an app, not a person; add a contact from a message a "
            "client wrote, or with `/contact add <name>`."
        )
    if on_the_team(session, settings, team_id, user_id):
        raise InputError(
            f"<@{user_id}> is on the team, not a client; add a contact from a message a client "
            "wrote, or with `/contact add <name>`."
        )
    return user_id


def name_from_profile(profile: dict[str, Any] | None) -> str | None:
    """The person's name in Slack's users.info answer: their real name, else their
    display name, else their user name."""
    if not isinstance(profile, dict):
        return None
    nested = profile.get("profile")
    details: dict[str, Any] = nested if isinstance(nested, dict) else {}
    for name in (
        profile.get("real_name"),
        details.get("real_name"),
        details.get("display_name"),
        profile.get("name"),
    ):
        if isinstance(name, str) and name.strip():
            return contacts.spaces_collapsed(name)[: contacts.MAX_NAME_CHARS]
    return None


def _client(session: Session, team_id: str, client_id: int | None) -> int | None:
    if client_id is None:
        return None
    row = session.get(Client, client_id)
    if row is None or row.team_id != team_id:
        raise InputError("That client is not in this workspace (anymore); pick another.")
    return client_id


def checked_fields(
    session: Session, settings: Settings, actor: Actor, fields: ContactFields
) -> dict[str, Any]:
    """The form's values, cleaned, by the contact's column names (`tag`: the taxonomy's
    label); every field refused names its own block, all at once."""
    today = clock.now().astimezone(actor.zone).date()
    checks: dict[str, tuple[str, Any]] = {
        "name": ("name", lambda: contacts.check_name(fields.name)),
        "company": ("company", lambda: _short_text(fields.company, "company", MAX_COMPANY_CHARS)),
        "client_id": ("client", lambda: _client(session, actor.team_id, fields.client_id)),
        "email": ("email", lambda: check_email(fields.email)),
        "phone": ("phone", lambda: check_phone(fields.phone)),
        "owner_id": (
            "owner",
            lambda: (
                fields.owner_id and check_owner(session, settings, actor.team_id, fields.owner_id)
            ),
        ),
        "next_step": (
            "next_step",
            lambda: _short_text(fields.next_step, "next step", MAX_NEXT_STEP_CHARS),
        ),
        "next_step_due": ("due", lambda: check_due(fields.next_step_due, today)),
        "tag": ("tag", lambda: resolve_tag(settings.tags, fields.tag) if fields.tag else None),
    }
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for column, (block, check) in checks.items():
        try:
            values[column] = check() or None
        except InputError as refusal:
            errors[block] = refusal.message
    if errors:
        raise FieldErrors(errors)
    return values


def add_from_command(
    session: Session, settings: Settings, actor: Actor, draft: ContactDraft, typed_in: str | None
) -> Contact:
    """`/contact add`: the client named (`#key` or its channel), else the one whose channel
    it is typed in; the owner named, else the person adding it; the tag, if one is named."""
    tag = resolve_tag(settings.tags, draft.tag) if draft.tag else None
    place = place_of_new_task(
        session,
        settings,
        actor.team_id,
        client_key=draft.client_key,
        named_channel=draft.channel_id,
        typed_in=typed_in,
    )
    if draft.channel_id is not None and place.client_id is None:
        raise InputError(f"<#{draft.channel_id}> is not a client's channel; name a client's key.")
    owner = check_owner(session, settings, actor.team_id, draft.owner_id or actor.user_id)
    new = NewContact(name=draft.name, client_id=place.client_id, owner_id=owner)
    return contacts.create_contact(session, settings, actor, new, tag)


def add_from_form(
    session: Session,
    settings: Settings,
    actor: Actor,
    fields: ContactFields,
    slack_user_id: str | None,
) -> Contact:
    """The **Add contact** form: a contact of the message's author (their Slack user),
    owned by whoever the form names (the person adding it by default)."""
    values = checked_fields(session, settings, actor, fields)
    new = NewContact(
        name=values["name"],
        client_id=values["client_id"],
        owner_id=values["owner_id"] or actor.user_id,
        company=values["company"],
        email=values["email"],
        phone=values["phone"],
        slack_user_id=slack_user_id,
        source="shortcut",
    )
    try:
        contact = contacts.create_contact(session, settings, actor, new, values["tag"])
    except DuplicateContact as refusal:
        raise FieldErrors({"name": refusal.message}) from None
    contact.next_step, contact.next_step_due = values["next_step"], values["next_step_due"]
    session.add(contact)
    return contact


EDITED_COLUMNS = {
    "name": "name",
    "company": "company",
    "client_id": "client",
    "email": "email",
    "phone": "phone",
    "owner_id": "owner",
    "next_step": "next step",
    "next_step_due": "next step due",
}


def edit_contact(
    session: Session, settings: Settings, actor: Actor, contact_id: int, fields: ContactFields
) -> tuple[Contact, dict[str, list[Any]]]:
    """Save the edit form: whoever may change the contact changes what differs, recorded
    as one `edited` step; a new tag is added to its history. (The contact, the changes:
    label -> [old, new], client names and dates as shown.)"""
    contact = contacts.get_contact(session, actor.team_id, contact_id, for_update=True)
    contacts.check_may_change_contact(actor, contact)
    values = checked_fields(session, settings, actor, fields)
    if contacts.name_key(values["name"]) != contact.name_key:
        taken = contacts.contacts_named(session, actor.team_id, values["name"])
        if any(other.id != contact.id for other in taken):
            raise FieldErrors({"name": DuplicateContact(taken[0]).message})
    changes: dict[str, list[Any]] = {}
    for column, label in EDITED_COLUMNS.items():
        old, new = getattr(contact, column), values[column]
        if column == "owner_id" and new is None:
            new = old  # the form's owner picker cannot be emptied: no owner picked keeps it
        if old != new:
            changes[label] = [
                _shown_value(session, column, old),
                _shown_value(session, column, new),
            ]
            setattr(contact, column, new)
    if "name" in changes:
        contact.name_key = contacts.name_key(contact.name)
    tag = values["tag"]
    if tag is not None and tag != contacts.current_tag(session, contact):
        contacts.tag_record(session, actor.user_id, contact, tag)
    if changes:
        contact.updated_at = clock.now()
        session.add(contact)
        contacts.record_event(session, contact, "edited", actor.user_id, note=json.dumps(changes))
    return contact, changes


def _shown_value(session: Session, column: str, value: Any) -> Any:
    """How an edit's old or new value is kept: a client by its name, a day as ISO."""
    if value is None:
        return None
    if column == "client_id":
        client = session.get(Client, value)
        return client.name if client is not None else str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def edited_summary(contact: Contact, changes: dict[str, list[Any]]) -> str:
    """What the person who saved the form is told (mrkdwn, typed text escaped)."""
    if not changes:
        return f"Nothing changed on *{shown(contact.name, 150)}*."
    parts = []
    for label, (old, new) in changes.items():
        if label == "owner":
            old_text = f"<@{old}>" if old else "—"
            new_text = f"<@{new}>" if new else "—"
        else:
            old_text = shown(str(old), 80) if old not in (None, "") else "—"
            new_text = shown(str(new), 80) if new not in (None, "") else "—"
        parts.append(f"{label}: {old_text} → {new_text}")
    return f"Saved *{shown(contact.name, 150)}*: " + "; ".join(parts) + "."
