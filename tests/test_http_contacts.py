"""`/contact` through the real app: add (client, owner and tag from the words, a duplicate
offered instead), the card (its contents as each person may see them), a note, the edit
form with its refusals on their fields, the card's Edit and Add note, hostile text, and
a task done touching its contact."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlmodel import select

from bot import clock
from store.db import session_scope
from store.models import Client, Contact, ContactEvent, ContactTag
from tests.conftest import TEAM
from tests.contact_world import NOW, World, mrkdwn_texts
from tests.fakeslack import slash_command_body
from tests.slack_payloads import (
    block_action,
    picked_date,
    picked_option,
    picked_user,
    text_value,
    view_submission,
)

HOT = "Lead – Hot Prospect"


@pytest.fixture
def world(live_app) -> World:
    return World(live_app.engine, live_app.settings)


def contact_named(live_app, name: str) -> Contact:
    with session_scope(live_app.engine) as session:
        return session.exec(select(Contact).where(Contact.name == name)).one()


def events(live_app, contact: Contact) -> list[ContactEvent]:
    with session_scope(live_app.engine) as session:
        query = select(ContactEvent).where(ContactEvent.contact_id == contact.id)
        return list(session.exec(query.order_by(ContactEvent.id)))


def texts(reply: dict) -> str:
    """Everything a reply shows: its text and its blocks."""
    return reply.get("text", "") + json.dumps(reply.get("blocks", []), ensure_ascii=False)


def test_no_words_and_help_show_the_grammar(live_app):
    for text in ("", "help"):
        reply = live_app.command("/contact", text)
        assert "/contact add &lt;name&gt; [#client] [@owner] [#tag]" in reply["text"]
        assert "`#acme` (Acme Corp)" in reply["text"] and "lead-hot-prospect" in reply["text"]


def test_add_reads_the_client_the_owner_and_the_tag(live_app):
    reply = live_app.command("/contact", "add Bob Jones #acme <@U0VA2|ana> #lead-hot-prospect")
    assert reply["text"].startswith("*Bob Jones*")
    assert "Added *Bob Jones* in *Lead*, owned by <@U0VA2>." in texts(reply)
    bob = contact_named(live_app, "Bob Jones")
    with session_scope(live_app.engine) as session:
        tags = session.exec(select(ContactTag.tag).where(ContactTag.record_id == bob.id)).all()
    assert (bob.owner_id, bob.created_by, bob.stage, bob.source) == (
        "U0VA2",
        "U0VA1",
        "Lead",
        "manual",
    )
    assert bob.client_id is not None and tags == [HOT]
    assert [e.kind for e in events(live_app, bob)] == ["created", "tagged"]
    assert live_app.fake.rejections() == []


def test_the_owner_defaults_to_whoever_adds_and_a_client_channel_gives_the_client(live_app):
    body = slash_command_body(
        "/contact",
        "add Ann Lee",
        user_id="U0VA2",
        team_id=TEAM,
        channel_id="C0GLOBEX",
        response_url=live_app.fake.response_url("r-ann"),
    )
    assert live_app.post(body)[0] == 200
    live_app.fake.wait_for("response_url")
    ann = contact_named(live_app, "Ann Lee")
    assert ann.owner_id == "U0VA2"
    with session_scope(live_app.engine) as session:
        assert session.get(Client, ann.client_id).key == "globex"


def test_a_duplicate_is_refused_with_the_existing_contact_s_card(live_app):
    live_app.command("/contact", "add Bob Jones")
    reply = live_app.command("/contact", "add  bob   JONES ", user="U0VA2")
    assert "There is already a contact Bob Jones" in texts(reply)
    assert '"text": "Bob Jones"' in json.dumps(reply["blocks"])  # the existing card's header
    with session_scope(live_app.engine) as session:
        assert len(session.exec(select(Contact)).all()) == 1


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("add", "Give the contact a name"),
        ("add #acme", "Give the contact a name"),
        ("add Bob #nope-tag", "There is no tag '#nope-tag'"),
        ("add Bob <@U0CLIENT>", "<@U0CLIENT> is not on the team"),
        ("add Bob <@U0VA1> <@U0VA2>", "A contact has one owner"),
        ("add Bob <#C0OTHER|general>", "<#C0OTHER> is not a client's channel"),
        ("add " + "x" * 201, "at most 200 characters"),
        ("Nobody Here", "There is no contact 'Nobody Here'. `/find Nobody Here` searches"),
        ("note Nobody here called", "No contact's name starts 'Nobody here called'"),
        ("edit Nobody", "There is no contact 'Nobody'"),
    ],
)
def test_bad_input_gets_a_sentence_and_changes_nothing(live_app, text, answer):
    reply = live_app.command("/contact", text)
    assert answer in reply["text"]
    with session_scope(live_app.engine) as session:
        assert session.exec(select(Contact)).all() == []


def test_the_card_shows_the_contact_and_the_work_for_them(live_app, world, actor_for):
    va1 = actor_for("U0VA1")
    bob = world.contact(
        va1, "Bob Jones", client_id="acme", owner_id="U0VA1", email="bob@jones.example"
    )
    task = world.task("Send the quote", contact=bob, due=date(2026, 12, 2))
    world.followup(task, "Asked for the figures", 5)
    world.conversation("U0OTHER", 20)
    reply = live_app.command("/contact", "bob jones")
    shown = texts(reply)
    for expected in (
        "*Stage*\\nLead, 0 days",
        "*Owner*\\n<@U0VA1>",
        "*Client*\\nAcme Corp",
        "bob@jones.example",
        "Send the quote",
        "Asked for the figures",
        "*Client chat*",
        "breached",
        "added in Lead by <@U0VA1>",
    ):
        assert expected in shown, expected
    actions = next(b for b in reply["blocks"] if b["type"] == "actions")
    assert [e["action_id"] for e in actions["elements"]] == [
        "contact_move",
        "contact_edit",
        "contact_note",
    ]
    assert live_app.fake.rejections() == []


def test_the_card_keeps_a_colleague_s_brief_and_billing_from_a_va(live_app, world, actor_for):
    world.contact(actor_for("U0VA1"), "Bob Jones", client_id="acme")
    delegated = world.task("Quarterly numbers", assignee="U0VA2")
    world.delegate(delegated)
    world.followup(delegated, "The confidential brief detail", 3, author="U0VA2")
    world.entry(world.task("Bookkeeping"), NOW - timedelta(days=1), 7200)
    as_va = texts(live_app.command("/contact", "Bob Jones", user="U0VA1"))
    assert "Quarterly numbers" in as_va and "its brief is theirs" in as_va
    assert "The confidential brief detail" not in as_va and "Unbilled" not in as_va
    as_owner = texts(live_app.command("/contact", "Bob Jones", user="U0OWNER"))
    assert "The confidential brief detail" in as_owner and "*2.00 h*" in as_owner
    as_colleague = texts(live_app.command("/contact", "Bob Jones", user="U0VA2"))
    assert "The confidential brief detail" in as_colleague and "Unbilled" not in as_colleague


def test_a_note_is_told_apart_from_the_name_and_kept_as_typed(live_app, world, actor_for):
    world.contact(actor_for("U0VA1"), "Bob Jones")
    world.contact(actor_for("U0VA1"), "Bob")
    reply = live_app.command("/contact", "note bob jones called &lt;again&gt; &amp; left a message")
    assert reply["text"] == ":memo: Noted on *Bob Jones*."
    (note,) = [
        e for e in events(live_app, contact_named(live_app, "Bob Jones")) if e.kind == "note"
    ]
    assert (note.note, note.actor_id) == ("called <again> & left a message", "U0VA1")
    assert "Write the note after the name" in live_app.command("/contact", "note Bob Jones")["text"]


def edit_values(**changed) -> dict:
    values = {
        "name": text_value("Bob Jones"),
        "company": text_value(""),
        "client": picked_option("none"),
        "email": text_value(""),
        "phone": text_value(""),
        "owner": picked_user("U0VA1"),
        "next_step": text_value(""),
        "due": picked_date(None),
        "tag": {"type": "static_select", "selected_option": None},
    }
    values.update(changed)
    return values


def submit_edit(live_app, contact: Contact, values: dict, user: str = "U0VA1"):
    payload = view_submission("contact_edit", values, {"contact": contact.id}, user)
    status, body = live_app.interact(payload)
    assert status == 200
    return json.loads(body)["errors"] if body else None


def test_the_edit_form_opens_prefilled_for_whoever_may_change_the_contact(
    live_app, world, actor_for
):
    bob = world.contact(actor_for("U0VA1"), "Bob Jones", client_id="acme", owner_id="U0VA1")
    live_app.send_command("/contact", "edit Bob Jones", "U0VA1")
    view = live_app.fake.wait_for("views.open")[0].json("view")
    assert view["callback_id"] == "contact_edit" and json.loads(view["private_metadata"]) == {
        "contact": bob.id
    }
    blocks = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert blocks["name"]["initial_value"] == "Bob Jones"
    assert blocks["owner"]["initial_user"] == "U0VA1"
    assert blocks["client"]["initial_option"]["text"]["text"] == "Acme Corp"
    refused = live_app.command("/contact", "edit Bob Jones", user="U0VA2")
    assert "is <@U0VA1>'s contact" in refused["text"]
    assert len(live_app.fake.calls("views.open")) == 1


def test_the_edit_form_refuses_a_past_date_and_a_bad_email_on_their_fields(
    live_app, world, actor_for
):
    bob = world.contact(actor_for("U0VA1"), "Bob Jones", owner_id="U0VA1")
    errors = submit_edit(
        live_app,
        bob,
        edit_values(
            email=text_value("bob at jones"), due=picked_date("2026-11-29"), phone=text_value("12")
        ),
    )
    assert set(errors) == {"email", "due", "phone"}
    assert "is not an email address" in errors["email"] and "in the past" in errors["due"]
    assert [e.kind for e in events(live_app, bob)] == ["created"]


def test_an_edit_is_recorded_with_old_and_new_values(live_app, world, actor_for):
    bob = world.contact(actor_for("U0VA1"), "Bob Jones", owner_id="U0VA1")
    values = edit_values(
        email=text_value("bob@jones.example"),
        owner=picked_user("U0VA2"),
        due=picked_date("2026-12-03"),
        next_step=text_value("Send <the> quote"),
        tag=picked_option(HOT),
    )
    assert submit_edit(live_app, bob, values) is None
    dm = live_app.fake.wait_for("chat.postMessage")[0].params["text"]
    assert dm.startswith("Saved *Bob Jones*: ") and "owner: <@U0VA1> → <@U0VA2>" in dm
    assert "Send &lt;the&gt; quote" in dm
    saved = contact_named(live_app, "Bob Jones")
    assert (saved.email, saved.owner_id, saved.next_step_due) == (
        "bob@jones.example",
        "U0VA2",
        date(2026, 12, 3),
    )
    edited = [e for e in events(live_app, bob) if e.kind == "edited"]
    assert json.loads(edited[0].note) == {
        "email": [None, "bob@jones.example"],
        "owner": ["U0VA1", "U0VA2"],
        "next step": [None, "Send <the> quote"],
        "next step due": [None, "2026-12-03"],
    }
    assert [e.kind for e in events(live_app, bob)][-2:] == ["tagged", "edited"]
    # Now VA2's: VA1 may no longer change it, and is told so on the form.
    errors = submit_edit(live_app, saved, edit_values(name=text_value("Robert Jones")))
    assert "is <@U0VA2>'s contact" in errors["name"]


def test_a_name_taken_by_another_contact_is_refused_on_the_name(live_app, world, actor_for):
    world.contact(actor_for("U0VA1"), "Ann Lee")
    bob = world.contact(actor_for("U0VA1"), "Bob Jones")
    errors = submit_edit(live_app, bob, edit_values(name=text_value("ann  LEE")))
    assert "There is already a contact Ann Lee" in errors["name"]


def test_the_card_s_buttons_open_the_edit_and_note_forms(live_app, world, actor_for):
    bob = world.contact(actor_for("U0VA1"), "Bob Jones", owner_id="U0VA1")
    live_app.interact(block_action("contact_edit", str(bob.id)))
    live_app.interact(block_action("contact_note", str(bob.id), user="U0VA2"))
    # The two presses are handled side by side: their forms may open in either order.
    opened = {
        c.json("view")["callback_id"]: c.json("view")
        for c in live_app.fake.wait_for("views.open", 2)
    }
    assert set(opened) == {"contact_edit", "contact_note"}
    note_form = opened["contact_note"]
    live_app.interact(block_action("contact_edit", str(bob.id), user="U0VA2"))
    refusal = live_app.fake.wait_for("chat.postMessage")[0].params
    assert refusal["channel"] == "U0VA2" and "is <@U0VA1>'s contact" in refusal["text"]
    meta = json.loads(note_form["private_metadata"])
    empty = view_submission("contact_note", {"note": text_value("  ")}, meta, "U0VA2")
    assert "Write the note" in json.loads(live_app.interact(empty)[1])["errors"]["note"]
    clock.set_now(NOW + timedelta(hours=2))
    note = view_submission("contact_note", {"note": text_value("Met at the fair")}, meta, "U0VA2")
    assert live_app.interact(note) == (200, "")
    saved = contact_named(live_app, "Bob Jones")
    assert events(live_app, saved)[-1].note == "Met at the fair"
    assert saved.last_touch_at == NOW + timedelta(hours=2)


def test_hostile_names_are_escaped_everywhere(live_app):
    hostile = "&lt;!channel&gt; Bob &amp; &lt;!subteam^S1&gt; <https://evil.example|click>"
    reply = live_app.command("/contact", f"add {hostile}")
    shown = " ".join(mrkdwn_texts(reply["blocks"])) + reply["text"]
    assert "<!channel>" not in shown and "&lt;!channel&gt; Bob &amp;amp;" not in shown
    assert "&lt;!channel&gt; Bob &amp; &lt;!subteam^S1&gt;" in shown and "<!subteam" not in shown
    stored = contact_named(live_app, "<!channel> Bob & <!subteam^S1> <https://evil.example|click>")
    again = live_app.command("/contact", f"show {hostile}")
    assert "&lt;https://evil.example|click&gt;" in again["text"]
    assert again["blocks"][0]["text"]["text"] == stored.name  # a header is plain text
    assert stored.owner_id == "U0VA1"
    assert live_app.fake.rejections() == []


def test_a_task_done_touches_its_contact(live_app, world, actor_for):
    bob = world.contact(actor_for("U0VA1"), "Bob Jones")
    task = world.task("Send the quote", client=None, contact=bob)
    clock.set_now(NOW + timedelta(days=2))
    live_app.command("/task", f"done T-{task.number} Sent it")
    assert contact_named(live_app, "Bob Jones").last_touch_at == NOW + timedelta(days=2)
