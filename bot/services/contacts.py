"""Contacts: the agency's clients' people and its leads, each in a pipeline stage, kept by
a VA (its owner), with a history of what happened to it.

The rules: a name is looked up as written (any case, spaces collapsed); a Slack user is one
contact per workspace, so a client who writes in a client channel becomes a contact once;
a contact is touched by a client message, a reply, a task done for it, a note or a stage
move (the touches from elsewhere, and the contact a client's message makes, are in
`bot.services.contact_writers`). A VA changes (edits, moves, archives) a contact they own
or one nobody owns; supervisors and owners change any. Anyone on the team may add a note.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, select

from bot import clock
from bot.services.errors import InputError, NotFound, PermissionDenied
from bot.services.people import Actor
from bot.services.rows import saved_id
from bot.services.text import escape, quoted, shown
from store.models import Client, Contact, ContactEvent, ContactTag

if TYPE_CHECKING:
    from bot.settings import Settings
    from bot.settings.schema import PipelineStage

MAX_NAME_CHARS = 200
MAX_NOTE_CHARS = 3000  # a note is shown whole in a section of the card
_SPACES = re.compile(r"\s+")
# Several contacts of one name: this many are named in the refusal.
LISTED_MATCHES = 10


def spaces_collapsed(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def name_key(name: str) -> str:
    """`  Bob   JONES ` -> `bob jones`: what a name is looked up and deduplicated by."""
    return _SPACES.sub(" ", name).strip().casefold()


def check_name(text: str | None) -> str:
    name = _SPACES.sub(" ", text or "").strip()
    if not name:
        raise InputError("Give the contact a name, e.g. `/contact add Bob Jones`.")
    if len(name) > MAX_NAME_CHARS:
        raise InputError(f"A contact's name is at most {MAX_NAME_CHARS} characters.")
    return name


def check_note(text: str | None) -> str:
    note = (text or "").strip()
    if not note:
        raise InputError("Write the note after the name, e.g. `/contact note Bob Jones called`.")
    if len(note) > MAX_NOTE_CHARS:
        raise InputError(f"A note is at most {MAX_NOTE_CHARS:,} characters; split it in two.")
    return note


class DuplicateContact(InputError):
    """A contact of that name (or Slack user) exists; the refusal offers it."""

    def __init__(self, existing: Contact) -> None:
        super().__init__(
            f"There is already a contact {escape(existing.name)} "
            f"(`/contact {shown(existing.name, 60)}` shows it); "
            "give the new one a fuller name to tell them apart."
        )
        self.existing = existing


class AmbiguousContact(InputError):
    """Several contacts answer to what was written; the refusal lists them."""

    def __init__(self, written: str, matches: list[Contact]) -> None:
        names = ", ".join(escape(contact.name) for contact in matches[:LISTED_MATCHES])
        super().__init__(
            f"Several contacts match {quoted(written)}: {names}. Write the whole name."
        )
        self.matches = matches


@dataclass(frozen=True)
class NewContact:
    """What a new contact starts with; `stage` is a stage's name as written (None: the
    pipeline's first open stage), `amount_minor` is in `currency`'s minor units."""

    name: str
    client_id: int | None = None
    owner_id: str | None = None
    company: str | None = None
    email: str | None = None
    phone: str | None = None
    slack_user_id: str | None = None
    source: str = "manual"
    stage: str | None = None
    next_step: str | None = None
    next_step_due: date | None = None
    amount_minor: int | None = None
    currency: str | None = None
    expected_close: date | None = None


def resolve_stage(settings: Settings, written: str) -> PipelineStage:
    """The stage a person meant (any case); anything else is refused with the valid ones."""
    stage = settings.pipeline.stage(written)
    if stage is None:
        valid = ", ".join(escape(s.name) for s in settings.pipeline.stages)
        raise InputError(f"There is no stage {quoted(written.strip())}. Stages: {valid}.")
    return stage


def stage_of(settings: Settings, contact: Contact) -> PipelineStage | None:
    """The contact's stage as the settings define it (None: a stage since removed)."""
    return settings.pipeline.stage(contact.stage)


def days_in_stage(contact: Contact, now: datetime | None = None) -> int:
    return max(0, ((now or clock.now()) - contact.stage_since).days)


def may_change_contact(actor: Actor, contact: Contact) -> bool:
    return actor.is_manager or contact.owner_id in (None, actor.user_id)


def check_may_change_contact(actor: Actor, contact: Contact) -> None:
    if not may_change_contact(actor, contact):
        raise PermissionDenied(
            f"{escape(contact.name)} is <@{contact.owner_id}>'s contact; only its owner, a "
            "supervisor or an owner can change it. You can add a note: "
            f"`/contact note {shown(contact.name, 60)} …`"
        )


def get_contact(
    session: Session, team_id: str, contact_id: int, for_update: bool = False
) -> Contact:
    """The contact; `for_update` locks its row and reads it again, so a contact this unit
    of work read before the lock shows what a move committed meanwhile."""
    query = select(Contact).where(Contact.team_id == team_id, Contact.id == contact_id)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    contact = session.exec(query).first()
    if contact is None:
        raise NotFound("That contact is not in VA Desk (anymore).")
    return contact


def contacts_named(session: Session, team_id: str, written: str) -> list[Contact]:
    """The contacts whose name is what was written (any case), newest first."""
    return list(
        session.exec(
            select(Contact)
            .where(Contact.team_id == team_id, Contact.name_key == name_key(written))
            .order_by(col(Contact.id).desc())
        )
    )


def contact_named(
    session: Session, team_id: str, written: str, for_update: bool = False
) -> Contact:
    """The one contact of this name; several or none are refused with a sentence."""
    matches = contacts_named(session, team_id, check_name(written))
    if not matches:
        raise NotFound(
            f"There is no contact {quoted(written.strip())}. "
            f"`/find {shown(written.strip(), 60)}` searches everything; "
            f"`/contact add {shown(written.strip(), 60)}` adds them."
        )
    if len(matches) > 1:
        raise AmbiguousContact(written, matches)
    if for_update:
        return get_contact(session, team_id, saved_id(matches[0]), for_update=True)
    return matches[0]


# A name is at most this many words when a note's text is told apart from the name.
MAX_NAME_WORDS = 30
_WORD = re.compile(r"\S+")


def contact_and_rest(session: Session, team_id: str, written: str) -> tuple[Contact, str]:
    """`Bob Jones called about the quote` -> (Bob Jones, "called about the quote"): the
    longest start of the text that is a contact's whole name, and the rest as typed."""
    words = list(_WORD.finditer(written))
    for count in range(min(len(words), MAX_NAME_WORDS), 0, -1):
        matches = contacts_named(session, team_id, " ".join(w[0] for w in words[:count]))
        if len(matches) > 1:
            raise AmbiguousContact(written[: words[count - 1].end()], matches)
        if matches:
            rest = written[words[count].start() :] if count < len(words) else ""
            return matches[0], rest.strip()
    start = written.strip()
    raise NotFound(
        f"No contact's name starts {quoted(start)}. Write the whole name, then the note: "
        "`/contact note Bob Jones called about the quote`."
    )


def contact_of_slack_user(session: Session, team_id: str, user_id: str) -> Contact | None:
    return session.exec(
        select(Contact).where(Contact.team_id == team_id, Contact.slack_user_id == user_id)
    ).first()


def record_event(
    session: Session,
    contact: Contact,
    kind: str,
    actor_id: str | None,
    at: datetime | None = None,
    **fields: Any,
) -> ContactEvent:
    """Add a step to the contact's history (`fields`: from_stage, to_stage, note,
    channel_id, message_ts)."""
    event = ContactEvent(
        team_id=contact.team_id,
        contact_id=saved_id(contact),
        kind=kind,
        at=at or clock.now(),
        actor_id=actor_id,
        **fields,
    )
    session.add(event)
    return event


def touch(session: Session, contact: Contact, at: datetime | None = None) -> None:
    """Something happened with the contact: it is not stale before its stage's days from now."""
    moment = at or clock.now()
    if moment > contact.last_touch_at:
        contact.last_touch_at = moment
        session.add(contact)


def _check_unique(session: Session, team_id: str, new: NewContact) -> None:
    existing = contacts_named(session, team_id, new.name)
    if not existing and new.slack_user_id:
        found = contact_of_slack_user(session, team_id, new.slack_user_id)
        existing = [found] if found is not None else []
    if existing:
        raise DuplicateContact(existing[0])


def create_contact(
    session: Session, settings: Settings, actor: Actor, new: NewContact, tag: str | None = None
) -> Contact:
    """A new contact in its stage (by default the pipeline's first open one); an unknown
    stage is refused with the valid ones, a name (or Slack user) already known with the
    existing contact."""
    name = check_name(new.name)
    stage = (
        settings.pipeline.first_open if new.stage is None else resolve_stage(settings, new.stage)
    )
    _check_unique(session, actor.team_id, new)
    now = clock.now()
    contact = Contact(
        team_id=actor.team_id,
        name=name,
        name_key=name_key(name),
        company=new.company,
        client_id=new.client_id,
        email=new.email,
        phone=new.phone,
        slack_user_id=new.slack_user_id,
        owner_id=new.owner_id,
        stage=stage.name,
        stage_since=now,
        next_step=new.next_step,
        next_step_due=new.next_step_due,
        amount_minor=new.amount_minor,
        currency=new.currency,
        expected_close=new.expected_close,
        last_touch_at=now,
        source=new.source,
        created_by=actor.user_id,
        created_at=now,
        updated_at=now,
    )
    session.add(contact)
    session.flush()
    record_event(session, contact, "created", actor.user_id, now, to_stage=contact.stage)
    if tag is not None:
        tag_record(session, actor.user_id, contact, tag)
    return contact


def tag_record(
    session: Session, actor_id: str, contact: Contact, tag: str, at: datetime | None = None
) -> ContactTag:
    """Give a contact a tag of the taxonomy (already resolved); the earlier ones stay."""
    moment = at or clock.now()
    row = ContactTag(
        team_id=contact.team_id,
        contact_id=contact.slack_user_id,
        record_id=saved_id(contact),
        tag=tag,
        tagged_by=actor_id,
        tagged_at=moment,
    )
    session.add(row)
    record_event(session, contact, "tagged", actor_id, moment, note=tag)
    return row


def tag_history(session: Session, contact: Contact) -> list[ContactTag]:
    """The contact's tags, latest first (the first is its tag)."""
    return list(
        session.exec(
            select(ContactTag)
            .where(ContactTag.record_id == saved_id(contact))
            .order_by(col(ContactTag.tagged_at).desc(), col(ContactTag.id).desc())
        )
    )


def current_tag(session: Session, contact: Contact) -> str | None:
    """The contact's tag: the latest one given (one row read)."""
    return session.exec(
        select(ContactTag.tag)
        .where(ContactTag.record_id == saved_id(contact))
        .order_by(col(ContactTag.tagged_at).desc(), col(ContactTag.id).desc())
        .limit(1)
    ).first()


def add_note(session: Session, actor: Actor, contact: Contact, text: str | None) -> ContactEvent:
    """A note on the contact's history, from anyone on the team; it touches the contact."""
    note = check_note(text)
    event = record_event(session, contact, "note", actor.user_id, note=note)
    touch(session, contact, event.at)
    return event


def events_of(session: Session, contact: Contact, limit: int = 10) -> list[ContactEvent]:
    """The contact's latest steps, newest first."""
    return list(
        session.exec(
            select(ContactEvent)
            .where(ContactEvent.contact_id == saved_id(contact))
            .order_by(col(ContactEvent.at).desc(), col(ContactEvent.id).desc())
            .limit(limit)
        )
    )


def client_of(session: Session, contact: Contact) -> Client | None:
    return session.get(Client, contact.client_id) if contact.client_id is not None else None
