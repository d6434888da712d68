"""Stale contacts as a service: the boundary of each stage's `stale_after_days`, oldest
touch first, snoozed and archived contacts left out, a VA's own and the unowned, and the
four actions (archive, restore, snooze, re-engage), each once and only when allowed."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from bot import clock
from bot.services import contacts, stale, tasks
from bot.services.contacts import NewContact
from bot.services.errors import AlreadyDone, InputError, NotFound, PermissionDenied
from store.db import session_scope
from store.models import Client, Contact, ContactEvent, Task, User
from tests.conftest import CONFIG_TOML, TEAM

NOW = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)
REENGAGEMENT_TOML = """
[templates.re-engagement]
text = "Check in with {contact} of {client}: {va} asks whether to pick up again.\\nSecond line"
"""


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "vadesk.toml"
    path.write_text(CONFIG_TOML + REENGAGEMENT_TOML, encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def _pinned_clock() -> None:
    clock.set_now(NOW)


def add(engine, settings, actor, name: str, touched: timedelta, **fields) -> Contact:
    """A contact created `touched` before NOW (its last touch then)."""
    clock.set_now(NOW - touched)
    with session_scope(engine) as session:
        contact = contacts.create_contact(session, settings, actor, NewContact(name=name, **fields))
    clock.set_now(NOW)
    return contact


def listed(engine, settings, limit: int = 10, **options) -> list[str]:
    with session_scope(engine) as session:
        found = stale.stale_contacts(session, settings, TEAM, clock.now(), limit, **options)
    return [item.contact.name for item in found]


def count(engine, settings, **options) -> int:
    with session_scope(engine) as session:
        return stale.stale_count(session, settings, TEAM, clock.now(), **options)


def move(engine, contact: Contact, stage: str) -> None:
    with session_scope(engine) as session:
        row = session.get_one(Contact, contact.id)
        row.stage = stage
        session.add(row)


def test_a_lead_goes_stale_just_after_its_stage_days_and_the_oldest_comes_first(
    engine, settings, actor_for
):
    va = actor_for("U0VA1")
    add(engine, settings, va, "Exactly Fourteen", timedelta(days=14))
    add(engine, settings, va, "Just Past", timedelta(days=14, minutes=1))
    add(engine, settings, va, "Long Gone", timedelta(days=40))
    add(engine, settings, va, "Fresh", timedelta(days=2))
    assert listed(engine, settings) == ["Long Gone", "Just Past"]
    assert count(engine, settings) == 2
    assert listed(engine, settings, limit=1) == ["Long Gone"]
    clock.set_now(NOW + timedelta(minutes=1))  # a minute on, 14 days exactly is past too
    assert listed(engine, settings) == ["Long Gone", "Just Past", "Exactly Fourteen"]


def test_each_stage_has_its_own_days_and_a_stage_without_them_never_goes_stale(
    engine, settings, actor_for
):
    va = actor_for("U0VA1")
    booked = add(engine, settings, va, "Booked Eight", timedelta(days=8))
    move(engine, booked, "Booked")  # 7 days
    closed = add(engine, settings, va, "Closed Long Ago", timedelta(days=400))
    move(engine, closed, "Closed")  # no stale_after_days
    add(engine, settings, va, "Lead Eight", timedelta(days=8))  # 14 days
    with session_scope(engine) as session:
        (item,) = stale.stale_contacts(session, settings, TEAM, NOW, 10)
    assert (item.contact.name, item.stage.name, item.days) == ("Booked Eight", "Booked", 8)


def test_snoozed_and_archived_contacts_are_left_out_until_the_snooze_ends_or_a_restore(
    engine, settings, actor_for
):
    va = actor_for("U0VA1")
    snoozed = add(engine, settings, va, "Snoozed", timedelta(days=20))
    archived = add(engine, settings, va, "Archived", timedelta(days=30))
    with session_scope(engine) as session:
        stale.snooze_contact(session, va, snoozed.id)
        stale.archive_contact(session, va, archived.id)
    assert listed(engine, settings) == [] and count(engine, settings) == 0
    clock.set_now(NOW + timedelta(days=30))  # the snooze ends at this very instant
    assert listed(engine, settings) == ["Snoozed"]
    with session_scope(engine) as session:
        stale.restore_contact(session, va, archived.id)
    assert listed(engine, settings) == ["Archived", "Snoozed"]
    with session_scope(engine) as session:
        row = session.get_one(Contact, archived.id)
        kinds = [e.kind for e in contacts.events_of(session, row)]
    assert (row.archived_at, row.archived_by) == (None, None)
    assert kinds == ["restored", "archived", "created"]


def test_a_vas_list_has_the_contacts_they_own_and_the_unowned(engine, settings, actor_for):
    va = actor_for("U0VA1")
    add(engine, settings, va, "Mine", timedelta(days=20), owner_id="U0VA1")
    add(engine, settings, va, "Theirs", timedelta(days=21), owner_id="U0VA2")
    add(engine, settings, va, "Nobody's", timedelta(days=22))
    assert listed(engine, settings, owned_by="U0VA1") == ["Nobody's", "Mine"]
    assert count(engine, settings, owned_by="U0VA1") == 2
    assert listed(engine, settings) == ["Nobody's", "Theirs", "Mine"]


def test_archive_records_who_and_a_second_archive_says_it_is_archived_already(
    engine, settings, actor_for
):
    va = actor_for("U0VA1")
    contact = add(engine, settings, va, "Bob Jones", timedelta(days=20), owner_id="U0VA1")
    message = stale.MessageRef("C0DIGEST", "1700000000.000100")
    with session_scope(engine) as session:
        event = stale.archive_contact(session, va, contact.id, message=message)
    assert (event.kind, event.channel_id, event.message_ts) == (
        "archived",
        "C0DIGEST",
        "1700000000.000100",
    )
    with session_scope(engine) as session, pytest.raises(AlreadyDone) as again:
        stale.archive_contact(session, actor_for("U0SUPER"), contact.id)
    assert again.value.message.startswith("Bob Jones was archived already, by <@U0VA1>")
    with session_scope(engine) as session:
        row = session.get_one(Contact, contact.id)
        archived = session.exec(select(ContactEvent).where(ContactEvent.kind == "archived")).all()
        # Archived contacts stay findable by name.
        assert contacts.contact_named(session, TEAM, "bob jones").id == contact.id
    assert (row.archived_at, row.archived_by, len(archived)) == (NOW, "U0VA1", 1)


def test_a_va_cannot_act_on_another_vas_contact_and_nothing_changes(engine, settings, actor_for):
    contact = add(
        engine, settings, actor_for("U0VA1"), "Bob Jones", timedelta(days=20), owner_id="U0VA1"
    )
    other = actor_for("U0VA2")
    for act in (
        lambda s: stale.archive_contact(s, other, contact.id),
        lambda s: stale.snooze_contact(s, other, contact.id),
        lambda s: stale.reengage_contact(s, settings, other, contact.id),
    ):
        with session_scope(engine) as session, pytest.raises(PermissionDenied) as refused:
            act(session)
        assert "is <@U0VA1>'s contact" in refused.value.message
    with session_scope(engine) as session:
        row = session.get_one(Contact, contact.id)
        assert session.exec(select(Task)).all() == []
        assert [e.kind for e in contacts.events_of(session, row)] == ["created"]
    assert (row.archived_at, row.snoozed_until) == (None, None)
    # A supervisor may act on anyone's.
    with session_scope(engine) as session:
        stale.snooze_contact(session, actor_for("U0SUPER"), contact.id)


def test_a_snooze_lasts_thirty_days_and_a_second_one_says_so(engine, settings, actor_for):
    va = actor_for("U0VA1")
    contact = add(engine, settings, va, "Bob Jones", timedelta(days=20))
    with session_scope(engine) as session:
        event = stale.snooze_contact(session, va, contact.id)
    assert (event.kind, event.note) == ("snoozed", "until 2026-12-30")
    with session_scope(engine) as session, pytest.raises(AlreadyDone) as again:
        stale.snooze_contact(session, va, contact.id)
    assert "is snoozed already, until" in again.value.message
    with session_scope(engine) as session:
        assert session.get_one(Contact, contact.id).snoozed_until == NOW + timedelta(days=30)
        stale.archive_contact(session, va, contact.id)
    with session_scope(engine) as session, pytest.raises(InputError) as archived:
        stale.snooze_contact(session, va, contact.id)
    assert "is archived (by <@U0VA1>" in archived.value.message


def test_reengage_makes_one_task_for_the_owner_from_the_template_and_touches_the_contact(
    engine, settings, actor_for
):
    supervisor, owner = actor_for("U0SUPER"), actor_for("U0VA2")
    with session_scope(engine) as session:
        session.get_one(User, (TEAM, "U0VA2")).display_name = "Maria Lopez"
    with session_scope(engine) as session:
        acme = session.exec(select(Client).where(Client.key == "acme")).one().id
    contact = add(
        engine,
        settings,
        actor_for("U0VA1"),
        "Bob Jones",
        timedelta(days=20),
        owner_id="U0VA2",
        client_id=acme,
    )
    with session_scope(engine) as session:
        task = stale.reengage_contact(session, settings, supervisor, contact.id)
    assert task.title == (
        "Re-engage Bob Jones: Check in with Bob of Acme Corp: Maria asks whether to pick up again."
    )
    assert task.description.startswith("No touch for 20 days in Lead.\n\nCheck in with Bob")
    assert (task.assignee_id, task.creator_id, task.contact_id, task.client_id) == (
        "U0VA2",
        "U0SUPER",
        contact.id,
        acme,
    )
    with session_scope(engine) as session:
        row = session.get_one(Contact, contact.id)
        (event, *_) = contacts.events_of(session, row)
    assert row.last_touch_at == NOW and (event.kind, event.note) == ("reengaged", "T-1")
    assert listed(engine, settings) == []
    # A second press while the task is open says so and makes nothing.
    with session_scope(engine) as session, pytest.raises(AlreadyDone) as again:
        stale.reengage_contact(session, settings, owner, contact.id)
    assert again.value.message == (
        "Bob Jones is being re-engaged already: *T-1* for <@U0VA2> is still open."
    )
    # Once it is done, the contact can be re-engaged again.
    with session_scope(engine) as session:
        done = tasks.get_task(session, TEAM, 1)
        done.status = "done"
        session.add(done)
    with session_scope(engine) as session:
        second = stale.reengage_contact(session, settings, owner, contact.id)
    assert second.number == 2


def test_without_the_template_or_an_owner_the_presser_gets_a_plain_task(
    engine, settings, actor_for
):
    plain = replace(settings, templates=())
    va = actor_for("U0VA1")
    contact = add(engine, plain, va, "Bob <Jones>", timedelta(days=15))
    with session_scope(engine) as session:
        task = stale.reengage_contact(session, plain, va, contact.id)
    assert (task.title, task.assignee_id) == ("Re-engage Bob <Jones>", "U0VA1")
    assert task.description == "No touch for 15 days in Lead."


def test_restore_refuses_a_contact_not_archived_and_names_it_by_name(engine, settings, actor_for):
    va = actor_for("U0VA1")
    contact = add(engine, settings, va, "Bob Jones", timedelta(days=20))
    with session_scope(engine) as session, pytest.raises(AlreadyDone) as refused:
        stale.restore_contact_named(session, va, "bob jones")
    assert refused.value.message == "Bob Jones is not archived; nothing to restore."
    with session_scope(engine) as session, pytest.raises(NotFound):
        stale.restore_contact_named(session, va, "Nobody Here")
    with session_scope(engine) as session:
        stale.archive_contact(session, va, contact.id)
    with session_scope(engine) as session:
        event = stale.restore_contact_named(session, va, "BOB JONES")
    assert event.kind == "restored"


def test_a_messages_list_keeps_what_was_done_from_it_within_its_limit(engine, settings, actor_for):
    supervisor = actor_for("U0SUPER")
    made = [
        add(engine, settings, supervisor, f"Contact {n}", timedelta(days=40 - n)) for n in range(4)
    ]
    message = stale.MessageRef("C0DIGEST", "1700000000.000100")
    other = stale.MessageRef("C0DIGEST", "1700000000.000200")
    with session_scope(engine) as session:
        stale.archive_contact(session, supervisor, made[0].id, message=message)
        stale.snooze_contact(session, supervisor, made[2].id, message=other)
    with session_scope(engine) as session:
        shown = stale.stale_list(session, settings, TEAM, NOW, 2, message=message)
    assert [(i.contact.name, i.handled.kind if i.handled else None) for i in shown.items] == [
        ("Contact 0", "archived"),
        ("Contact 1", None),
    ]
    assert shown.more == 1  # Contact 3 (Contact 2 was snoozed from another message)
