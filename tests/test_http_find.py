"""`/find`, a question in a DM and an @mention, through the real app: one match is its
card, several a list whose **Open** shows the card in its place, none says how to add
them; DMs in a thread stay delegation's; hostile words; the index after an edit in the
form; what a VA may find; archived contacts."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from sqlmodel import select

from store.db import session_scope
from store.models import Contact
from tests.conftest import TEAM
from tests.contact_world import NOW, World
from tests.fakeslack import BOT_USER_ID, event_body
from tests.slack_payloads import (
    picked_date,
    picked_option,
    picked_user,
    text_value,
    view_submission,
)

DM = "D0VA1"


@pytest.fixture
def world(live_app) -> World:
    return World(live_app.engine, live_app.settings)


def texts(message: dict) -> str:
    """Everything a message shows: its text and its blocks."""
    return message.get("text", "") + json.dumps(message.get("blocks", []), ensure_ascii=False)


def buttons(message: dict, action_id: str) -> list[str]:
    return [
        element["value"]
        for block in message.get("blocks", [])
        for element in [block.get("accessory") or {}, *block.get("elements", [])]
        if isinstance(element, dict) and element.get("action_id") == action_id
    ]


def send_event(live_app, event: dict, event_id: str) -> None:
    assert live_app.post(event_body(event, event_id=event_id))[0] == 200


def dm(text: str, user: str = "U0VA1", **fields) -> dict:
    return {
        "type": "message",
        "channel": DM,
        "channel_type": "im",
        "user": user,
        "text": text,
        "ts": "1764511200.000100",
        **fields,
    }


def mention(text: str, user: str = "U0VA1", channel: str = "C0GENERAL", **fields) -> dict:
    return {
        "type": "app_mention",
        "channel": channel,
        "user": user,
        "text": f"<@{BOT_USER_ID}> {text}",
        "ts": "1764511200.000200",
        **fields,
    }


def posted(live_app, method: str, count: int = 1) -> list[dict]:
    return [call.params for call in live_app.fake.wait_for(method, count)]


def quiet(live_app, method: str) -> list[dict]:
    """What was sent by `method` once a later request has been answered (so anything the
    earlier one would have sent has been)."""
    live_app.command("/find", "help")
    return [call.params for call in live_app.fake.calls(method)]


def test_find_without_words_says_how_and_help_shows_the_grammar(live_app):
    empty = live_app.command("/find", "")
    assert "Write whom to look for" in empty["text"] and "/find Jones" in empty["text"]
    grammar = live_app.command("/find", "help")["text"]
    assert "*`/find &lt;words&gt;`*" in grammar and "where are we on the Jones closing?" in grammar


def test_one_match_is_answered_with_its_card(live_app, world, actor_for):
    bob = world.contact(actor_for("U0VA1"), "Bob Jones", client_id="acme", owner_id="U0VA1")
    world.task("Send the quote", contact=bob)
    reply = live_app.command("/find", "jon")
    shown = texts(reply)
    assert reply["text"].startswith("*Bob Jones*")
    assert "Send the quote" in shown and "contact_move" in shown
    assert live_app.fake.rejections() == []


def test_a_client_match_is_answered_with_the_clients_card(live_app, world, actor_for):
    world.contact(actor_for("U0VA1"), "Bob Jones", client_id="globex")
    reply = live_app.command("/find", "globex")
    assert reply["text"].startswith("*Globex*") and "Bob Jones" in texts(reply)


def test_several_matches_are_a_list_and_open_shows_the_card_in_its_place(
    live_app, world, actor_for
):
    va = actor_for("U0VA1")
    world.contact(va, "Bob Jones", company="Jones Realty")
    ann = world.contact(va, "Ann Smith", company="Jones Realty")
    listed = live_app.command("/find", "jones")
    assert listed["text"].startswith("2 matches for 'jones'")
    assert "company Jones Realty" in texts(listed)
    picks = buttons(listed, "find_pick")
    assert len(picks) == 2 and f"contact:{ann.id}" in picks
    before = len(live_app.fake.calls("response_url"))
    status, _ = live_app.interact(
        {
            "type": "block_actions",
            "user": {"id": "U0VA1", "team_id": TEAM},
            "container": {"type": "message", "is_ephemeral": True, "message_ts": "1.2"},
            "response_url": live_app.fake.response_url("picked"),
            "actions": [{"type": "button", "action_id": "find_pick", "value": f"contact:{ann.id}"}],
        }
    )
    assert status == 200
    card = live_app.fake.wait_for("response_url", before + 1)[before]
    assert card.path.endswith("/picked")
    assert card.params["replace_original"] is True
    assert card.params["text"].startswith("*Ann Smith*") and "contact_move" in texts(card.params)
    assert live_app.fake.rejections() == []


def test_a_pick_of_a_record_gone_is_told_to_its_presser(live_app, world, actor_for):
    before = len(live_app.fake.calls("response_url"))
    live_app.interact(
        {
            "type": "block_actions",
            "user": {"id": "U0VA1", "team_id": TEAM},
            "container": {"type": "message", "is_ephemeral": True, "message_ts": "1.2"},
            "response_url": live_app.fake.response_url("gone"),
            "actions": [{"type": "button", "action_id": "find_pick", "value": "contact:999"}],
        }
    )
    told = live_app.fake.wait_for("response_url", before + 1)[before].params
    assert "not in VA Desk (anymore)" in told["text"] and told["replace_original"] is False


def test_no_match_says_so_and_suggests_adding_them(live_app):
    reply = live_app.command("/find", "Zelda Quist")
    assert reply["text"] == (
        "Nothing in VA Desk matches 'Zelda Quist'. If they are new, "
        "`/contact add Zelda Quist` adds them."
    )


def test_a_question_in_a_dm_is_answered_in_the_dm_once(live_app, world, actor_for):
    world.contact(actor_for("U0VA1"), "Bob Jones", client_id="acme")
    send_event(live_app, dm("Where are we on the Jones closing?", user="U0OWNER"), "EvAsk")
    (answer,) = posted(live_app, "chat.postMessage")
    assert answer["channel"] == DM and answer["text"].startswith("*Bob Jones*")
    send_event(live_app, dm("Where are we on the Jones closing?", user="U0OWNER"), "EvAsk")
    send_event(live_app, dm("what's up with zelda?", user="U0OWNER"), "EvNone")
    answers = posted(live_app, "chat.postMessage", 2)
    assert len(answers) == 2  # Slack's second delivery of EvAsk is answered once
    assert answers[1]["text"].startswith("Nothing in VA Desk matches 'zelda'")
    assert "Write whom to look for" in answers[1]["text"]


def test_a_dm_in_a_thread_is_left_to_delegation(live_app, world, actor_for):
    world.contact(actor_for("U0VA1"), "Bob Jones")
    send_event(live_app, dm("Bob Jones", thread_ts="1764500000.000100"), "EvThread")
    send_event(live_app, dm("Bob Jones", subtype="message_changed"), "EvEdit")
    send_event(live_app, dm("Bob Jones", bot_id="B0BOT"), "EvBot")
    assert quiet(live_app, "chat.postMessage") == []


def test_an_app_mention_is_answered_to_its_writer_alone(live_app, world, actor_for):
    world.contact(actor_for("U0VA1"), "Bob Jones", client_id="acme")
    send_event(
        live_app, mention("status of Bob Jones?", thread_ts="1764500000.000300"), "EvMention"
    )
    (answer,) = posted(live_app, "chat.postEphemeral")
    assert (answer["channel"], answer["user"]) == ("C0GENERAL", "U0VA1")
    assert answer["thread_ts"] == "1764500000.000300"
    assert answer["text"].startswith("*Bob Jones*")
    assert quiet(live_app, "chat.postMessage") == []


def test_a_client_or_an_outsider_mentioning_vadesk_is_not_answered(live_app, world, actor_for):
    world.contact(actor_for("U0VA1"), "Bob Jones", client_id="acme")
    send_event(live_app, mention("Bob Jones", user="U0CLIENT", channel="C0ACME"), "EvClient")
    outsider = mention("Bob Jones", user="U0OTHER", user_team="T0OTHER")
    send_event(live_app, outsider, "EvOutsider")
    send_event(live_app, dm("Bob Jones", user="U0GUEST", user_team="T0OTHER"), "EvGuest")
    send_event(live_app, mention("Bob Jones", channel="C0ACME"), "EvVA")  # the team's VA
    (answer,) = posted(live_app, "chat.postEphemeral")
    assert answer["user"] == "U0VA1"
    assert len(quiet(live_app, "chat.postEphemeral")) == 1
    assert quiet(live_app, "chat.postMessage") == []


HOSTILE = [
    '"Jones',
    "Jones*",
    "NEAR(Bob Jones)",
    "name:Jones",
    "-Jones",
    "(Jones",
    "Jones & !Bob | <-> :*",
    "'; DROP TABLE contact; --",
    "<!channel> Jones",
    "***",
]


def test_hostile_words_are_searched_as_words(live_app, world, actor_for):
    world.contact(actor_for("U0VA1"), "Bob Jones")
    for words in HOSTILE:
        reply = live_app.command("/find", words)["text"]
        assert "went wrong" not in reply and "<!channel>" not in reply, (words, reply)
        assert reply.startswith(("*Bob Jones*", "Nothing in VA Desk matches", "'")), reply
    assert live_app.command("/find", '"Jones')["text"].startswith("*Bob Jones*")
    assert "no letters or digits" in live_app.command("/find", "***")["text"]
    with session_scope(live_app.engine) as session:
        assert session.exec(select(sa.func.count()).select_from(Contact)).one() == 1
    assert live_app.fake.rejections() == []


def test_a_contact_renamed_in_the_edit_form_is_found_by_its_new_name_only(
    live_app, world, actor_for
):
    bob = world.contact(actor_for("U0VA1"), "Bob Jones", owner_id="U0VA1")
    values = {
        "name": text_value("Robert Quill"),
        "company": text_value(""),
        "client": picked_option("none"),
        "email": text_value(""),
        "phone": text_value(""),
        "owner": picked_user("U0VA1"),
        "next_step": text_value(""),
        "due": picked_date(None),
        "tag": {"type": "static_select", "selected_option": None},
    }
    status, body = live_app.interact(view_submission("contact_edit", values, {"contact": bob.id}))
    assert status == 200 and not body
    with session_scope(live_app.engine) as session:
        assert session.get(Contact, bob.id).name == "Robert Quill"
    assert live_app.command("/find", "quill")["text"].startswith("*Robert Quill*")
    assert live_app.command("/find", "jones")["text"].startswith("Nothing in VA Desk matches")


def test_a_va_finds_nothing_through_a_colleagues_delegated_brief(live_app, world, actor_for):
    delegated = world.task("Merger talks", client="globex", assignee="U0VA2")
    world.delegate(delegated)
    as_va = live_app.command("/find", "merger", user="U0VA1")["text"]
    assert as_va.startswith("Nothing in VA Desk matches 'merger'")
    for reader in ("U0VA2", "U0OWNER"):
        reply = live_app.command("/find", "merger", user=reader)
        assert reply["text"].startswith("*Globex*") and "Merger talks" in texts(reply)


def test_archived_contacts_are_still_found(live_app, world, actor_for):
    bob = world.contact(actor_for("U0VA1"), "Bob Jones")
    world.contact(actor_for("U0VA1"), "Ann Jones")
    with session_scope(live_app.engine) as session:
        session.execute(sa.update(Contact).where(Contact.id == bob.id).values(archived_at=NOW))
    alone = live_app.command("/find", "bob jones")
    assert alone["text"].startswith("*Bob Jones*")
    listed = live_app.command("/find", "jones")
    assert "Bob Jones* · Lead · _archived_" in texts(listed)
    assert buttons(listed, "find_pick")[-1] == f"contact:{bob.id}"  # after the others
