"""The picture of a contact or a client: the open work for them and their client with its
latest follow-ups, the open chat and its response-time state, escalations, delegated
work waiting, the last CSAT and billing, filtered by what the person may see; and the
card it makes, within what Slack accepts."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from bot import clock
from bot.services.contact_picture import build_picture, sla_state
from bot.services.errors import NotFound
from bot.views.contacts import CONTACT_MOVE_ACTION, card_blocks, card_text
from store.db import session_scope
from store.models import Client, Contact
from tests import blockkit_limits
from tests.contact_world import NOW, World, mrkdwn_texts


@pytest.fixture
def world(engine, settings) -> World:
    return World(engine, settings)


def picture_of(world: World, actor, contact: Contact | None = None, client: str | None = None):
    with session_scope(world.engine) as session:
        row = session.get(Contact, contact.id) if contact is not None else None
        client_row = session.get(Client, world.client_id(client)) if client else None
        return build_picture(session, world.settings, actor, contact=row, client=client_row)


def test_a_contact_s_picture_gathers_its_own_and_its_client_s_open_work(world, actor_for):
    va1 = actor_for("U0VA1")
    bob = world.contact(va1, "Bob Jones", client_id="acme", owner_id="U0VA1", company="Jones Ltd")
    own = world.task("Send Bob the quote", client=None, contact=bob, due=date(2026, 12, 2))
    client_task = world.task("Fix the Acme invoice", due=date(2026, 12, 1))
    world.task("Globex work", client="globex")
    world.task("Acme work done", status="done")
    for minutes, text in ((30, "oldest"), (20, "middle"), (10, "newest")):
        world.followup(client_task, text, minutes)
    clock.set_now(NOW + timedelta(days=3))
    picture = picture_of(world, va1, bob)
    assert [item.task.title for item in picture.tasks] == [client_task.title, own.title]
    assert [f.text for f in picture.tasks[0].followups] == ["newest", "middle"]
    assert picture.client is not None and picture.client.name == "Acme Corp"
    assert picture.stage is not None and picture.stage.name == "Lead"
    assert picture.days_in_stage == 3 and picture.may_change and not picture.more_tasks
    assert [event.kind for event in picture.history] == ["created"]


def test_a_colleague_s_delegated_brief_stays_hidden_from_a_va(world, actor_for):
    va1, va2, supervisor = actor_for("U0VA1"), actor_for("U0VA2"), actor_for("U0SUPER")
    bob = world.contact(va1, "Bob Jones", client_id="acme")
    delegated = world.task("Quarterly report", assignee="U0VA2")
    world.delegate(delegated)
    world.followup(delegated, "Numbers from the brief", 5, author="U0VA2")
    world.escalation(delegated, "The secret summary")
    for actor, hidden in ((va1, True), (va2, False), (supervisor, False)):
        picture = picture_of(world, actor, bob)
        (item,) = picture.tasks
        assert item.hidden is hidden
        assert [f.text for f in item.followups] == ([] if hidden else ["Numbers from the brief"])
        assert picture.escalations[0].hidden is hidden
        (waiting,) = picture.unacknowledged
        assert waiting.assignment.assignee_id == "U0VA2"
    text = str(card_blocks(picture_of(world, va1, bob), world.settings))
    assert "The secret summary" not in text and "Numbers from the brief" not in text
    assert "its brief is theirs" in text


def test_the_chat_is_the_one_the_contact_opened_else_their_client_s(world, actor_for):
    va1 = actor_for("U0VA1")
    bob = world.contact(va1, "Bob Jones", client_id="acme", slack_user_id="U0CLIENT")
    ann = world.contact(va1, "Ann Lee", client_id="acme")
    world.conversation("U0CLIENT", 60, first_response_at=NOW - timedelta(minutes=50))
    newer = world.conversation("U0OTHER", 5)
    world.conversation("U0CLIENT", 1, client="globex", closed_at=NOW)
    assert picture_of(world, va1, bob).chat.state == "answered"
    chat = picture_of(world, va1, ann).chat
    assert chat.conversation.id == newer.id and chat.state == "waiting"
    assert chat.due == newer.first_response_due


def test_the_response_state_of_a_chat(world):
    conversation = world.conversation("U0CLIENT", 5)
    assert sla_state(conversation, NOW) == "waiting"
    conversation.near_breach_at = NOW
    assert sla_state(conversation, NOW) == "near breach"
    assert sla_state(conversation, NOW + timedelta(minutes=10)) == "breached"
    conversation.first_response_at = NOW
    assert sla_state(conversation, NOW + timedelta(minutes=10)) == "answered"


def test_escalations_acknowledgments_and_the_last_rating(world, actor_for):
    va1 = actor_for("U0VA1")
    bob = world.contact(va1, "Bob Jones", client_id="acme")
    task = world.task("Chase payment")
    world.escalation(task, "Client refuses to pay")
    world.escalation(task, "Old question", resolved=True)
    acknowledged = world.task("Acknowledged work", assignee="U0VA2")
    world.delegate(acknowledged, state="acknowledged")
    for number, (rating, minutes) in enumerate(((5, 90), (3, 10))):
        world.rating(world.task(f"Done {number}", status="done"), rating, minutes)
    world.rating(world.task("Globex done", client="globex", status="done"), 1, 1)
    picture = picture_of(world, va1, bob)
    assert [e.escalation.summary for e in picture.escalations] == ["Client refuses to pay"]
    assert picture.unacknowledged == ()
    assert picture.rating is not None and picture.rating.rating == 3


def test_only_whoever_may_invoice_sees_billing(world, actor_for):
    va1, owner = actor_for("U0VA1"), actor_for("U0OWNER")
    bob = world.contact(va1, "Bob Jones", client_id="acme")
    task = world.task("Bookkeeping")
    world.entry(task, NOW - timedelta(days=2), 5400)
    world.entry(task, NOW - timedelta(days=40), 3600)  # last month
    world.invoice("acme", "INV-2026-0003", date(2026, 11, 1), 125_000)
    assert picture_of(world, va1, bob).billing is None
    billing = picture_of(world, owner, bob).billing
    assert billing is not None and billing.unbilled_seconds == 5400
    assert billing.last_invoice is not None and billing.last_invoice.number == "INV-2026-0003"
    text = str(card_blocks(picture_of(world, owner, bob), world.settings))
    assert "1.50 h" in text and "$1,250.00" in text


def test_a_client_s_picture_lists_its_contacts_touched_last_first(world, actor_for):
    va1 = actor_for("U0VA1")
    for minutes in range(12):
        clock.set_now(NOW + timedelta(minutes=minutes))
        world.contact(va1, f"Person {minutes}", client_id="acme")
    world.contact(va1, "Globex person", client_id="globex")
    world.task("Acme work")
    picture = picture_of(world, va1, client="acme")
    assert picture.contact is None and picture.name == "Acme Corp"
    assert [c.name for c in picture.contacts][:2] == ["Person 11", "Person 10"]
    assert len(picture.contacts) == 10 and picture.more_contacts
    assert [item.task.title for item in picture.tasks] == ["Acme work"]
    blocks = [b.to_dict() for b in card_blocks(picture, world.settings)]
    assert not any(b["type"] == "actions" for b in blocks)


def test_another_workspace_s_contact_is_not_found(world, actor_for, settings):
    bob = world.contact(actor_for("U0VA1"), "Bob Jones")
    stranger = replace(actor_for("U0VA1"), team_id="T0OTHER")
    with pytest.raises(NotFound):
        picture_of(world, stranger, bob)


def test_the_card_escapes_what_people_typed_and_stays_within_slack_s_limits(world, actor_for):
    va1 = actor_for("U0VA1")
    hostile = "<!channel> Bob & <@U0OWNER>" + "x" * 150
    bob = world.contact(
        va1, hostile, client_id="acme", owner_id="U0VA1", email="a<b>@x.com", phone="<tel>"
    )
    for _ in range(12):
        task = world.task("<!here> " + "t" * 600, due=date(2026, 12, 1))
        for minutes in range(3):
            world.followup(task, "<@U0OWNER> " + "f" * 3000, minutes)
    world.escalation(task, "<!everyone> " + "s" * 3000)
    picture = picture_of(world, va1, bob)
    assert picture.more_tasks and len(picture.tasks) == 8
    blocks = [block.to_dict() for block in card_blocks(picture, world.settings)]
    assert blockkit_limits.message_problems(blocks) == []
    assert len(blocks) <= 50
    rendered = " ".join(mrkdwn_texts(blocks)) + card_text(picture)
    assert "<!channel>" not in rendered and "<!here>" not in rendered
    assert "<@U0OWNER>" not in rendered and "&lt;!channel&gt;" in rendered
    assert blocks[0]["text"]["text"] == hostile[:149] + "…"
    menu = next(e for b in blocks if b["type"] == "actions" for e in b["elements"])
    assert menu["action_id"] == CONTACT_MOVE_ACTION
    assert [o["value"] for o in menu["options"]] == [
        f"{bob.id}|{stage}" for stage in ("Lead", "Booked", "Closed", "Lost")
    ]
    assert menu["initial_option"]["value"] == f"{bob.id}|Lead"


def test_a_va_who_may_not_change_the_contact_gets_no_stage_menu_nor_edit(world, actor_for):
    bob = world.contact(actor_for("U0VA1"), "Bob Jones", owner_id="U0VA1")
    picture = picture_of(world, actor_for("U0VA2"), bob)
    assert not picture.may_change
    actions = next(b for b in card_blocks(picture, world.settings) if b.type == "actions")
    assert [e.action_id for e in actions.elements] == ["contact_note"]
