"""Which contact a testimonial request is recorded on, and which thread replies are kept
as its answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot import clock
from bot.services import chats, contacts, testimonials
from bot.services.chats import ChatMessage
from bot.services.contacts import NewContact
from bot.services.errors import InputError
from store.db import session_scope
from store.models import Client, Contact, ContactEvent
from tests.conftest import TEAM

NOW = datetime(2026, 12, 2, 16, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _pinned_clock() -> None:
    clock.set_now(NOW)


def ts(at: datetime) -> str:
    return f"{at.timestamp():.6f}"


def acme(session) -> Client:
    return session.exec(select(Client).where(Client.key == "acme")).one()


def add(engine, settings, actor, name: str, **fields) -> Contact:
    with session_scope(engine) as session:
        new = NewContact(name=name, client_id=acme(session).id, **fields)
        return contacts.create_contact(session, settings, actor, new)


def writes(engine, settings, user: str, at: datetime) -> None:
    with session_scope(engine) as session:
        message = ChatMessage(team_id=TEAM, channel="C0ACME", user=user, ts=ts(at), text="Hi")
        chats.record_message(session, settings, message)


def claimed(engine, settings, actor) -> tuple[testimonials.Claim, ContactEvent]:
    with session_scope(engine) as session:
        claim = testimonials.claim_request(session, settings, actor, acme(session).id)
        return claim, session.get_one(ContactEvent, claim.event_id)


def test_the_request_goes_on_the_contact_who_wrote_last_else_the_first(engine, settings, actor_for):
    actor = actor_for("U0VA1")
    add(engine, settings, actor, "Ann Lee")
    bob = add(engine, settings, actor, "Bob Jones", slack_user_id="U0BOB")
    writes(engine, settings, "U0BOB", NOW - timedelta(hours=1))
    claim, event = claimed(engine, settings, actor)
    assert (claim.contact_name, event.contact_id, event.channel_id) == (
        "Bob Jones",
        bob.id,
        "C0ACME",
    )
    assert event.message_ts is None  # until the post says where it is
    with session_scope(engine) as session:
        testimonials.withdraw(session, claim.event_id)
    # Bob archived: the first contact, Ann, is asked instead.
    with session_scope(engine) as session:
        session.get_one(Contact, bob.id).archived_at = NOW
    claim, _event = claimed(engine, settings, actor)
    assert claim.contact_name == "Ann Lee"


def test_a_client_with_no_contact_and_nobody_who_wrote_is_not_asked(engine, settings, actor_for):
    actor = actor_for("U0VA1")
    with session_scope(engine) as session, pytest.raises(InputError) as refused:
        testimonials.claim_request(session, settings, actor, acme(session).id)
    assert "Acme Corp cannot be asked in Slack: nobody from Acme Corp has a contact" in (
        refused.value.message
    )
    with session_scope(engine) as session:
        assert session.exec(select(ContactEvent)).all() == []


def test_only_a_reply_in_a_requests_thread_is_kept(engine, settings, actor_for):
    actor = actor_for("U0VA1")
    add(engine, settings, actor, "Ann Lee")
    claim, _event = claimed(engine, settings, actor)
    with session_scope(engine) as session:
        testimonials.mark_posted(session, claim.event_id, ts(NOW))

    def reply(thread: str | None, channel: str = "C0ACME") -> ContactEvent | None:
        message = ChatMessage(
            team_id=TEAM,
            channel=channel,
            user="U0CLIENT",
            ts=ts(NOW + timedelta(minutes=5)),
            thread_ts=thread,
            text="Lovely &lt;3",
        )
        with session_scope(engine) as session:
            return testimonials.keep_answer(session, message)

    assert reply(None) is None
    assert reply(ts(NOW - timedelta(days=1))) is None
    assert reply(ts(NOW), channel="C0GLOBEX") is None
    kept = reply(ts(NOW))
    assert kept is not None and (kept.kind, kept.note) == ("testimonial_answer", "Lovely <3")
    with session_scope(engine) as session:
        ann = session.exec(select(Contact).where(Contact.name == "Ann Lee")).one()
    assert ann.last_touch_at == NOW + timedelta(minutes=5)
