"""/task, the New task modal, completion notes and the shortcuts, through real HTTP."""

from __future__ import annotations

import json
from datetime import date

from sqlmodel import select

from bot import clock
from store.db import session_scope
from store.models import Client, Task, TimeEntry
from tests.slack_payloads import (
    global_shortcut,
    message_shortcut,
    picked_date,
    picked_option,
    picked_user,
    text_value,
    view_submission,
)


def _task(live_app, number: int) -> Task:
    with session_scope(live_app.engine) as session:
        return session.exec(select(Task).where(Task.number == number)).one()


def _opened_view(live_app, index: int = 0) -> dict:
    call = live_app.fake.wait_for("views.open", index + 1)[index]
    return call.json("view")


def test_help_and_unknown_subcommand_show_the_grammar(live_app):
    assert "/task add &lt;title&gt;" in live_app.command("/task", "help")["text"]
    reply = live_app.command("/task", "frobnicate T-1")
    assert "I don't know `/task frobnicate`" in reply["text"]
    assert "/task done T-12 &lt;notes&gt;" in reply["text"]
    assert reply["response_type"] == "ephemeral"


def test_add_reads_channel_user_due_and_priority(live_app):
    clock.set_now("2026-11-23T15:00:00Z")  # a Monday
    reply = live_app.command(
        "/task", "add Send invoice <#C0ACME|acme> <@U0VA2|bo> due friday !high"
    )
    assert "Created *T-1*" in reply["text"]
    task = _task(live_app, 1)
    assert (task.title, task.assignee_id, task.priority) == ("Send invoice", "U0VA2", "high")
    assert task.due == date(2026, 11, 27)
    with session_scope(live_app.engine) as session:
        assert session.get(Client, task.client_id).name == "Acme Corp"
    # the assignee's App Home is republished with the new task
    published = live_app.fake.wait_for("views.publish", 2)
    assert any(call.params["user_id"] == "U0VA2" for call in published)


def test_titles_keep_markup_emoji_and_right_to_left_text(live_app):
    typed = "تقرير العميل 📊 &lt;b&gt;bold&lt;/b&gt; &amp; *stars* " + "x" * 300
    live_app.command("/task", f"add {typed}")
    stored = _task(live_app, 1).title
    assert stored.startswith("تقرير العميل 📊 <b>bold</b> & *stars* ")
    assert stored.endswith("x" * 300)
    shown = live_app.command("/task", "list")["blocks"][1]["text"]["text"]
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; *stars*" in shown
    assert "…" in shown  # truncated for display only


def test_unknown_task_ids_get_a_clear_message(live_app):
    assert live_app.command("/task", "show T-99")["text"] == "There is no T-99 in this workspace."
    assert "not a task id" in live_app.command("/task", "show banana")["text"]


def test_show_lists_followups_and_tracked_time(live_app):
    clock.set_now("2026-11-23T15:00:00Z")
    live_app.command("/timer", "start Reconcile Acme invoices")
    clock.set_now("2026-11-23T15:45:00Z")
    live_app.command("/timer", "stop")
    reply = live_app.command("/task", "followup T-1 Chase the missing receipt due tomorrow")
    assert reply["text"] == "Follow-up logged on *T-1* (due Tue 2026-11-24)."
    detail = json.dumps(live_app.command("/task", "show T-1")["blocks"])
    assert "Chase the missing receipt" in detail
    assert "45m" in detail


def test_done_needs_notes_and_stops_the_running_timer(live_app):
    clock.set_now("2026-11-23T15:00:00Z")
    live_app.command("/timer", "start Book flights for Acme")
    clock.set_now("2026-11-23T15:30:00Z")
    reply = live_app.command("/task", "done T-1 Booked LH400, confirmation sent to client")
    assert ":white_check_mark:" in reply["text"]
    assert "Stopped" in reply["text"] and "30m recorded" in reply["text"]
    task = _task(live_app, 1)
    assert task.status == "done" and task.notes.startswith("Booked LH400")
    with session_scope(live_app.engine) as session:
        entry = session.exec(select(TimeEntry)).one()
    assert entry.ended_at == clock.now()
    again = live_app.command("/task", "done T-1 again")
    assert again["text"].startswith("T-1 was already completed by <@U0VA1>")


def test_done_without_notes_opens_the_notes_modal(live_app):
    live_app.command("/task", "add Update CRM")
    live_app.send_command("/task", "done T-1")
    view = _opened_view(live_app)
    assert view["callback_id"] == "task_complete"
    submit = view_submission(
        "task_complete", {"notes": text_value("   ")}, view["private_metadata"]
    )
    status, body = live_app.interact(submit)
    assert status == 200
    assert json.loads(body)["errors"]["notes"].startswith("Completing a task needs notes")
    assert _task(live_app, 1).status == "open"
    submit = view_submission(
        "task_complete", {"notes": text_value("Added 12 leads")}, view["private_metadata"]
    )
    status, body = live_app.interact(submit)
    assert (status, body) == (200, "")
    assert _task(live_app, 1).notes == "Added 12 leads"
    dm = live_app.fake.wait_for("chat.postMessage")[0]
    assert dm.params["channel"] == "U0VA1" and "T-1" in dm.params["text"]


def test_status_changes_and_refuses_done_without_notes(live_app):
    live_app.command("/task", "add Wait for client docs")
    assert "_waiting_" in live_app.command("/task", "status T-1 waiting")["text"]
    assert "already waiting" in live_app.command("/task", "status T-1 waiting")["text"]
    assert "_in progress_" in live_app.command("/task", "status T-1 in progress")["text"]
    assert "already in progress" in live_app.command("/task", "status T-1 in_progress")["text"]
    assert "needs notes" in live_app.command("/task", "status T-1 done")["text"]
    assert "Unknown status 'later'" in live_app.command("/task", "status T-1 later")["text"]


def test_a_va_cannot_change_another_vas_task(live_app):
    live_app.command("/task", "add Prepare report", user="U0VA2")
    reply = live_app.command("/task", "status T-1 cancelled", user="U0VA1")
    assert "is <@U0VA2>'s task; only its assignee" in reply["text"]
    assert _task(live_app, 1).status == "open"
    reply = live_app.command("/task", "status T-1 cancelled", user="U0SUPER")
    assert "_cancelled_" in reply["text"]


def test_list_scopes(live_app):
    clock.set_now("2026-11-23T15:00:00Z")
    live_app.command("/task", "add Mine due 2026-11-20")
    live_app.command("/task", "add Theirs <@U0VA2>")
    mine = json.dumps(live_app.command("/task", "list")["blocks"])
    assert "Mine" in mine and "Theirs" not in mine
    assert "Theirs" in json.dumps(live_app.command("/task", "list <@U0VA2|bo>")["blocks"])
    overdue = json.dumps(live_app.command("/task", "list overdue")["blocks"])
    assert "overdue since Fri 2026-11-20" in overdue
    everything = json.dumps(live_app.command("/task", "list all")["blocks"])
    assert "Mine" in everything and "Theirs" in everything


def test_new_task_modal_round_trip(live_app):
    live_app.send_command("/task")
    view = _opened_view(live_app)
    assert view["callback_id"] == "task_create"
    blocks = {block["block_id"]: block for block in view["blocks"]}
    client_options = blocks["client"]["element"]["options"]
    globex = next(o["value"] for o in client_options if o["text"]["text"] == "Globex")
    empty = view_submission("task_create", {"title": text_value("  ")})
    status, body = live_app.interact(empty)
    assert json.loads(body) == {
        "response_action": "errors",
        "errors": {"title": "A task needs a title."},
    }
    submission = view_submission(
        "task_create",
        {
            "title": text_value("Onboard Globex"),
            "client": picked_option(globex),
            "description": text_value("Kick-off call, then access checklist"),
            "due": picked_date("2026-12-01"),
            "priority": picked_option("low"),
            "assignee": picked_user("U0VA2"),
            "category": text_value("Client – Onboarding"),
        },
        view["private_metadata"],
    )
    status, body = live_app.interact(submission)
    assert (status, body) == (200, "")
    task = _task(live_app, 1)
    assert (task.title, task.assignee_id, task.priority, task.category) == (
        "Onboard Globex",
        "U0VA2",
        "low",
        "Client – Onboarding",
    )
    assert task.due == date(2026, 12, 1) and task.creator_id == "U0VA1"


def test_message_shortcut_prefills_and_keeps_permalink_and_client(live_app):
    status, _ = live_app.interact(message_shortcut("Can you renew our domain?\nThanks!"))
    assert status == 200
    view = _opened_view(live_app)
    blocks = {block["block_id"]: block for block in view["blocks"]}
    assert blocks["title"]["element"]["initial_value"] == "Can you renew our domain?"
    prefilled_client = blocks["client"]["element"]["initial_option"]
    assert prefilled_client["text"]["text"] == "Acme Corp"
    live_app.interact(
        view_submission(
            "task_create",
            {
                "title": text_value("Renew Acme domain"),
                "client": picked_option(prefilled_client["value"]),
                "priority": picked_option("normal"),
            },
            view["private_metadata"],
        )
    )
    task = _task(live_app, 1)
    assert task.client_id == int(prefilled_client["value"])
    assert task.source_permalink == "https://fake.slack.com/archives/C0ACME/p1700000000000200"
    assert task.channel_id == "C0ACME"


def test_global_shortcut_opens_the_new_task_modal(live_app):
    status, _ = live_app.interact(global_shortcut())
    assert status == 200
    assert _opened_view(live_app)["callback_id"] == "task_create"
