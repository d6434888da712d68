"""Onboarding as tasks: a won contact's items for its owner (once per contact, unassigned
without an owner, tagged when the taxonomy has the tag), a client added to the settings
(once, however many processes start at once; none for the clients of the first start),
and the unfinished ones the weekly check lists."""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path

import pytest
from sqlmodel import select

from bot import clock
from bot.services import contacts, csat, onboarding, people
from bot.services.contacts import NewContact
from bot.services.tasks import NewTask, create_task, get_task
from bot.settings import load_settings
from store.db import create_db_engine, session_scope
from store.models import Client, Contact, ContactEvent, CsatPrompt, Task
from tests.conftest import BOT_TOKEN, CONFIG_TOML, PINNED_NOW, TEAM
from tests.vadesk_process import vadesk_argv, vadesk_env

ITEMS = [
    "Welcome message sent",
    "Account created",
    "First call booked",
    "Onboarding sequence triggered",
]
INITECH = '\n[clients.initech]\nname = "Initech"\nchannel = "C0INITECH"\nowner = "U0VA2"\n'


@pytest.fixture(autouse=True)
def _pinned_clock() -> None:
    clock.set_now(PINNED_NOW)


def settings_of(tmp_path: Path, database_url: str, text: str, name: str = "more.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_settings(
        {"VADESK_CONFIG": str(path), "DATABASE_URL": database_url}, load_dotenv_file=False
    )


def add_contact(engine, settings, actor, name: str, **fields) -> Contact:
    with session_scope(engine) as session:
        return contacts.create_contact(session, settings, actor, NewContact(name=name, **fields))


def client_id(engine, key: str) -> int:
    with session_scope(engine) as session:
        return session.exec(select(Client.id).where(Client.key == key)).one()


def onboarding_tasks(engine) -> list[Task]:
    with session_scope(engine) as session:
        return list(session.exec(select(Task).where(Task.onboarding).order_by(Task.number)).all())


def start(engine, settings, contact: Contact, actor_id: str = "U0VA1") -> list[int]:
    with session_scope(engine) as session:
        row = session.get_one(Contact, contact.id)
        return [t.number for t in onboarding.start_onboarding(session, settings, actor_id, row)]


def test_a_won_contact_gets_the_items_as_tasks_for_its_owner_once(engine, settings, actor_for):
    actor = actor_for("U0VA1")
    acme = client_id(engine, "acme")
    bob = add_contact(engine, settings, actor, "Bob Jones", owner_id="U0VA2", client_id=acme)
    assert start(engine, settings, bob) == [1, 2, 3, 4]
    made = onboarding_tasks(engine)
    assert [t.title for t in made] == ITEMS
    for task in made:
        assert (task.assignee_id, task.creator_id, task.tag) == (
            "U0VA2",
            "U0VA1",
            "Client – Onboarding",
        )
        assert (task.contact_id, task.client_id, task.status) == (bob.id, acme, "open")
    with session_scope(engine) as session:
        (event,) = session.exec(select(ContactEvent).where(ContactEvent.kind == "onboarding")).all()
    assert (event.contact_id, event.actor_id, event.note) == (bob.id, "U0VA1", "T-1, T-2, T-3, T-4")
    # A second won move (or won -> open -> won) makes none.
    assert start(engine, settings, bob, "U0SUPER") == []
    assert len(onboarding_tasks(engine)) == 4


def test_a_contact_nobody_owns_gets_unassigned_tasks(engine, settings, actor_for):
    nobody = add_contact(engine, settings, actor_for("U0VA1"), "Ann Lee")
    assert start(engine, settings, nobody) == [1, 2, 3, 4]
    assert {(t.assignee_id, t.client_id) for t in onboarding_tasks(engine)} == {(None, None)}


def test_without_the_tag_in_the_taxonomy_the_tasks_have_none(
    engine, tmp_path, database_url, actor_for
):
    settings = settings_of(
        tmp_path, database_url, CONFIG_TOML + '\n[tags]\nLead = ["Hot Prospect"]\n'
    )
    actor = actor_for("U0VA1")
    ann = add_contact(engine, settings, actor, "Ann Lee", owner_id="U0VA1")
    assert start(engine, settings, ann) == [1, 2, 3, 4]
    assert {t.tag for t in onboarding_tasks(engine)} == {None}


def test_a_taxonomy_writing_the_tag_in_another_case_is_followed(
    engine, tmp_path, database_url, actor_for
):
    settings = settings_of(
        tmp_path, database_url, CONFIG_TOML + '\n[tags]\nclient = ["onboarding"]\n'
    )
    ann = add_contact(engine, settings, actor_for("U0VA1"), "Ann Lee")
    start(engine, settings, ann)
    assert {t.tag for t in onboarding_tasks(engine)} == {"client – onboarding"}


def test_no_items_make_no_tasks_and_leave_the_contact_to_onboard_later(
    engine, tmp_path, database_url, settings, actor_for
):
    empty = settings_of(tmp_path, database_url, CONFIG_TOML + "\n[onboarding]\nitems = []\n")
    ann = add_contact(engine, empty, actor_for("U0VA1"), "Ann Lee")
    assert start(engine, empty, ann) == []
    assert start(engine, settings, ann) == [1, 2, 3, 4]


def test_onboarding_items_are_not_rated_one_by_one(engine, tmp_path, database_url, actor_for):
    """A CSAT client is asked "How did we do?" for its work, not for each onboarding step."""
    settings = settings_of(
        tmp_path,
        database_url,
        CONFIG_TOML.replace('channel = "C0ACME"', 'channel = "C0ACME"\ncsat = true'),
    )
    actor = actor_for("U0VA1")
    acme = client_id(engine, "acme")
    bob = add_contact(engine, settings, actor, "Bob Jones", owner_id="U0VA1", client_id=acme)
    start(engine, settings, bob)
    with session_scope(engine) as session:
        work = create_task(session, actor, NewTask(title="Inbox clean-up", client_id=acme))
        work_number = work.number
    clock.set_now("2026-11-30T15:00:00Z")
    with session_scope(engine) as session:
        for number in (1, work_number):
            task = get_task(session, TEAM, number)
            task.status, task.completed_at, task.completed_by = "done", clock.now(), "U0VA1"
            session.add(task)
    with session_scope(engine) as session:
        due = csat.prompts_due(session, settings, TEAM, clock.now().replace(hour=14), clock.now())
        assert [d.task.number for d in due] == [work_number]
        assert session.exec(select(CsatPrompt)).all() == []


# -- a client added to the settings ------------------------------------------------------


def test_the_clients_of_the_first_start_get_no_onboarding(engine, settings):
    with session_scope(engine) as session:
        people.ensure_workspace(session, settings, TEAM)
    assert onboarding_tasks(engine) == []


def test_a_client_added_later_gets_its_onboarding_once_for_its_owner(
    engine, settings, tmp_path, database_url
):
    with session_scope(engine) as session:
        people.ensure_workspace(session, settings, TEAM)
    more = settings_of(tmp_path, database_url, CONFIG_TOML + INITECH)
    for _ in range(2):
        with session_scope(engine) as session:
            people.ensure_workspace(session, more, TEAM)
    initech = client_id(engine, "initech")
    made = onboarding_tasks(engine)
    assert [t.title for t in made] == ITEMS
    assert {(t.client_id, t.contact_id, t.assignee_id, t.creator_id) for t in made} == {
        (initech, None, "U0VA2", "U0VA2")
    }
    # Taken out of the file and written in again: its row was kept, nothing new.
    with session_scope(engine) as session:
        people.ensure_workspace(session, settings, TEAM)
        people.ensure_workspace(session, more, TEAM)
    assert len(onboarding_tasks(engine)) == 4


def test_a_client_added_without_an_owner_gets_unassigned_tasks_made_by_an_owner(
    engine, settings, tmp_path, database_url
):
    with session_scope(engine) as session:
        people.ensure_workspace(session, settings, TEAM)
    more = settings_of(
        tmp_path, database_url, CONFIG_TOML + '\n[clients.initech]\nname = "Initech"\n'
    )
    with session_scope(engine) as session:
        people.ensure_workspace(session, more, TEAM)
    assert {(t.assignee_id, t.creator_id) for t in onboarding_tasks(engine)} == {(None, "U0OWNER")}


def test_a_client_added_while_many_connections_start_is_onboarded_once(
    engine, settings, tmp_path, database_url
):
    with session_scope(engine) as session:
        people.ensure_workspace(session, settings, TEAM)
    more = settings_of(tmp_path, database_url, CONFIG_TOML + INITECH)
    engines = [create_db_engine(database_url) for _ in range(4)]
    start_line = threading.Barrier(len(engines))
    failures: list[BaseException] = []

    def sync(own_engine) -> None:
        try:
            start_line.wait()
            with session_scope(own_engine) as session:
                people.ensure_workspace(session, more, TEAM)
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=sync, args=(e,)) for e in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for own_engine in engines:
        own_engine.dispose()
    assert failures == []
    assert [t.number for t in onboarding_tasks(engine)] == [1, 2, 3, 4]


def test_two_processes_starting_with_a_new_client_onboard_it_once(
    tmp_path, engine, settings, database_url, fake_slack
):
    with session_scope(engine) as session:
        people.ensure_workspace(session, settings, TEAM)
    path = tmp_path / "started.toml"
    path.write_text(CONFIG_TOML + INITECH, encoding="utf-8")
    env = vadesk_env(
        database_url,
        SLACK_API_URL=fake_slack.base_url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        VADESK_CONFIG=str(path),
        VADESK_NOW=PINNED_NOW,
    )
    started = [
        subprocess.Popen(
            vadesk_argv("job", "--list"),
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for process in started:
        _out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
    made = onboarding_tasks(engine)
    assert [(t.number, t.title, t.assignee_id) for t in made] == [
        (n, item, "U0VA2") for n, item in enumerate(ITEMS, start=1)
    ]


# -- what the weekly check lists ---------------------------------------------------------


def test_the_check_lists_what_is_missing_and_leaves_out_what_is_done(engine, settings, actor_for):
    actor = actor_for("U0VA1")
    acme = client_id(engine, "acme")
    bob = add_contact(engine, settings, actor, "Bob Jones", owner_id="U0VA1", client_id=acme)
    ann = add_contact(engine, settings, actor, "Ann Lee")
    start(engine, settings, bob)  # T-1..T-4
    start(engine, settings, ann)  # T-5..T-8
    with session_scope(engine) as session:
        for number, status in (
            (1, "done"),
            (3, "cancelled"),
            (5, "done"),
            (6, "done"),
            (7, "done"),
            (8, "done"),
        ):
            task = get_task(session, TEAM, number)
            task.status = status
            session.add(task)
    with session_scope(engine) as session:
        listed = onboarding.unfinished_onboarding(session, TEAM)
    assert len(listed) == 1  # Ann's items are all done: she is left out
    (entry,) = listed
    assert (entry.name, entry.client_name, entry.owner_id, entry.is_contact) == (
        "Bob Jones",
        "Acme Corp",
        "U0VA1",
        True,
    )
    assert [t.number for t in entry.missing] == [2, 4]  # T-3 was cancelled: not needed
    assert (entry.done, entry.total) == (1, 4)
