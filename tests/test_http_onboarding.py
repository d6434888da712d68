"""Onboarding through the real app: `/pipeline move <name> Closed` starting a contact's
onboarding once (and saying whose the tasks are), clients added to the settings onboarded
when the app first sees them, and the weekly onboarding check listing what is missing
(with each item's T-n), redrawn without the items done since."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import select

from bot import clock
from bot.services import contacts, onboarding, people
from bot.services.contacts import NewContact
from bot.settings import load_settings
from store.db import session_scope
from store.models import Client, Contact, Task
from tests.conftest import CONFIG_TOML, PINNED_NOW, TEAM
from tests.scheduling import Rig, posted_to
from tests.slack_payloads import checklist_click

NEW_CLIENTS = """
[clients.initech]
name = "Initech"
channel = "C0INITECH"
owner = "U0VA2"
"""
CHECK = "routine:onboarding-check"
TUESDAY_SLOT = "2026-12-01T16:05:00Z"  # Tuesday 11:05 in New York


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "vadesk.toml"
    path.write_text(CONFIG_TOML + NEW_CLIENTS, encoding="utf-8")
    return path


@pytest.fixture
def installed_with_acme(engine, tmp_path, database_url) -> None:
    """VA Desk ran before with Acme alone: Globex and Initech are added since."""
    clock.set_now(PINNED_NOW)
    path = tmp_path / "before.toml"
    path.write_text(CONFIG_TOML.split("[clients.globex]")[0], encoding="utf-8")
    before = load_settings(
        {"VADESK_CONFIG": str(path), "DATABASE_URL": database_url}, load_dotenv_file=False
    )
    with session_scope(engine) as session:
        people.ensure_workspace(session, before, TEAM)


def tasks_of(live_app) -> dict[int, Task]:
    with session_scope(live_app.engine) as session:
        return {t.number: t for t in session.exec(select(Task).where(Task.onboarding))}


def check_message(rig: Rig, at: str, user: str = "U0VA1"):
    assert (CHECK, user) in posted_to(rig.tick(at, only=CHECK))
    return [p for p in rig.posts(user) if p.params["text"].startswith("Onboarding")][-1]


def listed_text(blocks: list) -> str:
    return "\n".join(b["text"]["text"] for b in blocks if b["type"] == "section" and "text" in b)


def test_new_clients_are_onboarded_and_the_check_lists_what_is_missing(
    installed_with_acme, live_app
):
    # The first request stores Globex and Initech: each gets the four items, once.
    assert live_app.command("/task", "list")["text"]
    made = tasks_of(live_app)
    with session_scope(live_app.engine) as session:
        ids = {c.key: c.id for c in session.exec(select(Client))}
    assert sorted(made) == list(range(1, 9))
    assert {(t.client_id, t.assignee_id) for n, t in made.items() if n <= 4} == {
        (ids["globex"], None)
    }
    assert {(t.client_id, t.assignee_id) for n, t in made.items() if n > 4} == {
        (ids["initech"], "U0VA2")
    }
    assert {t.tag for t in made.values()} == {"Client – Onboarding"}
    # A won contact with a hostile name, owned by U0VA1: T-9..T-12.
    with session_scope(live_app.engine) as session:
        actor = people.resolve_actor(session, live_app.settings, TEAM, "U0VA1")
        contact = contacts.create_contact(
            session,
            live_app.settings,
            actor,
            NewContact(name="Bob <!channel> & *Co*", owner_id="U0VA1", client_id=ids["acme"]),
        )
        onboarding.start_onboarding(session, live_app.settings, "U0VA1", contact)
    # Globex's T-2 is done (anyone may complete an unassigned task), Initech's T-6 cancelled.
    clock.set_now("2026-11-30T20:00:00Z")
    assert "T-2" in live_app.command("/task", "done T-2 Welcome sent")["text"]
    assert "cancelled" in live_app.command("/task", "status T-6 cancelled", user="U0VA2")["text"]

    rig = Rig(live_app.settings, live_app.engine, live_app.fake)
    post = check_message(rig, TUESDAY_SLOT)
    shown = listed_text(post.json("blocks"))
    assert "*Onboarding not finished*" in shown
    assert (
        "• *Globex* (client) · 1 of 4 done · missing: *T-1* Welcome message sent (unassigned), "
        "*T-3* First call booked (unassigned), *T-4* Onboarding sequence triggered (unassigned)"
    ) in shown
    assert (
        "• *Initech* (client) · 0 of 4 done · missing: *T-5* Welcome message sent (<@U0VA2>), "
        "*T-7* First call booked (<@U0VA2>), *T-8* Onboarding sequence triggered (<@U0VA2>)"
    ) in shown
    assert (
        "• *Bob &lt;!channel&gt; &amp; *Co** (Acme Corp) · owner <@U0VA1> · 0 of 4 done · "
        "missing: *T-9* Welcome message sent, *T-10* Account created, *T-11* First call booked,"
    ) in shown
    assert "<!channel>" not in json.dumps(post.json("blocks"))

    # The items done since drop out when the checklist is redrawn after a tick.
    clock.set_now("2026-12-01T16:30:00Z")
    for number in (1, 3, 4):
        assert f"T-{number}" in live_app.command("/task", f"done T-{number} Done")["text"]
    (checklist,) = [b for b in post.json("blocks") if b["type"] == "actions"]
    live_app.interact(checklist_click(checklist["block_id"], [0]))
    (update,) = live_app.fake.wait_for("chat.update")
    redrawn = listed_text(update.json("blocks"))
    assert "Globex" not in redrawn  # all done or cancelled: left out
    assert "*Initech* (client) · 0 of 4 done" in redrawn and "*T-9* Welcome" in redrawn


def test_with_every_item_done_the_check_says_so(engine, live_app):
    with session_scope(live_app.engine) as session:
        actor = people.resolve_actor(session, live_app.settings, TEAM, "U0VA1")
        contact = contacts.create_contact(
            session, live_app.settings, actor, NewContact(name="Ann Lee", owner_id="U0VA1")
        )
        onboarding.start_onboarding(session, live_app.settings, "U0VA1", contact)
    assert sorted(tasks_of(live_app)) == [1, 2, 3, 4]  # the first start's clients get none
    for number in range(1, 5):
        assert f"T-{number}" in live_app.command("/task", f"done T-{number} Done")["text"]
    rig = Rig(live_app.settings, live_app.engine, live_app.fake)
    shown = listed_text(check_message(rig, TUESDAY_SLOT).json("blocks"))
    assert "*Onboarding*: every onboarding item is done." in shown
    with session_scope(live_app.engine) as session:
        assert session.exec(select(Contact)).one().name == "Ann Lee"


def _contact(live_app, name: str, **fields) -> Contact:
    with session_scope(live_app.engine) as session:
        actor = people.resolve_actor(session, live_app.settings, TEAM, "U0VA1")
        return contacts.create_contact(
            session, live_app.settings, actor, NewContact(name=name, **fields)
        )


def test_a_won_move_starts_the_contacts_onboarding_once(live_app):
    with session_scope(live_app.engine) as session:
        people.ensure_workspace(session, live_app.settings, TEAM)
        acme = session.exec(select(Client.id).where(Client.key == "acme")).one()
    bob = _contact(live_app, "Bob Jones", owner_id="U0VA2", client_id=acme)
    won = live_app.command("/pipeline", "move Bob Jones Closed", user="U0VA2")["text"]
    assert won == (
        ":tada: *Bob Jones* moved from Lead to *Closed*.\n"
        "Onboarding started: T-1, T-2, T-3, T-4, for <@U0VA2>."
    )
    made = tasks_of(live_app)
    assert [made[n].title for n in sorted(made)] == list(live_app.settings.onboarding.items)
    assert {(t.contact_id, t.client_id, t.assignee_id, t.creator_id) for t in made.values()} == {
        (bob.id, acme, "U0VA2", "U0VA2")
    }
    # Won -> open -> won again: moved, and no second onboarding.
    assert "to *Lead*" in live_app.command("/pipeline", "move Bob Jones Lead", user="U0VA2")["text"]
    again = live_app.command("/pipeline", "move Bob Jones Closed", user="U0SUPER")["text"]
    assert again == ":tada: *Bob Jones* moved from Lead to *Closed*."
    assert sorted(tasks_of(live_app)) == [1, 2, 3, 4]
    # The tasks are the owner's: /task list shows them to U0VA2.
    listed = json.dumps(live_app.command("/task", "list", user="U0VA2")["blocks"])
    assert "Welcome message sent" in listed and "Client \\u2013 Onboarding" in listed


def test_a_won_move_of_a_contact_nobody_owns_says_the_tasks_are_unassigned(live_app):
    _contact(live_app, "Ann <b>Lee</b>")
    won = live_app.command("/pipeline", "move Ann <b>Lee</b> Closed")["text"]
    assert won.endswith(
        "Onboarding started: T-1, T-2, T-3, T-4, unassigned: Ann &lt;b&gt;Lee&lt;/b&gt; has no "
        "owner."
    )
    assert {t.assignee_id for t in tasks_of(live_app).values()} == {None}
