"""Contacts as records: names looked up as written, one contact per Slack user, the
history of every step, who may change a contact, and touches."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from bot import clock
from bot.services import contact_writers, contacts
from bot.services.contacts import NewContact
from bot.services.errors import InputError, NotFound, PermissionDenied
from store.db import session_scope
from store.models import Contact, ContactEvent, ContactTag

NOW = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _pinned_clock() -> None:
    clock.set_now(NOW)


def add(engine, settings, actor, name: str, **fields) -> Contact:
    with session_scope(engine) as session:
        return contacts.create_contact(session, settings, actor, NewContact(name=name, **fields))


def test_a_new_contact_starts_in_the_first_open_stage_with_its_creation_recorded(
    engine, settings, actor_for
):
    contact = add(engine, settings, actor_for("U0VA1"), "  Bob   Jones ", owner_id="U0VA1")
    assert (contact.name, contact.name_key, contact.stage) == ("Bob Jones", "bob jones", "Lead")
    with session_scope(engine) as session:
        found = contacts.contact_named(session, contact.team_id, "BOB jones")
        kinds = [e.kind for e in contacts.events_of(session, found)]
    assert found.id == contact.id and kinds == ["created"]


def test_a_new_contact_may_start_in_a_stage_of_its_own_with_its_deal(engine, settings, actor_for):
    contact = add(
        engine,
        settings,
        actor_for("U0VA1"),
        "Ana Núñez",
        stage="booked",
        next_step="Send the proposal",
        amount_minor=120050,
        currency="USD",
    )
    assert (contact.stage, contact.next_step, contact.amount_minor) == (
        "Booked",
        "Send the proposal",
        120050,
    )
    with session_scope(engine) as session:
        (created,) = contacts.events_of(session, contact)
    assert (created.kind, created.to_stage) == ("created", "Booked")
    with pytest.raises(InputError) as refused:
        add(engine, settings, actor_for("U0VA1"), "Ben Okafor", stage="Won")
    assert "Stages: Lead, Booked, Closed, Lost" in refused.value.message


def test_a_name_already_known_is_refused_with_the_existing_contact(engine, settings, actor_for):
    actor = actor_for("U0VA1")
    first = add(engine, settings, actor, "Bob Jones")
    with session_scope(engine) as session, pytest.raises(contacts.DuplicateContact) as refused:
        contacts.create_contact(session, settings, actor, NewContact(name="bob  jones"))
    assert refused.value.existing.id == first.id and "already a contact" in refused.value.message


def test_an_unknown_name_suggests_find_and_add(engine, settings, actor_for):
    add(engine, settings, actor_for("U0VA1"), "Bob Jones")
    with session_scope(engine) as session, pytest.raises(NotFound) as refused:
        contacts.contact_named(session, "T0TEAM", "Jonas")
    assert "/find Jonas" in refused.value.message and "/contact add Jonas" in refused.value.message


def test_an_empty_or_overlong_name_is_refused(engine, settings, actor_for):
    actor = actor_for("U0VA1")
    for name in ("   ", "x" * 201):
        with pytest.raises(InputError):
            add(engine, settings, actor, name)


def test_a_client_who_writes_becomes_one_contact_and_keeps_their_earlier_tags(
    engine, settings, actor_for
):
    actor = actor_for("U0VA1")
    with session_scope(engine) as session:
        session.add(
            ContactTag(
                team_id=actor.team_id,
                contact_id="U0CLIENT",
                tag="Lead – Hot Prospect",
                tagged_by="U0VA1",
                tagged_at=NOW - timedelta(days=1),
            )
        )
    for minutes in (0, 5):
        with session_scope(engine) as session:
            contact_writers.contact_for_writer(
                session,
                settings,
                actor.team_id,
                "U0CLIENT",
                None,
                "Carol Client",
                NOW + timedelta(minutes=minutes),
            )
    with session_scope(engine) as session:
        rows = list(session.exec(select(Contact).where(Contact.slack_user_id == "U0CLIENT")))
        assert len(rows) == 1 and rows[0].source == "client message"
        assert rows[0].last_touch_at == NOW + timedelta(minutes=5)
        assert contacts.current_tag(session, rows[0]) == "Lead – Hot Prospect"
        created = session.exec(select(ContactEvent).where(ContactEvent.kind == "created")).all()
        assert len(created) == 1


def test_a_va_changes_only_contacts_they_own_or_nobody_owns(engine, settings, actor_for):
    va1, va2, owner = actor_for("U0VA1"), actor_for("U0VA2"), actor_for("U0OWNER")
    owned = add(engine, settings, va1, "Bob Jones", owner_id="U0VA1")
    unowned = add(engine, settings, va1, "Ann Lee")
    contacts.check_may_change_contact(va1, owned)
    contacts.check_may_change_contact(va2, unowned)
    contacts.check_may_change_contact(owner, owned)
    with pytest.raises(PermissionDenied) as refused:
        contacts.check_may_change_contact(va2, owned)
    assert "<@U0VA1>" in refused.value.message


def test_a_note_is_kept_and_touches_the_contact(engine, settings, actor_for):
    actor = actor_for("U0VA2")
    contact = add(engine, settings, actor, "Bob Jones", owner_id="U0VA1")
    clock.set_now(NOW + timedelta(days=3))
    with session_scope(engine) as session:
        row = contacts.contact_named(session, actor.team_id, "Bob Jones")
        contacts.add_note(session, actor, row, "  Called <b>, wants a quote  ")
    with session_scope(engine) as session:
        row = session.get(Contact, contact.id)
        note = contacts.events_of(session, row)[0]
    assert (note.kind, note.note, note.actor_id) == ("note", "Called <b>, wants a quote", "U0VA2")
    assert row.last_touch_at == NOW + timedelta(days=3)
    with session_scope(engine) as session, pytest.raises(InputError):
        contacts.add_note(session, actor, session.get(Contact, contact.id), "  ")


def test_an_unknown_stage_is_refused_with_the_valid_ones(settings):
    assert contacts.resolve_stage(settings, " booked ").name == "Booked"
    with pytest.raises(InputError) as refused:
        contacts.resolve_stage(settings, "Won")
    assert "Lead, Booked, Closed, Lost" in refused.value.message


def test_a_contact_locked_for_update_is_read_again(engine, settings, actor_for):
    """A unit of work that read a contact before locking it sees what another committed
    meanwhile (PostgreSQL; SQLite runs one unit of work at a time)."""
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite runs one unit of work at a time")
    contact = add(engine, settings, actor_for("U0VA1"), "Bob Jones")
    with Session(engine, expire_on_commit=False) as first:
        assert first.get_one(Contact, contact.id).stage == "Lead"
        with session_scope(engine) as second:
            second.get_one(Contact, contact.id).stage = "Booked"
        locked = contacts.get_contact(first, contact.team_id, contact.id, for_update=True)
        assert locked.stage == "Booked"
        first.rollback()
