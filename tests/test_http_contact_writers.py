"""Contacts from Slack messages through the real app: the **Add contact** shortcut
(prefilled from the message's author and the channel's client, refused for apps and the
team, a known author shown their card) and its form; the contact a client's message
makes (once, across messages and a redelivered event), named when VA Desk learns the
name, touched by each message and by a VA's reply."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta

import pytest
from sqlmodel import select

from bot import clock
from store.db import session_scope
from store.models import Client, Contact, ContactEvent, User
from tests.conftest import TEAM
from tests.contact_world import NOW, World
from tests.fakeslack import event_body
from tests.slack_payloads import (
    message_shortcut,
    picked_date,
    picked_option,
    picked_user,
    text_value,
    view_submission,
)


@pytest.fixture
def world(live_app) -> World:
    return World(live_app.engine, live_app.settings)


def all_contacts(live_app) -> list[Contact]:
    with session_scope(live_app.engine) as session:
        return list(session.exec(select(Contact).order_by(Contact.id)))


def shortcut(live_app, author: str = "U0CLIENT", channel: str = "C0ACME", **message) -> str:
    payload = message_shortcut("Hi, can you send the quote?", channel=channel)
    payload["callback_id"] = "add_contact"
    payload["message"].update(user=author, **message)
    name = f"sc-{len(live_app.fake.calls())}"
    payload["response_url"] = live_app.fake.response_url(name)
    assert live_app.interact(payload)[0] == 200
    return name


def private_answer(live_app, name: str) -> dict:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        for call in live_app.fake.calls("response_url"):
            if call.path == f"/respond/{name}":
                return call.params
        time.sleep(0.02)
    raise AssertionError(f"no private answer {name}")


def add_values(name: str, client: str = "none", **more) -> dict:
    values = {
        "name": text_value(name),
        "company": text_value(""),
        "client": picked_option(client),
        "email": text_value(""),
        "phone": text_value(""),
        "owner": picked_user("U0VA1"),
        "next_step": text_value(""),
        "due": picked_date(None),
        "tag": {"type": "static_select", "selected_option": None},
    }
    values.update(more)
    return values


def test_the_shortcut_prefills_the_author_s_name_and_the_channel_s_client(live_app):
    live_app.fake.add_user("U0CLIENT", real_name="Carol Client")
    shortcut(live_app)
    view = live_app.fake.wait_for("views.open")[0].json("view")
    assert view["callback_id"] == "contact_add"
    assert json.loads(view["private_metadata"]) == {"slack_user": "U0CLIENT"}
    inputs = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert inputs["name"]["initial_value"] == "Carol Client"
    assert inputs["client"]["initial_option"]["text"]["text"] == "Acme Corp"
    assert inputs["owner"]["initial_user"] == "U0VA1"
    client_id = inputs["client"]["initial_option"]["value"]
    values = add_values(
        "Carol Client",
        client=client_id,
        email=text_value("carol@acme.example"),
        phone=text_value("+1 (555) 010-0200 x12"),
        next_step=text_value("Send the quote"),
        due=picked_date("2026-12-01"),
    )
    payload = view_submission("contact_add", values, {"slack_user": "U0CLIENT"})
    assert live_app.interact(payload) == (200, "")
    dm = live_app.fake.wait_for("chat.postMessage")[0].params
    assert dm["channel"] == "U0VA1" and dm["text"].startswith("Added *Carol Client* in *Lead*")
    (carol,) = all_contacts(live_app)
    assert (carol.slack_user_id, carol.source, carol.owner_id) == ("U0CLIENT", "shortcut", "U0VA1")
    assert carol.client_id == int(client_id) and carol.phone == "+1 (555) 010-0200 x12"
    assert carol.next_step == "Send the quote" and carol.next_step_due.isoformat() == "2026-12-01"


def test_the_form_refuses_bad_fields_and_an_author_already_added(live_app, world, actor_for):
    values = add_values("Carol", email=text_value("carol@"), due=picked_date("2026-11-01"))
    payload = view_submission("contact_add", values, {"slack_user": "U0CLIENT"})
    errors = json.loads(live_app.interact(payload)[1])["errors"]
    assert set(errors) == {"email", "due"} and all_contacts(live_app) == []
    world.contact(actor_for("U0VA1"), "Carol Client", slack_user_id="U0CLIENT")
    payload = view_submission("contact_add", add_values("Carol C"), {"slack_user": "U0CLIENT"})
    errors = json.loads(live_app.interact(payload)[1])["errors"]
    assert "There is already a contact Carol Client" in errors["name"]


@pytest.mark.parametrize(
    ("author", "message", "answer"),
    [
        ("U0VA2", {}, "<@U0VA2> is on the team, not a client"),
        ("U0BOTUSER", {"bot_id": "B0OTHER"}, "posted by an app"),
        ("", {"subtype": "bot_message"}, "posted by an app"),
    ],
)
def test_apps_and_the_team_are_refused(live_app, author, message, answer):
    name = shortcut(live_app, author=author, **message)
    assert answer in private_answer(live_app, name)["text"]
    assert live_app.fake.calls("views.open") == [] and all_contacts(live_app) == []


def test_an_author_who_is_a_contact_already_is_shown_their_card(live_app, world, actor_for):
    world.contact(actor_for("U0VA2"), "Carol Client", client_id="acme", slack_user_id="U0CLIENT")
    answer = private_answer(live_app, shortcut(live_app))
    assert answer["response_type"] == "ephemeral"
    assert "<@U0CLIENT> is a contact already: *Carol Client*" in answer["text"] + str(
        answer["blocks"]
    )
    assert answer["blocks"][1]["text"]["text"] == "Carol Client"
    assert live_app.fake.calls("views.open") == [] and live_app.fake.rejections() == []


def ts_of(moment: datetime) -> str:
    return f"{moment.timestamp():.6f}"


def send(live_app, event_id: str, **event) -> None:
    event.setdefault("type", "message")
    event.setdefault("channel", "C0ACME")
    event.setdefault("channel_type", "channel")
    assert live_app.post(event_body(event, event_id=event_id))[0] == 200


def wait_for_contacts(live_app, check) -> list[Contact]:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        rows = all_contacts(live_app)
        if check(rows):
            return rows
        time.sleep(0.02)
    raise AssertionError(f"never true: {rows}")


def test_a_client_who_writes_becomes_one_contact_touched_by_each_message(live_app, world):
    first, second = NOW - timedelta(minutes=30), NOW - timedelta(minutes=10)
    with session_scope(live_app.engine) as session:
        session.add(User(team_id=TEAM, id="U0CLIENT", display_name="Carol Client"))
    send(live_app, "Ev1", user="U0CLIENT", text="Hi", ts=ts_of(first))
    send(live_app, "Ev1", user="U0CLIENT", text="Hi", ts=ts_of(first))  # redelivered
    send(live_app, "Ev2", user="U0CLIENT", text="Also", ts=ts_of(second), thread_ts=ts_of(first))
    send(live_app, "Ev3", user="U0OTHER", text="Me too", ts=ts_of(NOW), channel="C0GLOBEX")
    rows = wait_for_contacts(
        live_app, lambda rows: len(rows) == 2 and rows[0].last_touch_at == second
    )
    carol, other = rows
    assert (carol.name, carol.slack_user_id, carol.source) == (
        "Carol Client",
        "U0CLIENT",
        "client message",
    )
    assert other.name == "U0OTHER"  # VA Desk does not know their name yet
    with session_scope(live_app.engine) as session:
        acme = session.get(Client, carol.client_id)
        created = session.exec(select(ContactEvent).where(ContactEvent.kind == "created")).all()
    assert acme.key == "acme" and len(created) == 2
    # A VA's reply touches the contact who opened the conversation; a VA makes no contact.
    clock.set_now(NOW + timedelta(minutes=5))
    reply_at = NOW + timedelta(minutes=1)
    send(live_app, "Ev4", user="U0VA1", text="On it", ts=ts_of(reply_at), thread_ts=ts_of(first))
    wait_for_contacts(live_app, lambda rows: rows[0].last_touch_at == reply_at)
    assert len(all_contacts(live_app)) == 2


def test_a_contact_made_before_its_name_was_known_takes_it_later(live_app, world):
    send(live_app, "Ev1", user="U0CLIENT", text="Hi", ts=ts_of(NOW - timedelta(minutes=5)))
    wait_for_contacts(live_app, lambda rows: len(rows) == 1)
    with session_scope(live_app.engine) as session:
        session.add(User(team_id=TEAM, id="U0CLIENT", display_name="Carol Client"))
    send(live_app, "Ev2", user="U0CLIENT", text="Again", ts=ts_of(NOW))
    (carol,) = wait_for_contacts(live_app, lambda rows: rows[0].name == "Carol Client")
    with session_scope(live_app.engine) as session:
        edited = session.exec(select(ContactEvent).where(ContactEvent.kind == "edited")).one()
    assert json.loads(edited.note) == {"name": ["U0CLIENT", "Carol Client"]}
    assert carol.name_key == "carol client" and edited.actor_id is None


def test_the_shortcut_names_an_auto_made_contact_from_slack(live_app):
    send(live_app, "Ev1", user="U0CLIENT", text="Hi", ts=ts_of(NOW - timedelta(minutes=5)))
    wait_for_contacts(live_app, lambda rows: len(rows) == 1)
    live_app.fake.add_user("U0CLIENT", real_name="Carol Client")
    answer = private_answer(live_app, shortcut(live_app))
    assert "is a contact already: *Carol Client*" in answer["text"] + str(answer["blocks"])
    assert all_contacts(live_app)[0].name == "Carol Client"
