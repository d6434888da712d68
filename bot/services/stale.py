"""Stale and cold leads: contacts untouched longer than their stage allows, and what a
person does about each, by a click: archive, snooze 30 days, or re-engage (a task for its
owner). Nothing here archives a contact by itself.

Stale: not archived, not snoozed (`snoozed_until` not after now), in a stage with
`stale_after_days`, last touched longer ago than that (a Lead, 14 days, touched exactly
14 days ago is not stale yet; a minute later it is). Oldest touch first. A list shown in
a message keeps what a click on it did ("Archived by @x"): the click's event records the
message's channel and ts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.sql import ColumnElement
from sqlmodel import Session, col, func, or_, select

from bot import clock
from bot.services import contacts
from bot.services.chats import client_names
from bot.services.errors import AlreadyDone, InputError
from bot.services.kpis import OPEN_STATUSES
from bot.services.parsing import format_task_id, parse_task_id
from bot.services.people import Actor
from bot.services.rows import saved_id
from bot.services.tasks import MAX_TITLE_LENGTH, NewTask, create_task
from bot.services.templates import fill_placeholders
from bot.services.text import NOTES_LIMIT, escape, shown, time_token, truncate
from store.models import Contact, ContactEvent, Task, User

if TYPE_CHECKING:
    from bot.settings import Settings
    from bot.settings.schema import PipelineStage

SNOOZE_DAYS = 30
REENGAGE_TEMPLATE = "re-engagement"
# What a click on a stale list does (`restored`: an archive undone, stale again).
HANDLED_KINDS = ("archived", "snoozed", "reengaged", "restored")
TITLE_EXCERPT = 150  # of the template's first line in the task's title


@dataclass(frozen=True)
class MessageRef:
    """The Slack message a click came from: its events carry it, so the message can be
    drawn again with what was done from it."""

    channel_id: str
    ts: str


@dataclass(frozen=True)
class StaleContact:
    """A contact on a stale list: its stage, whole days since its last touch, and what a
    click on the list's message did to it (None: still to act on)."""

    contact: Contact
    stage: PipelineStage
    days: int
    handled: ContactEvent | None = None
    task_owner: str | None = None  # a re-engagement task's assignee


@dataclass(frozen=True)
class StaleList:
    """What a message lists: the stale contacts up to its limit (and those handled from
    it, wherever they now stand), how many more are stale, and whose they are (None: the
    whole team's; a VA's: the ones they own and the unowned)."""

    items: list[StaleContact]
    more: int
    owned_by: str | None = None
    client_names: dict[int, str] = field(default_factory=dict)
    # False: no stage has `stale_after_days`, so no contact ever goes stale.
    stages_with_limit: bool = True


def stale_stages(settings: Settings) -> list[PipelineStage]:
    return [s for s in settings.pipeline.stages if s.stale_after_days is not None]


def _conditions(
    team_id: str,
    stage: PipelineStage,
    now: datetime,
    owned_by: str | None,
    leaving_out: Sequence[int] = (),
) -> list[ColumnElement[bool]]:
    assert stage.stale_after_days is not None  # only stages with a limit are asked about
    found: list[ColumnElement[bool]] = [
        col(Contact.team_id) == team_id,
        col(Contact.archived_at).is_(None),
        col(Contact.stage) == stage.name,
        col(Contact.last_touch_at) < now - timedelta(days=stage.stale_after_days),
        or_(col(Contact.snoozed_until).is_(None), col(Contact.snoozed_until) <= now),
    ]
    if owned_by is not None:
        found.append(or_(col(Contact.owner_id) == owned_by, col(Contact.owner_id).is_(None)))
    if leaving_out:
        found.append(col(Contact.id).not_in(list(leaving_out)))
    return found


def _days_since(contact: Contact, now: datetime) -> int:
    return max(0, (now - contact.last_touch_at).days)  # whole days


def stale_contacts(
    session: Session,
    settings: Settings,
    team_id: str,
    now: datetime,
    limit: int,
    *,
    owned_by: str | None = None,
    leaving_out: Sequence[int] = (),
) -> list[StaleContact]:
    """The stale contacts, oldest touch first, at most `limit`: one indexed query per
    stage that has `stale_after_days`. `owned_by` keeps a VA's own and the unowned."""
    found: list[StaleContact] = []
    for stage in stale_stages(settings):
        rows = session.exec(
            select(Contact)
            .where(*_conditions(team_id, stage, now, owned_by, leaving_out))
            .order_by(col(Contact.last_touch_at), col(Contact.id))
            .limit(limit)
        )
        found += [StaleContact(row, stage, _days_since(row, now)) for row in rows]
    found.sort(key=lambda item: (item.contact.last_touch_at, saved_id(item.contact)))
    return found[:limit]


def stale_count(
    session: Session,
    settings: Settings,
    team_id: str,
    now: datetime,
    *,
    owned_by: str | None = None,
    leaving_out: Sequence[int] = (),
) -> int:
    """How many contacts are stale (one indexed count per stage with a limit)."""
    total = 0
    for stage in stale_stages(settings):
        conditions = _conditions(team_id, stage, now, owned_by, leaving_out)
        total += session.exec(select(func.count()).select_from(Contact).where(*conditions)).one()
    return total


def _handled_from(session: Session, team_id: str, message: MessageRef) -> dict[int, ContactEvent]:
    """Per contact, the latest thing a click on this message did to it."""
    latest: dict[int, ContactEvent] = {}
    for event in session.exec(
        select(ContactEvent)
        .where(
            ContactEvent.team_id == team_id,
            ContactEvent.channel_id == message.channel_id,
            ContactEvent.message_ts == message.ts,
            col(ContactEvent.kind).in_(HANDLED_KINDS),
        )
        .order_by(col(ContactEvent.at), col(ContactEvent.id))
    ):
        latest[event.contact_id] = event
    return {key: event for key, event in latest.items() if event.kind != "restored"}


def stale_list(
    session: Session,
    settings: Settings,
    team_id: str,
    now: datetime,
    limit: int,
    *,
    owned_by: str | None = None,
    message: MessageRef | None = None,
) -> StaleList:
    """What a message lists: the contacts handled from it (each with what was done) and
    the stale ones up to `limit` in all, in order of last touch (a re-engaged contact was
    touched just now: it moves to the end)."""
    handled = _handled_from(session, team_id, message) if message is not None else {}
    items: list[StaleContact] = []
    if handled:
        rows = session.exec(select(Contact).where(col(Contact.id).in_(list(handled))))
        for row in rows:
            stage = contacts.stage_of(settings, row)
            if stage is None:
                continue
            event = handled[saved_id(row)]
            task = _task_of(session, row, event) if event.kind == "reengaged" else None
            owner = task.assignee_id if task is not None else None
            items.append(StaleContact(row, stage, _days_since(row, now), event, owner))
    ids, room = list(handled), max(0, limit - len(items))
    stale = stale_contacts(
        session, settings, team_id, now, room, owned_by=owned_by, leaving_out=ids
    )
    total = stale_count(session, settings, team_id, now, owned_by=owned_by, leaving_out=ids)
    items += stale
    items.sort(key=lambda item: (item.contact.last_touch_at, saved_id(item.contact)))
    return StaleList(
        items,
        max(0, total - len(stale)),
        owned_by,
        client_names(session, team_id) if items else {},
        bool(stale_stages(settings)),
    )


# -- the actions (each one a click) --------------------------------------------------


def _changeable(session: Session, actor: Actor, contact_id: int) -> Contact:
    contact = contacts.get_contact(session, actor.team_id, contact_id, for_update=True)
    contacts.check_may_change_contact(actor, contact)
    return contact


def _refuse_archived(contact: Contact, doing: str) -> None:
    if contact.archived_at is not None:
        raise InputError(
            f"{escape(contact.name)} is archived (by <@{contact.archived_by}> "
            f"{time_token(contact.archived_at)}), so it cannot be {doing}; "
            f"`/contact restore {shown(contact.name, 60)}` brings it back."
        )


def _recorded(
    session: Session,
    contact: Contact,
    kind: str,
    actor: Actor,
    at: datetime,
    message: MessageRef | None,
    note: str | None = None,
) -> ContactEvent:
    where = {"channel_id": message.channel_id, "message_ts": message.ts} if message else {}
    contact.updated_at = at
    session.add(contact)
    return contacts.record_event(
        session, contact, kind, actor.user_id, at, note=note, from_stage=contact.stage, **where
    )


def archive_contact(
    session: Session, actor: Actor, contact_id: int, *, message: MessageRef | None = None
) -> ContactEvent:
    """Archive a contact: it leaves the pipeline and the stale lists, and stays findable."""
    contact = _changeable(session, actor, contact_id)
    if contact.archived_at is not None:
        raise AlreadyDone(
            f"{escape(contact.name)} was archived already, by <@{contact.archived_by}> "
            f"{time_token(contact.archived_at)}."
        )
    now = clock.now()
    contact.archived_at, contact.archived_by = now, actor.user_id
    return _recorded(session, contact, "archived", actor, now, message)


def restore_contact(
    session: Session, actor: Actor, contact_id: int, *, message: MessageRef | None = None
) -> ContactEvent:
    """Bring an archived contact back to its stage (untouched: stale again if it was)."""
    contact = _changeable(session, actor, contact_id)
    if contact.archived_at is None:
        raise AlreadyDone(f"{escape(contact.name)} is not archived; nothing to restore.")
    contact.archived_at, contact.archived_by = None, None
    return _recorded(session, contact, "restored", actor, clock.now(), message)


def snooze_contact(
    session: Session,
    actor: Actor,
    contact_id: int,
    days: int = SNOOZE_DAYS,
    *,
    message: MessageRef | None = None,
) -> ContactEvent:
    """Keep a contact off the stale lists for `days` days (it stays in the pipeline)."""
    if not 0 < days <= 366:
        raise InputError("A contact is snoozed for 1 to 366 days.")
    contact = _changeable(session, actor, contact_id)
    _refuse_archived(contact, "snoozed")
    now = clock.now()
    if contact.snoozed_until is not None and contact.snoozed_until > now:
        raise AlreadyDone(
            f"{escape(contact.name)} is snoozed already, until {time_token(contact.snoozed_until)}."
        )
    contact.snoozed_until = now + timedelta(days=days)
    note = f"until {contact.snoozed_until.date().isoformat()}"
    return _recorded(session, contact, "snoozed", actor, now, message, note)


def _open_reengagement(session: Session, contact: Contact) -> Task | None:
    """The task of the contact's latest re-engagement, while it is open."""
    event = session.exec(
        select(ContactEvent)
        .where(ContactEvent.contact_id == saved_id(contact), ContactEvent.kind == "reengaged")
        .order_by(col(ContactEvent.at).desc(), col(ContactEvent.id).desc())
    ).first()
    task = _task_of(session, contact, event) if event is not None else None
    return task if task is not None and task.status in OPEN_STATUSES else None


def _task_of(session: Session, contact: Contact, event: ContactEvent) -> Task | None:
    try:
        number = parse_task_id(event.note or "")
    except InputError:
        return None
    return session.exec(
        select(Task).where(Task.team_id == contact.team_id, Task.number == number)
    ).first()


def _first_name(session: Session, team_id: str, user_id: str) -> str | None:
    user = session.get(User, (team_id, user_id))
    name = user.display_name if user is not None else None
    return name.split()[0] if name and name.strip() else None


def reengagement_text(
    session: Session, settings: Settings, contact: Contact, assignee_id: str
) -> str | None:
    """The `re-engagement` template filled for the contact ({contact} its first name,
    {client} its client or company, {va} the assignee's first name; anything else left
    as written), or None without such a template."""
    template = settings.template(REENGAGE_TEMPLATE)
    if template is None:
        return None
    client = contacts.client_of(session, contact)
    values = {
        "contact": contact.name.split()[0],
        "client": client.name if client is not None else contact.company,
        "va": _first_name(session, contact.team_id, assignee_id),
    }
    return fill_placeholders(template.text, {k: v for k, v in values.items() if v})


def reengage_contact(
    session: Session,
    settings: Settings,
    actor: Actor,
    contact_id: int,
    *,
    message: MessageRef | None = None,
) -> Task:
    """A task for the contact's owner (or the presser, when nobody owns it) to get back in
    touch, from the `re-engagement` template when there is one; it touches the contact.
    Refused while the last re-engagement's task is still open."""
    contact = _changeable(session, actor, contact_id)
    _refuse_archived(contact, "re-engaged")
    open_task = _open_reengagement(session, contact)
    if open_task is not None:
        raise AlreadyDone(
            f"{escape(contact.name)} is being re-engaged already: "
            f"*{format_task_id(open_task.number)}* for <@{open_task.assignee_id}> is still "
            f"{open_task.status.replace('_', ' ')}."
        )
    assignee, now = contact.owner_id or actor.user_id, clock.now()
    text = reengagement_text(session, settings, contact, assignee)
    title = f"Re-engage {contact.name}"
    if text and text.strip():
        title += ": " + truncate(text.strip().splitlines()[0], TITLE_EXCERPT)
    why = f"No touch for {_days_since(contact, now)} days in {contact.stage}."
    description = why if text is None else f"{why}\n\n{text}"
    task = create_task(
        session,
        actor,
        NewTask(
            title=truncate(title, MAX_TITLE_LENGTH),
            description=truncate(description, NOTES_LIMIT),
            client_id=contact.client_id,
            assignee_id=assignee,
        ),
    )
    task.contact_id = saved_id(contact)
    session.add(task)
    contacts.touch(session, contact, now)
    _recorded(session, contact, "reengaged", actor, now, message, format_task_id(task.number))
    return task


def restore_contact_named(session: Session, actor: Actor, written: str) -> ContactEvent:
    """`/contact restore <name>`: the archived contact of that name (any case) back in
    its stage."""
    if not written.strip():
        raise InputError("Name the contact to restore, e.g. `/contact restore Bob Jones`.")
    named = contacts.contacts_named(session, actor.team_id, contacts.check_name(written))
    archived = [contact for contact in named if contact.archived_at is not None]
    if not named:
        contacts.contact_named(session, actor.team_id, written)  # says there is none
    if not archived:
        raise AlreadyDone(f"{escape(named[0].name)} is not archived; nothing to restore.")
    if len(archived) > 1:
        raise contacts.AmbiguousContact(written, archived)
    return restore_contact(session, actor, saved_id(archived[0]))
