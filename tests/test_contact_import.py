"""The contacts import's rules as services: a batch makes contacts exactly as
`create_contact` makes one, duplicates are found as it finds them, and each column's
refusals (the CLI's own tests, tests/test_contacts_io.py, read the files)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import col, select

from bot import clock
from bot.services import contact_batch, contact_writers, contacts
from bot.services.contact_import import import_contacts
from bot.services.contacts import NewContact
from bot.services.people import ensure_workspace, resolve_actor
from store.db import session_scope
from store.models import Contact, ContactEvent, ContactTag
from tests.conftest import TEAM

NOW = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _pinned_clock() -> None:
    clock.set_now(NOW)


@pytest.fixture
def owner(engine, settings):
    with session_scope(engine) as session:
        ensure_workspace(session, settings, TEAM)
        return resolve_actor(session, settings, TEAM, "U0OWNER")


def _deal(name: str, slack_user_id: str) -> NewContact:
    return NewContact(
        name=name,
        owner_id="U0VA1",
        company="Jones & Co",
        email="bob@jones.example",
        phone="+1 555 0100",
        slack_user_id=slack_user_id,
        source="import",
        stage="booked",
        next_step="Send the proposal",
        next_step_due=datetime(2026, 12, 4).date(),
        amount_minor=120050,
        currency="USD",
        expected_close=datetime(2027, 1, 15).date(),
    )


def _as_made(session, contact: Contact) -> tuple:
    """What a contact is, apart from which one it is (its id, name and Slack user)."""
    columns = contact.model_dump(exclude={"id", "name", "name_key", "slack_user_id"})
    events = session.exec(
        select(ContactEvent).where(ContactEvent.contact_id == contact.id).order_by(ContactEvent.id)
    )
    steps = [e.model_dump(exclude={"id", "contact_id"}) for e in events]
    tags = session.exec(select(ContactTag).where(ContactTag.record_id == contact.id))
    tagged = [t.model_dump(exclude={"id", "record_id", "contact_id"}) for t in tags]
    return columns, steps, tagged


def test_a_batch_makes_contacts_exactly_as_create_contact_makes_one(engine, settings, owner):
    with session_scope(engine) as session:
        one = contacts.create_contact(
            session, settings, owner, _deal("Bob Jones", "U0BOB"), tag="Lead – Hot Prospect"
        )
        (batch_id,) = contact_batch.create_contacts(
            session, settings, owner, [_deal("Bob Jones II", "U0BOB2")], ["Lead – Hot Prospect"]
        )
        made = session.get_one(Contact, batch_id)
        assert (made.name, made.name_key, made.slack_user_id) == (
            "Bob Jones II",
            "bob jones ii",
            "U0BOB2",
        )
        assert _as_made(session, made) == _as_made(session, one)


def test_duplicates_are_found_as_create_contact_refuses_them(engine, settings, owner):
    with session_scope(engine) as session:
        bob = contacts.create_contact(session, settings, owner, NewContact(name="Bob Jones"))
        zed = contact_writers.contact_for_writer(session, settings, TEAM, "U0ZED", None, "Zed", NOW)
        news = [
            NewContact(name="bob   JONES"),
            NewContact(name="Zed Zedson", slack_user_id="U0ZED"),
            NewContact(name="Bob Jones", slack_user_id="U0ZED"),  # the name decides first
            NewContact(name="Someone New", slack_user_id="U0NEW"),
        ]
        found = contact_batch.existing_duplicates(session, TEAM, news)
        assert {position: c.id for position, c in found.items()} == {
            0: bob.id,
            1: zed.id,
            2: bob.id,
        }
        for position, new in enumerate(news):
            if position in found:
                with pytest.raises(contacts.DuplicateContact) as refused:
                    contacts.create_contact(session, settings, owner, new)
                assert refused.value.existing.id == found[position].id


def _problems(engine, settings, owner, header: str, *rows: str) -> list[str]:
    columns = tuple(header.split(","))
    lines = [(n, row.split(",")) for n, row in enumerate(rows, start=2)]
    with session_scope(engine) as session:
        outcome = import_contacts(session, settings, owner, columns, lines, write=False)
        session.rollback()
    return [problem.text() for problem in outcome.problems]


@pytest.mark.parametrize(
    ("header", "row", "problem"),
    [
        ("name,next_step_due", "Bob,2026-12-01", "next_step_due: a due date needs its next_step."),
        (
            "name,stage_since",
            "Bob,2026-12-01T00:00:00Z",
            "stage_since: '2026-12-01T00:00:00Z' is later than now",
        ),
        ("name,last_touch_at", "Bob,yesterday", "last_touch_at: 'yesterday' is not a moment"),
        ("name,currency", "Bob,EUR", ""),  # a currency without an amount: nothing kept
        ("name,currency", "Bob,XYZ", "currency: 'XYZ' is not an ISO 4217 currency code"),
        ("name,amount,currency", "Bob,12,XYZ", "currency: 'XYZ' is not an ISO 4217 currency code"),
        ("name,amount,currency", "Bob,12.5,JPY", "amount: '12.5' has more decimals than JPY uses"),
        ("name,phone", "Bob,call me", "phone: 'call me' is not a phone number"),
        ("name,phone", "Bob,+1 (555) 010-0100 ext. 12", ""),
        ("name,email", "Bob,bob@example", "email: 'bob@example' is not an email address."),
        ("name,slack_user_id", "Bob,U0VA1", "slack_user_id: U0VA1 is on the team, not a contact."),
        (
            "name,client",
            "Bob,Initech",
            "client: There is no client 'Initech'; use a key of [clients] (acme, globex).",
        ),
        ("name,client", "Bob,ACME CORP", ""),
        ("name,owner", "Bob,U0SUPER", ""),
        (
            "name,company",
            "Bob," + "x" * 201,
            "company: The company is 201 characters long; the limit is 200.",
        ),
        ("name", "x" * 201, "name: A contact's name is at most 200 characters."),
        (
            "name,notes",
            "Bob," + "x" * 3001,
            "notes: A note is at most 3,000 characters; split it in two.",
        ),
        ("name,company", "Bob,Acme,,", ""),  # empty cells past the header are no cells
    ],
)
def test_each_column_refuses_what_it_cannot_keep(engine, settings, owner, header, row, problem):
    found = _problems(engine, settings, owner, header, row)
    if not problem:
        assert found == []
    else:
        (text,) = found
        assert problem in text and text.startswith("line 2 ")


def test_a_formula_an_export_neutralized_is_read_back_as_it_was(engine, settings, owner):
    rows = [(2, ["'=1+2", "'-5 ", "'+1 555 0100", "''quoted"])]
    with session_scope(engine) as session:
        outcome = import_contacts(
            session, settings, owner, ("name", "company", "phone", "next_step"), rows
        )
    (row,) = outcome.rows
    assert (row.new.name, row.new.company, row.new.phone, row.new.next_step) == (
        "=1+2",
        "-5",
        "+1 555 0100",
        "''quoted",  # not one spreadsheet_safe writes: kept
    )
    with session_scope(engine) as session:
        assert session.exec(select(Contact.name).order_by(col(Contact.id))).all() == ["=1+2"]
