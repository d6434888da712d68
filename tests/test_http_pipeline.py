"""`/pipeline` and a contact card's stage menu through the real app: the summary with
weighted totals, a stage's list, moves with their history, the lost reason, unknown
stages, who may move a contact, a stage gone from the settings, hostile names, and the
move form with its inline errors."""

from __future__ import annotations

import json
import time as time_module
from datetime import timedelta

import pytest
from sqlmodel import select

from bot import clock
from bot.services import contacts
from bot.services.contact_picture import build_picture
from bot.services.contacts import NewContact
from bot.services.people import resolve_actor
from bot.views.contacts import card_blocks
from store.db import session_scope
from store.models import Contact, ContactEvent
from tests.slack_payloads import picked_date, select_action, text_value, view_submission

TEAM = "T0TEAM"
MOVE_FORM = "contact_move_submit"


def add(live_app, name: str, days_ago: int = 0, by: str = "U0VA1", **fields) -> Contact:
    now = clock.now()
    clock.set_now(now - timedelta(days=days_ago))
    try:
        with session_scope(live_app.engine) as session:
            actor = resolve_actor(session, live_app.settings, TEAM, by, lambda _u: None)
            new = NewContact(name=name, **fields)
            return contacts.create_contact(session, live_app.settings, actor, new)
    finally:
        clock.set_now(now)


def change(live_app, contact: Contact, **values) -> None:
    with session_scope(live_app.engine) as session:
        row = session.get_one(Contact, contact.id)
        for key, value in values.items():
            setattr(row, key, value)


def stored(live_app, contact: Contact) -> Contact:
    with session_scope(live_app.engine) as session:
        return session.get_one(Contact, contact.id)


def moves(live_app, contact: Contact) -> list[tuple]:
    with session_scope(live_app.engine) as session:
        rows = session.exec(
            select(ContactEvent)
            .where(ContactEvent.contact_id == contact.id, ContactEvent.kind == "moved")
            .order_by(ContactEvent.id)
        )
        return [(e.actor_id, e.at, e.from_stage, e.to_stage, e.note) for e in rows]


def shown_text(reply: dict) -> str:
    """Every text of a reply as Slack receives it (mrkdwn, escaped)."""
    parts = [reply.get("text", "")]

    def walk(node) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                parts.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(reply.get("blocks") or [])
    return "\n".join(parts)


def dms(live_app, user: str, count: int) -> list[str]:
    deadline = time_module.monotonic() + 5
    while time_module.monotonic() < deadline:
        sent = [
            c.params["text"]
            for c in live_app.fake.calls("chat.postMessage")
            if c.params.get("channel") == user
        ]
        if len(sent) >= count:
            return sent
        time_module.sleep(0.02)
    raise AssertionError(f"fewer than {count} DMs to {user}")


def private_answer(live_app, name: str) -> str:
    deadline = time_module.monotonic() + 5
    while time_module.monotonic() < deadline:
        for call in live_app.fake.calls("response_url"):
            if call.path == f"/respond/{name}":
                return call.params["text"]
        time_module.sleep(0.02)
    raise AssertionError(f"no private answer {name}")


def test_the_summary_shows_each_stage_its_oldest_and_weighted_totals(live_app):
    ann = add(live_app, "Ann Lee", days_ago=30, owner_id="U0VA1")
    add(live_app, "Bob Jones", days_ago=20)
    dee = add(live_app, "Dee Dee", days_ago=9)
    change(live_app, ann, amount_minor=1_000_000, currency="USD", next_step="Call back")
    live_app.command("/pipeline", "move Dee Dee Booked amount 2,000", user="U0SUPER")
    reply = live_app.command("/pipeline")
    text = shown_text(reply)
    assert reply["text"] == "Pipeline: 3 contacts"
    assert "*Lead* · 2 contacts · $10,000.00, weighted 10 %: $1,000.00" in text
    assert "• *Ann Lee* · 30 days · <@U0VA1> · next: Call back" in text
    assert "• *Bob Jones* · 20 days · no owner" in text
    assert "*Booked* · 1 contact · $2,000.00, weighted 50 %: $1,000.00" in text
    assert "• *Dee Dee* · 0 days · no owner" in text
    assert "*Closed* (won) · 0 contacts" in text and "*Lost* (lost) · 0 contacts" in text
    assert "*All stages* · 3 contacts · $12,000.00, weighted $2,000.00" in text
    assert stored(live_app, dee).amount_minor == 200_000


def test_a_stage_lists_its_contacts_longest_in_it_first(live_app):
    add(live_app, "Bob Jones", days_ago=3, owner_id="U0VA2")
    ann = add(live_app, "Ann Lee", days_ago=12)
    change(live_app, ann, next_step="Send the quote", next_step_due=clock.now().date())
    reply = live_app.command("/pipeline", "lead")
    text = shown_text(reply)
    assert reply["text"] == "Lead: 2 contacts"
    ann_line = "• *Ann Lee* · 12 days · no owner · next: Send the quote (due Mon 2026-11-30)"
    assert ann_line in text and "• *Bob Jones* · 3 days · <@U0VA2>" in text
    assert text.index("Ann Lee") < text.index("Bob Jones")
    assert "Nobody is in *Closed* (won)." in shown_text(live_app.command("/pipeline", "Closed"))


def test_a_move_is_told_and_kept_with_who_when_from_to_and_the_note(live_app):
    bob = add(live_app, "Bob Jones", owner_id="U0VA1")
    reply = live_app.command(
        "/pipeline", "move bob jones booked  Sent the quote, call Friday amount $5,000 close friday"
    )
    assert reply["text"] == (
        ":arrow_right: *Bob Jones* moved from Lead to *Booked* ($5,000.00, expected close "
        "Fri 2026-12-04).\nNote: Sent the quote, call Friday"
    )
    now = clock.now()
    assert moves(live_app, bob) == [("U0VA1", now, "Lead", "Booked", "Sent the quote, call Friday")]
    row = stored(live_app, bob)
    assert (row.stage, row.stage_since, row.last_touch_at) == ("Booked", now, now)
    clock.set_now(now + timedelta(days=2))
    won = live_app.command("/pipeline", "move Bob Jones Closed")
    assert won["text"] == (
        ":tada: *Bob Jones* moved from Booked to *Closed* ($5,000.00, expected close "
        "Fri 2026-12-04).\nOnboarding started: T-1, T-2, T-3, T-4, for <@U0VA1>."
    )
    assert moves(live_app, bob)[-1] == ("U0VA1", now + timedelta(days=2), "Booked", "Closed", None)


def test_a_lost_move_needs_a_reason(live_app):
    bob = add(live_app, "Bob Jones")
    reply = live_app.command("/pipeline", "move Bob Jones Lost")
    assert "A move to Lost needs a reason" in reply["text"]
    assert stored(live_app, bob).stage == "Lead" and moves(live_app, bob) == []
    reply = live_app.command("/pipeline", "move Bob Jones Lost went with a cheaper agency")
    assert reply["text"].endswith("to *Lost*.\nReason: went with a cheaper agency")
    assert moves(live_app, bob)[-1][3:] == ("Lost", "went with a cheaper agency")


def test_an_unknown_stage_is_refused_with_the_valid_ones(live_app):
    bob = add(live_app, "Bob Jones")
    reply = live_app.command("/pipeline", "move Bob Jones Negotiating")
    assert reply["text"] == "There is no stage 'Negotiating'. Stages: Lead, Booked, Closed, Lost."
    listed = live_app.command("/pipeline", "Negotiating")
    assert listed["text"] == "There is no stage 'Negotiating'. Stages: Lead, Booked, Closed, Lost."
    assert stored(live_app, bob).stage == "Lead"


def test_a_va_cannot_move_a_colleagues_contact_a_supervisor_can(live_app):
    bob = add(live_app, "Bob Jones", owner_id="U0VA1")
    refused = live_app.command("/pipeline", "move Bob Jones Booked", user="U0VA2")
    assert refused["text"].startswith("Bob Jones is <@U0VA1>'s contact; only its owner")
    assert moves(live_app, bob) == []
    live_app.command("/pipeline", "move Bob Jones Booked", user="U0SUPER")
    assert moves(live_app, bob)[0][0] == "U0SUPER"
    again = live_app.command("/pipeline", "move Bob Jones Booked", user="U0SUPER")
    assert again["text"] == "Bob Jones is already in Booked (0 days)."


def test_two_moves_at_once_move_the_contact_once(live_app):
    bob = add(live_app, "Bob Jones")
    answers = live_app.commands_at_once(
        [
            ("/pipeline", "move Bob Jones Booked", "U0VA1"),
            ("/pipeline", "move Bob Jones Booked", "U0SUPER"),
        ]
    )
    assert sorted(a.split(" ")[0] for a in answers) == [":arrow_right:", "Bob"]
    assert any(a == "Bob Jones is already in Booked (0 days)." for a in answers)
    assert len(moves(live_app, bob)) == 1


def test_a_stage_taken_out_of_the_settings_keeps_its_contacts_in_view(live_app):
    ann = add(live_app, "Ann Lee", days_ago=6)
    change(live_app, ann, stage="Negotiation", amount_minor=40_000, currency="USD")
    text = shown_text(live_app.command("/pipeline"))
    assert "*Negotiation* (not in [pipeline]) · 1 contact · $400.00, not weighted" in text
    assert "• *Ann Lee* · 6 days" in text
    listed = shown_text(live_app.command("/pipeline", "negotiation"))
    assert "*Negotiation* (not in [pipeline]) · 1 contact" in listed
    moved = live_app.command("/pipeline", "move Ann Lee Booked")
    assert moved["text"].startswith(":arrow_right: *Ann Lee* moved from Negotiation to *Booked*")


def test_hostile_names_and_notes_are_shown_as_typed(live_app):
    add(live_app, "<!channel> & <@U0OWNER>", days_ago=1)
    text = shown_text(live_app.command("/pipeline"))
    assert "*&lt;!channel&gt; &amp; &lt;@U0OWNER&gt;*" in text
    assert "<!channel>" not in text and "<@U0OWNER>" not in text
    reply = live_app.command("/pipeline", "move <!channel> & <@U0OWNER> Lost <!here> *bold*")
    assert reply["text"].endswith("Reason: &lt;!here&gt; *bold*")
    assert "<!here>" not in reply["text"]


def test_help_shows_the_grammar_and_the_stages(live_app):
    text = live_app.command("/pipeline", "help")["text"]
    assert "`/pipeline move &lt;name&gt; &lt;stage&gt; [note]" in text
    assert "Stages: Lead (open), Booked (open), Closed (won), Lost (lost)." in text
    usage = live_app.command("/pipeline", "move Bob")["text"]
    assert usage.startswith("Usage: `/pipeline move &lt;name&gt;")


def _pick(live_app, value: str, user: str = "U0VA1", reply_to: str | None = None) -> None:
    payload = select_action("contact_move", value, user=user)
    if reply_to is not None:
        payload["response_url"] = live_app.fake.response_url(reply_to)
    status, _ = live_app.interact(payload)
    assert status == 200


def _submit(live_app, contact: Contact, stage: str, user: str = "U0VA1", **fields):
    values = {
        "note": text_value(fields.get("note", "")),
        "amount": text_value(fields.get("amount", "")),
        "expected_close": picked_date(fields.get("close")),
    }
    meta = {"contact": contact.id, "stage": stage}
    status, body = live_app.interact(view_submission(MOVE_FORM, values, meta, user))
    assert status == 200
    return json.loads(body)["errors"] if body else None


def test_the_stage_menu_opens_the_move_form(live_app):
    bob = add(live_app, "Bob Jones")
    change(live_app, bob, amount_minor=120_000, currency="USD")
    _pick(live_app, f"{bob.id}|Lost")
    view = live_app.fake.wait_for("views.open")[0].json("view")
    assert view["callback_id"] == MOVE_FORM
    assert json.loads(view["private_metadata"]) == {"contact": bob.id, "stage": "Lost"}
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks["note"]["label"]["text"] == "Reason" and not blocks["note"].get("optional")
    assert "Now $1,200.00; left empty, it stays." in blocks["amount"]["hint"]["text"]
    assert blocks["expected_close"]["element"]["type"] == "datepicker"
    _pick(live_app, f"{bob.id}|Booked")
    view = live_app.fake.wait_for("views.open", 2)[1].json("view")
    note = next(b for b in view["blocks"] if b.get("block_id") == "note")
    assert note["label"]["text"] == "Note" and note["optional"] is True


def test_the_cards_own_stage_menu_opens_the_move_form(live_app):
    """The option a contact's card offers (bot/views/contacts) is what the menu reads."""
    bob = add(live_app, "Bob Jones", owner_id="U0VA1")
    with session_scope(live_app.engine) as session:
        actor = resolve_actor(session, live_app.settings, TEAM, "U0VA1", lambda _u: None)
        row = session.get_one(Contact, bob.id)
        picture = build_picture(session, live_app.settings, actor, contact=row)
    blocks = [b.to_dict() for b in card_blocks(picture, live_app.settings)]
    menu = next(
        element
        for block in blocks
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] == "contact_move"
    )
    booked = next(o["value"] for o in menu["options"] if o["text"]["text"] == "Booked")
    _pick(live_app, booked)
    view = live_app.fake.wait_for("views.open")[0].json("view")
    assert json.loads(view["private_metadata"]) == {"contact": bob.id, "stage": "Booked"}
    assert _submit(live_app, bob, "Booked", note="Call booked for Friday") is None
    assert moves(live_app, bob)[0][2:] == ("Lead", "Booked", "Call booked for Friday")


def test_the_move_form_shows_what_is_wrong_on_its_fields(live_app):
    bob = add(live_app, "Bob Jones")
    errors = _submit(live_app, bob, "Lost", amount="12.345", close="2026-11-29")
    assert set(errors) == {"note", "amount", "expected_close"}
    assert "needs a reason" in errors["note"]
    assert "more decimals than USD uses" in errors["amount"]
    assert "is in the past" in errors["expected_close"]
    assert _submit(live_app, bob, "Booked", amount="lots") == {
        "amount": "'lots' is not an amount in USD: write it like 1200, 1,200 or $1,200.00."
    }
    assert stored(live_app, bob).stage == "Lead" and moves(live_app, bob) == []
    assert (
        _submit(live_app, bob, "Lost", note="No budget", amount="2,500", close="2026-12-15") is None
    )
    assert dms(live_app, "U0VA1", 1)[-1] == (
        ":arrow_right: *Bob Jones* moved from Lead to *Lost* ($2,500.00, expected close "
        "Tue 2026-12-15).\nReason: No budget"
    )
    row = stored(live_app, bob)
    assert (row.stage, row.amount_minor, row.expected_close.isoformat()) == (
        "Lost",
        250_000,
        "2026-12-15",
    )
    assert moves(live_app, bob)[0][2:] == ("Lead", "Lost", "No budget")


def test_the_move_form_refuses_a_va_who_may_not_move_the_contact(live_app):
    bob = add(live_app, "Bob Jones", owner_id="U0VA1")
    _pick(live_app, f"{bob.id}|Booked", user="U0VA2", reply_to="pick")
    assert private_answer(live_app, "pick").startswith("Bob Jones is <@U0VA1>'s contact")
    assert live_app.fake.calls("views.open") == []
    errors = _submit(live_app, bob, "Booked", user="U0VA2")
    assert errors["note"].startswith("Bob Jones is <@U0VA1>'s contact")
    assert moves(live_app, bob) == []


@pytest.mark.parametrize("value", ["Booked", "12", "x|Booked", "0|Booked", f"{'9' * 20}|Lead"])
def test_a_stage_menu_value_slack_never_sends_changes_nothing(live_app, value):
    bob = add(live_app, "Bob Jones")
    _pick(live_app, value, reply_to="bad")
    assert "could not read this request" in private_answer(live_app, "bad")
    assert live_app.fake.calls("views.open") == [] and moves(live_app, bob) == []


def test_a_stage_menu_of_a_contact_gone_or_archived_says_so(live_app):
    bob = add(live_app, "Bob Jones")
    _pick(live_app, f"{bob.id + 1}|Booked", reply_to="gone")
    assert private_answer(live_app, "gone") == "That contact is not in VA Desk (anymore)."
    change(live_app, bob, archived_at=clock.now(), archived_by="U0VA1")
    _pick(live_app, f"{bob.id}|Booked", reply_to="archived")
    assert "is archived" in private_answer(live_app, "archived")
    assert live_app.fake.calls("views.open") == []
