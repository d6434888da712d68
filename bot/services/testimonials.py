"""Testimonials (SOP: send testimonial requests to happy clients, log the answers).

The weekly `testimonials` routine lists the clients to ask, as things stood when it was
posted: work of theirs (a client task) completed in the last `[testimonials] after_days`,
a last CSAT rating of 4 or more, and no testimonial request in the last 90 days.

**Request testimonial** previews the `testimonial` template filled for the client's
channel; the VA edits it and it is posted there as their reply, exactly as `/template`
posts one. The request is a `testimonial_requested` step of a contact of the client (with
the post's channel and ts), so the client is not asked again for 90 days; two VAs asking
at once take turns and the second is told. Which contact: the client's contact who wrote
last in its channel, else its first contact (not archived); a client with no contact yet
but someone who wrote in its channel gets that person's contact made (as a client who
writes becomes one); a client with neither (or without a channel) is listed with why it
cannot be asked in Slack and no button.

A client's message in the request's thread is kept on that contact, whole and readable,
as a `testimonial_answer` step.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot import clock
from bot.services.chats import ChatMessage, instant_of, on_the_team
from bot.services.contact_writers import contact_for_writer, learn_name
from bot.services.contacts import contact_of_slack_user, record_event, touch
from bot.services.errors import AlreadyDone, InputError, NotFound, PermissionDenied
from bot.services.people import Actor, ProfileLookup
from bot.services.rows import saved_id
from bot.services.templates import Filled, fill_template, last_client_writer
from bot.services.text import escape, readable, time_token
from store.models import Client, Contact, ContactEvent, CsatPrompt, Task
from store.sql import advisory_lock

if TYPE_CHECKING:
    from bot.settings import Settings

ROUTINE = "testimonials"
TEMPLATE = "testimonial"
REQUESTED = "testimonial_requested"
ANSWERED = "testimonial_answer"
ASK_AGAIN_AFTER = timedelta(days=90)
HAPPY_RATING = 4
NO_TEMPLATE = (
    "There is no `testimonial` template to ask with yet. An owner adds one to vadesk.toml, "
    'e.g. `[templates.testimonial]` with `text = "Hi {contact}, would you share a few words '
    'about working with {va}? Just reply in this thread."`, and restarts VA Desk.'
)


@dataclass(frozen=True)
class Candidate:
    """A client to ask, as the routine's list shows it."""

    client: Client
    rating: int  # its last CSAT rating
    completed: int  # its tasks completed in the window
    last_completed: datetime
    why_not: str | None  # why it cannot be asked in Slack, when it cannot
    asked: ContactEvent | None  # the request made since the list was posted
    answers: list[ContactEvent]  # the answers kept in that request's thread


def _worked(session: Session, team_id: str, since: datetime, until: datetime) -> list[Any]:
    return list(
        session.exec(
            select(Task.client_id, sa.func.count(), sa.func.max(Task.completed_at))
            .where(
                Task.team_id == team_id,
                Task.status == "done",
                col(Task.client_id).is_not(None),
                col(Task.completed_at) >= since,
                col(Task.completed_at) <= until,
            )
            .group_by(col(Task.client_id))
        ).all()
    )


def _last_ratings(session: Session, team_id: str, ids: list[int], at: datetime) -> dict[int, int]:
    rows = session.exec(
        select(Task.client_id, CsatPrompt.rating)
        .join(Task, col(Task.id) == CsatPrompt.task_id)
        .where(
            CsatPrompt.team_id == team_id,
            col(CsatPrompt.rating).is_not(None),
            col(CsatPrompt.rated_at) <= at,
            col(Task.client_id).in_(ids),
        )
        .order_by(col(CsatPrompt.rated_at).desc(), col(CsatPrompt.id).desc())
    )
    latest: dict[int, int] = {}
    for client_id, rating in rows:
        if client_id is not None and rating is not None:  # both are, by the query
            latest.setdefault(client_id, rating)
    return latest


def _requests(
    session: Session, team_id: str, ids: list[int], since: datetime, until: datetime | None
) -> dict[int, ContactEvent]:
    """The first request of each client made at or after `since` (and before `until`)."""
    query = (
        select(Contact.client_id, ContactEvent)
        .join(Contact, col(Contact.id) == ContactEvent.contact_id)
        .where(
            ContactEvent.team_id == team_id,
            ContactEvent.kind == REQUESTED,
            col(ContactEvent.at) >= since,
            col(Contact.client_id).in_(ids),
        )
        .order_by(col(ContactEvent.at), col(ContactEvent.id))
    )
    if until is not None:
        query = query.where(col(ContactEvent.at) < until)
    found: dict[int, ContactEvent] = {}
    for client_id, event in session.exec(query):
        if client_id is not None:  # it is, by the query
            found.setdefault(client_id, event)
    return found


def _answers(session: Session, request: ContactEvent) -> list[ContactEvent]:
    """The answers kept on the request's contact, in its channel, since it was made."""
    return list(
        session.exec(
            select(ContactEvent)
            .where(
                ContactEvent.contact_id == request.contact_id,
                ContactEvent.kind == ANSWERED,
                ContactEvent.channel_id == request.channel_id,
                col(ContactEvent.at) >= request.at,
            )
            .order_by(col(ContactEvent.at))
        )
    )


def happy_clients(
    session: Session, settings: Settings, team_id: str, at: datetime
) -> list[Candidate]:
    """The clients to ask as of `at` (the routine's slot), each with the request made
    since, if any; most recent work first."""
    since = at - timedelta(days=settings.testimonials.after_days)
    worked = {row[0]: (row[1], row[2]) for row in _worked(session, team_id, since, at)}
    ratings = _last_ratings(session, team_id, list(worked), at)
    happy = [cid for cid, rating in ratings.items() if rating >= HAPPY_RATING]
    asked_before = _requests(session, team_id, happy, at - ASK_AGAIN_AFTER, at)
    ids = [cid for cid in happy if cid not in asked_before]
    asked_since = _requests(session, team_id, ids, at, None)
    clients = session.exec(select(Client).where(col(Client.id).in_(ids))).all()
    listed = []
    for client in clients:
        done, last = worked[saved_id(client)]
        asked = asked_since.get(saved_id(client))
        listed.append(
            Candidate(
                client=client,
                rating=ratings[saved_id(client)],
                completed=done,
                last_completed=last,
                why_not=None if asked else _why_not(session, client),
                asked=asked,
                answers=_answers(session, asked) if asked else [],
            )
        )
    return sorted(listed, key=lambda c: (c.last_completed, saved_id(c.client)), reverse=True)


def _first_contact(session: Session, client: Client) -> Contact | None:
    return session.exec(
        select(Contact)
        .where(
            Contact.team_id == client.team_id,
            Contact.client_id == saved_id(client),
            col(Contact.archived_at).is_(None),
        )
        .order_by(col(Contact.id))
    ).first()


def _writer_and_contact(session: Session, client: Client) -> tuple[str | None, Contact | None]:
    """Who from the client wrote last in its channel, and the contact to ask."""
    writer = last_client_writer(session, client.team_id, client.channel_id or "")
    if writer is not None:
        contact = contact_of_slack_user(session, client.team_id, writer)
        usable = contact is not None and contact.archived_at is None
        if usable and contact is not None and contact.client_id in (None, client.id):
            return writer, contact
    return writer, _first_contact(session, client)


def _why_not(session: Session, client: Client) -> str | None:
    if client.channel_id is None:
        return "it has no client channel to ask in"
    writer, contact = _writer_and_contact(session, client)
    if contact is None and writer is None:
        add = escape(f"/contact add <their name> #{client.key}")
        return (
            f"nobody from {escape(client.name)} has a contact or has written in its channel; "
            f"add one with `{add}`"
        )
    return None


def _client(session: Session, team_id: str, client_id: int) -> Client:
    client = session.get(Client, client_id)
    if client is None or client.team_id != team_id:
        raise NotFound("That client is not in VA Desk (anymore).")
    return client


def _check_may_ask(session: Session, settings: Settings, actor: Actor, client: Client) -> str:
    """The channel to ask in; refused for someone off the team, a client asked in the last
    90 days (naming who asked and when), or one that cannot be asked in Slack."""
    if not on_the_team(session, settings, actor.team_id, actor.user_id):
        raise PermissionDenied("Only the team asks clients for testimonials.")
    earlier = _requests(
        session, actor.team_id, [saved_id(client)], clock.now() - ASK_AGAIN_AFTER, None
    )
    if earlier:
        event = next(iter(earlier.values()))
        raise AlreadyDone(
            f"{escape(client.name)} was asked for a testimonial by <@{event.actor_id}> "
            f"{time_token(event.at)}; VA Desk asks a client at most once in 90 days."
        )
    why = _why_not(session, client)
    if why is not None:
        raise InputError(f"{escape(client.name)} cannot be asked in Slack: {why}.")
    return client.channel_id or ""


@dataclass(frozen=True)
class Preview:
    filled: Filled
    contact_name: str | None  # whose contact the answer is kept on (None: made on posting)


def preview_request(
    session: Session,
    settings: Settings,
    actor: Actor,
    client_id: int,
    lookup: ProfileLookup | None = None,
) -> Preview:
    """The `testimonial` template filled for the client's channel, to edit and post."""
    if settings.template(TEMPLATE) is None:
        raise NotFound(NO_TEMPLATE)
    client = _client(session, actor.team_id, client_id)
    channel = _check_may_ask(session, settings, actor, client)
    writer, contact = _writer_and_contact(session, client)
    name = contact.name if contact is not None else None
    if contact is not None and writer is not None and contact.name == writer:
        name = _writer_name(lookup, writer)  # made by their message, before their name was known
    addressed = name.split()[0] if name is not None and name != writer else None
    filled = fill_template(session, settings, actor, TEMPLATE, channel, lookup, addressed)
    return Preview(filled, name)


@dataclass(frozen=True)
class Claim:
    """A request recorded before it is posted: only one VA posts for the client."""

    event_id: int
    channel: str
    contact_name: str


def _writer_name(lookup: ProfileLookup | None, user_id: str) -> str:
    profile = lookup(user_id) if lookup is not None else None
    details = profile.get("profile") if isinstance(profile, dict) else None
    for name in (
        profile.get("real_name") if isinstance(profile, dict) else None,
        details.get("real_name") if isinstance(details, dict) else None,
    ):
        if isinstance(name, str) and name.strip():
            return name
    return user_id


def claim_request(
    session: Session,
    settings: Settings,
    actor: Actor,
    client_id: int,
    lookup: ProfileLookup | None = None,
) -> Claim:
    """Record the request on the client's contact (made for the last writer when it has
    none yet) before posting it; the same checks as the preview, in the client's turn."""
    client = _client(session, actor.team_id, client_id)
    advisory_lock(session, f"vadesk-testimonial:{client.team_id}:{client_id}")
    channel = _check_may_ask(session, settings, actor, client)
    writer, contact = _writer_and_contact(session, client)
    if contact is None and writer is not None:
        name = _writer_name(lookup, writer)
        contact = contact_for_writer(
            session, settings, client.team_id, writer, saved_id(client), name, clock.now()
        )
    elif contact is not None and writer is not None and contact.name == writer:
        named = learn_name(session, client.team_id, writer, _writer_name(lookup, writer))
        contact = named or contact
    if contact is None:  # _check_may_ask refused a client with neither
        raise InputError(f"{escape(client.name)} has no contact to ask.")
    event = record_event(session, contact, REQUESTED, actor.user_id, channel_id=channel)
    session.flush()
    return Claim(saved_id(event), channel, contact.name)


def mark_posted(session: Session, event_id: int, ts: str) -> None:
    """The request's post: its thread is where the client's answer is looked for."""
    event = session.get_one(ContactEvent, event_id)
    event.message_ts = ts
    session.add(event)


def withdraw(session: Session, event_id: int) -> None:
    """Slack refused the post: the client was not asked, so it may be asked again."""
    event = session.get(ContactEvent, event_id)
    if event is not None and event.message_ts is None:
        session.delete(event)


def keep_answer(session: Session, message: ChatMessage) -> ContactEvent | None:
    """A client's message in the thread of a testimonial request, kept on the request's
    contact (one indexed lookup, for thread replies only)."""
    if message.thread_ts is None or message.user is None:
        return None
    request = session.exec(
        select(ContactEvent).where(
            ContactEvent.team_id == message.team_id,
            ContactEvent.channel_id == message.channel,
            ContactEvent.message_ts == message.thread_ts,
            ContactEvent.kind == REQUESTED,
        )
    ).first()
    if request is None:
        return None
    contact = session.get_one(Contact, request.contact_id)
    at = instant_of(message.ts)
    text = readable(message.text or "", lambda _user_id: None).strip()
    answer = record_event(
        session,
        contact,
        ANSWERED,
        message.user,
        at,
        note=text or None,
        channel_id=message.channel,
        message_ts=message.ts,
    )
    touch(session, contact, at)
    return answer
