"""Tags through the real app: the Tag contact shortcut (contact, open conversation, task),
`#tag` in /task add, /task list and /report filtered by a tag, unknown tags refused with
the valid ones, and requests Slack would never send."""

from __future__ import annotations

import json
import time as time_module
from datetime import date, datetime, timedelta

from sqlmodel import select

from bot import clock
from bot.services import tags
from bot.services.errors import InputError
from bot.services.parsing import parse_task_add, take_tag
from bot.services.tags import tags_in_effect
from bot.views.tags import tag_contact_modal
from store.db import session_scope
from store.models import AuditRecord, ContactTag, Conversation, CsatPrompt, Task
from tests.slack_payloads import message_shortcut, picked_option, text_value, view_submission

HOT = "Lead – Hot Prospect"
BILLING = "Billing – Payment Question"
CLIENT = "U0CLIENT"


def _open_conversation(live_app, thread_ts: str, opened: str, **more) -> int:
    opened_at = datetime.fromisoformat(opened)
    with session_scope(live_app.engine) as session:
        conversation = Conversation(
            team_id="T0TEAM",
            channel_id=more.pop("channel", "C0ACME"),
            thread_ts=thread_ts,
            opened_by=CLIENT,
            opened_at=opened_at,
            first_response_due=opened_at + timedelta(minutes=15),
            last_client_at=opened_at,
            **more,
        )
        session.add(conversation)
        session.flush()
        return conversation.id


def _conversation_tags(live_app) -> dict[str, str | None]:
    with session_scope(live_app.engine) as session:
        return {c.thread_ts: c.tag for c in session.exec(select(Conversation))}


def _contact_rows(live_app) -> list[ContactTag]:
    with session_scope(live_app.engine) as session:
        return list(session.exec(select(ContactTag).order_by(ContactTag.id)))


def _task(live_app, number: int) -> Task:
    with session_scope(live_app.engine) as session:
        return session.exec(select(Task).where(Task.number == number)).one()


def _shortcut(live_app, message: dict | None = None, reply_to: str | None = None) -> dict:
    payload = message_shortcut("Hi, can you send the quote again?")
    payload["callback_id"] = "tag_contact"
    if message is not None:
        payload["message"] = message
    if reply_to is not None:
        payload["response_url"] = live_app.fake.response_url(reply_to)
    status, _ = live_app.interact(payload)
    assert status == 200
    return payload


def _private_answer(live_app, name: str) -> str:
    deadline = time_module.monotonic() + 5
    while time_module.monotonic() < deadline:
        for call in live_app.fake.calls("response_url"):
            if call.path == f"/respond/{name}":
                return call.params["text"]
        time_module.sleep(0.02)
    raise AssertionError(f"no private answer {name}")


def _submit(live_app, tag: str | None, task: str = "", metadata: dict | None = None, user="U0VA1"):
    values = {"task": text_value(task)}
    if tag is not None:
        values["tag"] = picked_option(tag)
    meta = metadata or {"contact": CLIENT, "channel": "C0ACME", "ts": "1700000000.000200"}
    status, body = live_app.interact(view_submission("tag_contact_submit", values, meta, user))
    assert status == 200
    return json.loads(body)["errors"] if body else None


def _dms(live_app, user: str, count: int) -> list[str]:
    live_app.fake.wait_for("chat.postMessage", count)
    return [
        c.params["text"]
        for c in live_app.fake.calls("chat.postMessage")
        if c.params["channel"] == user
    ]


def test_tag_contact_tags_the_contact_the_conversation_of_the_thread_and_the_task(live_app):
    clock.set_now("2026-11-24T15:00:00Z")
    live_app.command("/task", "add Send the quote again")
    # Two open conversations in the channel: the message is in the second one's thread.
    _open_conversation(live_app, "1700000000.000100", "2026-11-24T14:00:00+00:00")
    _open_conversation(live_app, "1700000000.000200", "2026-11-24T14:30:00+00:00")
    _shortcut(live_app)
    view = live_app.fake.wait_for("views.open")[0].json("view")
    assert view["callback_id"] == "tag_contact_submit"
    assert json.loads(view["private_metadata"]) == {
        "contact": CLIENT,
        "channel": "C0ACME",
        "ts": "1700000000.000200",
    }
    select_menu = next(b for b in view["blocks"] if b.get("block_id") == "tag")["element"]
    groups = {
        g["label"]["text"]: [o["value"] for o in g["options"]] for g in select_menu["option_groups"]
    }
    assert groups["Lead"] == [HOT, "Lead – Cold Lead"] and groups["Billing"] == [BILLING]
    assert "#lead-hot-prospect" in json.dumps(view, ensure_ascii=False)  # the tags are named

    assert _submit(live_app, HOT, "T-1") is None
    (dm,) = _dms(live_app, "U0VA1", 1)
    assert dm == (
        f":label: Tagged <@{CLIENT}>, their open conversation in <#C0ACME> and *T-1* *{HOT}*."
    )
    (row,) = _contact_rows(live_app)
    assert (row.contact_id, row.tag, row.tagged_by) == (CLIENT, HOT, "U0VA1")
    assert (row.channel_id, row.message_ts) == ("C0ACME", "1700000000.000200")
    assert _conversation_tags(live_app) == {"1700000000.000100": None, "1700000000.000200": HOT}
    assert _task(live_app, 1).tag == HOT
    with session_scope(live_app.engine) as session:
        audit = session.exec(select(AuditRecord).where(AuditRecord.action == "tag")).one()
    assert json.loads(audit.old_value) == {"tag": None}
    assert json.loads(audit.new_value) == {"tag": HOT}

    # Tagged again: the latest tag is the contact's, the first stays as history; the
    # form shows the tag they have now.
    clock.set_now("2026-11-24T16:00:00Z")
    _shortcut(live_app)
    again = live_app.fake.wait_for("views.open", 2)[1].json("view")
    assert f"Their tag now: *{HOT}*" in json.dumps(again, ensure_ascii=False)
    assert _submit(live_app, BILLING) is None
    _dms(live_app, "U0VA1", 2)
    assert [r.tag for r in _contact_rows(live_app)] == [HOT, BILLING]
    with session_scope(live_app.engine) as session:
        assert tags.contact_tag(session, "T0TEAM", CLIENT) == BILLING
    assert _task(live_app, 1).tag == HOT  # no task named this time


def test_a_message_outside_any_thread_tags_the_oldest_open_conversation(live_app):
    clock.set_now("2026-11-24T15:00:00Z")
    closed = datetime.fromisoformat("2026-11-24T14:10:00+00:00")
    _open_conversation(live_app, "1700000000.000050", "2026-11-24T13:00:00+00:00", closed_at=closed)
    _open_conversation(live_app, "1700000000.000100", "2026-11-24T14:00:00+00:00")
    _open_conversation(live_app, "1700000000.000150", "2026-11-24T14:30:00+00:00")
    _open_conversation(
        live_app, "1700000000.000090", "2026-11-24T13:30:00+00:00", channel="C0GLOBEX"
    )
    meta = {"contact": CLIENT, "channel": "C0ACME", "ts": "1700000000.000900"}
    assert _submit(live_app, "lead-cold-lead", metadata=meta) is None
    assert _conversation_tags(live_app) == {
        "1700000000.000050": None,  # closed
        "1700000000.000100": "Lead – Cold Lead",
        "1700000000.000150": None,
        "1700000000.000090": None,  # another channel
    }


def test_with_no_open_conversation_the_contact_is_tagged_and_told_so(live_app):
    assert _submit(live_app, HOT) is None
    (dm,) = _dms(live_app, "U0VA1", 1)
    assert "No conversation is open in <#C0ACME>, so none was tagged." in dm
    assert [r.tag for r in _contact_rows(live_app)] == [HOT]


def test_an_unknown_tag_or_task_is_refused_on_its_field_and_nothing_is_stored(live_app):
    live_app.command("/task", "add Send the quote again")
    live_app.command("/task", "add Not mine", user="U0VA2")
    _open_conversation(live_app, "1700000000.000200", "2026-11-24T14:30:00+00:00")
    errors = _submit(live_app, "Lead – Lukewarm", "T-1")
    assert set(errors) == {"tag"}
    assert errors["tag"].startswith("There is no tag 'Lead – Lukewarm'. Tags: ")
    assert f"{HOT} (`#lead-hot-prospect`)" in errors["tag"]
    assert f"{BILLING} (`#billing-payment-question`)" in errors["tag"]
    assert _submit(live_app, HOT, "T-99") == {"task": "There is no T-99 in this workspace."}
    assert "not a task id" in _submit(live_app, HOT, "banana")["task"]
    assert "U0VA2>'s task" in _submit(live_app, HOT, "T-2")["task"]
    assert "Pick a tag" in _submit(live_app, None)["tag"]
    assert _contact_rows(live_app) == []
    assert _conversation_tags(live_app) == {"1700000000.000200": None}
    assert _task(live_app, 1).tag is None and _task(live_app, 2).tag is None
    assert live_app.fake.calls("chat.postMessage") == []


def test_a_bot_or_a_team_member_is_no_contact(live_app):
    bot = {"type": "message", "subtype": "bot_message", "bot_id": "B1", "ts": "1700000000.3"}
    _shortcut(live_app, bot, reply_to="bot")
    assert "posted by an app, not a client contact" in _private_answer(live_app, "bot")
    va = {"type": "message", "user": "U0VA2", "ts": "1700000000.4", "text": "On it"}
    _shortcut(live_app, va, reply_to="va")
    assert _private_answer(live_app, "va") == (
        "<@U0VA2> is on the team, not a client contact; tag a message a client wrote."
    )
    assert live_app.fake.calls("views.open") == []
    # A form naming a team member as the contact (Slack would never send it) is refused too.
    meta = {"contact": "U0SUPER", "channel": "C0ACME", "ts": "1700000000.4"}
    assert "<@U0SUPER> is on the team" in _submit(live_app, HOT, metadata=meta)["tag"]
    assert _contact_rows(live_app) == []


def test_requests_slack_would_never_send_change_nothing(live_app):
    payload = message_shortcut("hello")
    payload["callback_id"] = "tag_contact"
    payload["response_url"] = live_app.fake.response_url("no-message")
    del payload["message"]
    assert live_app.interact(payload)[0] == 200
    assert "could not read this request" in _private_answer(live_app, "no-message")
    for metadata in ("not json", {"contact": CLIENT, "channel": "C0ACME"}, {"contact": 7}):
        errors = _submit(live_app, HOT, metadata=metadata)
        assert "could not read this request" in next(iter(errors.values()))
    assert _contact_rows(live_app) == []
    assert live_app.fake.calls("views.open") == []


def test_task_add_reads_a_tag_and_refuses_an_unknown_one(live_app):
    reply = live_app.command("/task", "add Call back about invoice #123 #Lead-Hot-Prospect")
    assert (
        reply["text"]
        == f"Created *T-1* · Call back about invoice #123 · _open_ · <@U0VA1> · :label: {HOT}"
    )
    assert (_task(live_app, 1).title, _task(live_app, 1).tag) == (
        "Call back about invoice #123",
        HOT,
    )
    # A channel link is a channel, not a tag.
    live_app.command("/task", "add Renew domain <#C0ACME|acme> #billing-payment-question")
    assert (_task(live_app, 2).channel_id, _task(live_app, 2).tag) == ("C0ACME", BILLING)
    refused = live_app.command("/task", "add Call back #lukewarm")["text"]
    assert refused.startswith("There is no tag '#lukewarm'. Tags: Lead – Hot Prospect")
    two = live_app.command("/task", "add Call back #lead-hot-prospect #lead-cold-lead")["text"]
    assert two == "Name one tag; you wrote '#lead-hot-prospect' and '#lead-cold-lead'."
    with session_scope(live_app.engine) as session:
        assert len(session.exec(select(Task)).all()) == 2
    shown = json.dumps(live_app.command("/task", "show T-1")["blocks"], ensure_ascii=False)
    assert f"*Tag*\\n{HOT}" in shown
    help_text = live_app.command("/task", "help")["text"]
    assert "[#tag]" in help_text and f"{BILLING} (`#billing-payment-question`)" in help_text


def test_task_list_filters_by_tag(live_app):
    live_app.command("/task", "add Quote for Acme #lead-hot-prospect")
    live_app.command("/task", "add Chase payment #billing-payment-question")
    live_app.command("/task", "add Quote for Globex #lead-hot-prospect", user="U0VA2")
    live_app.command("/task", "add Untagged work")
    mine = live_app.command("/task", "list #lead-hot-prospect")
    assert mine["text"] == f"My open tasks tagged {HOT}"
    shown = json.dumps(mine["blocks"], ensure_ascii=False)
    assert "*T-1*" in shown and "T-2" not in shown and "T-3" not in shown and "T-4" not in shown
    everyone = json.dumps(live_app.command("/task", "list all #lead-hot-prospect")["blocks"])
    assert "*T-1*" in everyone and "*T-3*" in everyone and "T-2" not in everyone
    theirs = live_app.command("/task", f"list <@U0VA2|bo> #{tags.tag_slug(BILLING)}")
    assert "nothing open" in json.dumps(theirs["blocks"])
    assert "There is no tag '#hot'" in live_app.command("/task", "list #hot")["text"]


def test_report_restricted_to_a_tag(live_app):
    clock.set_now("2026-11-23T14:00:00Z")  # Monday 09:00 in New York
    live_app.command("/task", "add Quote for Acme #lead-hot-prospect")
    live_app.command("/task", "add Chase payment")
    live_app.command("/timer", "start T-1")
    clock.set_now("2026-11-23T15:00:00Z")
    live_app.command("/timer", "start T-2")
    clock.set_now("2026-11-23T15:30:00Z")
    live_app.command("/timer", "stop")
    answered = datetime.fromisoformat("2026-11-23T15:10:00+00:00")
    for thread, tag, minutes in (("1.1", HOT, 6.0), ("1.2", None, 40.0)):
        _open_conversation(
            live_app,
            thread,
            "2026-11-23T14:00:00+00:00",
            tag=tag,
            first_response_at=answered,
            first_responder="U0VA1",
            response_minutes=minutes,
        )
    with session_scope(live_app.engine) as session:
        for number, rating in ((1, 5), (2, 2)):
            task = session.exec(select(Task).where(Task.number == number)).one()
            session.add(
                CsatPrompt(
                    team_id="T0TEAM",
                    task_id=task.id,
                    channel_id="C0ACME",
                    created_at=answered,
                    closes_at=answered + timedelta(days=7),
                    rater_id=CLIENT,
                    rating=rating,
                    rated_at=answered,
                )
            )
    everything = json.dumps(live_app.command("/report", "week")["blocks"], ensure_ascii=False)
    assert "*Hours logged*\\n1h 30m" in everything and "3.5 (2 ratings" in everything
    assert "avg 23 min" in everything and "*Routines completed*" in everything

    reply = live_app.command("/report", "week #lead-hot-prospect")
    shown = json.dumps(reply["blocks"], ensure_ascii=False)
    assert f"Scorecard: week (2026-11-23) · tag {HOT}" in shown
    assert "*Hours logged*\\n1h" in shown and "1h 30m" not in shown
    assert "*CSAT* (target 4.5)\\n5.0 (1 rating, 100% at 4.5 or more)" in shown
    assert "avg 6 min, p90 6 min, 100% within 15 min" in shown
    assert "*Routines completed*" not in shown and "*Open escalations*" not in shown
    assert f"Only tasks tagged *{HOT}*" in shown

    team = json.dumps(
        live_app.command("/report", "week #lead-hot-prospect", user="U0SUPER")["blocks"],
        ensure_ascii=False,
    )
    assert f"Team report: week (2026-11-23) · tag {HOT}" in team
    assert "<@U0VA1> · 1h logged" in team and "· routines" not in team
    one = json.dumps(
        live_app.command("/report", f"week <@U0VA1|al> #{tags.tag_slug(BILLING)}", user="U0OWNER")[
            "blocks"
        ],
        ensure_ascii=False,
    )
    assert f"· tag {BILLING}" in one and "*Hours logged*\\n0m" in one and "no ratings yet" in one
    refused = live_app.command("/report", "week #lukewarm")
    assert refused["text"].startswith("There is no tag '#lukewarm'. Tags: ")
    assert "blocks" not in refused
    assert "#lead-hot-prospect" in live_app.command("/report", "help")["text"]


def test_tags_resolve_by_label_or_slug_and_the_form_minds_slacks_option_limit():
    defaults = tags_in_effect(None)
    assert tags.resolve_tag(defaults, "lead – hot prospect") == HOT
    assert tags.resolve_tag(defaults, "#LEAD-hot-prospect,") == HOT
    assert tags.tag_slug(BILLING) == "billing-payment-question"
    try:
        tags.resolve_tag(defaults, "Lead")
    except InputError as refusal:
        assert "There is no tag 'Lead'" in refusal.message
    else:
        raise AssertionError("a category alone is no tag")
    big = tags_in_effect({f"Cat{c}": tuple(f"Sub {s}" for s in range(40)) for c in range(3)})
    assert len(big) == 120
    view = tag_contact_modal(big, CLIENT, None, {}).to_dict()  # validated by slack_sdk
    element = next(b for b in view["blocks"] if b.get("block_id") == "tag")["element"]
    assert element["type"] == "plain_text_input"  # more than Slack's 100 options
    assert tags.resolve_tag(big, "#cat2-sub-39") == "Cat2 – Sub 39"
    small = tag_contact_modal(defaults, CLIENT, HOT, {}).to_dict()
    element = next(b for b in small["blocks"] if b.get("block_id") == "tag")["element"]
    assert element["type"] == "static_select" and element["initial_option"]["value"] == HOT


def test_one_parser_reads_a_tag_word_and_leaves_channels_numbers_and_links_alone():
    draft = parse_task_add(
        "Invoice #123 for <#C0ACME|acme> see <https://x.example/#top|the #faq> #client-active",
        today=date(2026, 11, 23),
    )
    assert draft.tag == "#client-active" and draft.channel_id == "C0ACME"
    assert draft.title == "Invoice #123 for see <https://x.example/#top|the #faq>"
    assert parse_task_add("Plain title", today=date(2026, 11, 23)).tag is None
    assert take_tag("week <@U0VA1|al> #lead-hot-prospect") == (
        "week <@U0VA1|al>",
        "#lead-hot-prospect",
    )
    assert take_tag("all #1") == ("all #1", None)
