"""Through the real app: who may touch a colleague's task, the one limit for notes, and
what a new user sees first (ids once, statuses as words, where manual time went)."""

from __future__ import annotations

import json

from sqlmodel import select

from bot import clock
from bot.services.text import NOTES_LIMIT
from store.db import session_scope
from store.models import FollowUp, Task, TimeEntry
from tests.slack_payloads import block_action, picked_date, picked_time, text_value, view_submission


def _task(live_app, number: int = 1) -> Task:
    with session_scope(live_app.engine) as session:
        return session.exec(select(Task).where(Task.number == number)).one()


def _entries(live_app) -> list[TimeEntry]:
    with session_scope(live_app.engine) as session:
        return list(session.exec(select(TimeEntry).order_by(TimeEntry.id)))


# --------------------------------------------------------------------------- colleagues' tasks


def test_a_va_tracks_time_on_a_colleagues_task_without_changing_it(live_app):
    clock.set_now("2026-11-23T14:00:00Z")
    live_app.command("/task", "add Renew Acme domain", user="U0VA1")
    reply = live_app.command("/timer", "start T-1", user="U0VA2")["text"]
    assert "Timer started on *T-1*" in reply
    assert "It is <@U0VA1>'s task, so your time is recorded and its status stays _open_" in reply
    assert _task(live_app).status == "open"
    clock.set_now("2026-11-23T14:30:00Z")
    assert "30m recorded" in live_app.command("/timer", "stop", user="U0VA2")["text"]
    (entry,) = _entries(live_app)
    assert entry.user_id == "U0VA2"

    for text in ("followup T-1 Call the registrar", "done T-1 Renewed", "status T-1 waiting"):
        reply = live_app.command("/task", text, user="U0VA2")["text"]
        assert "T-1 is <@U0VA1>'s task; only its assignee, its creator" in reply, text
    with session_scope(live_app.engine) as session:
        assert session.exec(select(FollowUp)).all() == []
    assert _task(live_app).status == "open"

    # The assignee's own start moves it on, and a supervisor may change anyone's task.
    assert "Timer started" in live_app.command("/timer", "start T-1", user="U0VA1")["text"]
    assert _task(live_app).status == "in_progress"
    reply = live_app.command("/task", "followup T-1 Registrar called", user="U0SUPER")["text"]
    assert reply.startswith("Follow-up logged on *T-1*")


def test_the_home_start_button_follows_the_same_rule(live_app):
    clock.set_now("2026-11-23T14:00:00Z")
    live_app.command("/task", "add Book travel", user="U0VA1")
    status, _ = live_app.interact(block_action("timer_start", "1", user="U0VA2"))
    assert status == 200
    dm = live_app.fake.wait_for("chat.postMessage")[0].params["text"]
    assert "status stays _open_" in dm
    assert _task(live_app).status == "open"


# --------------------------------------------------------------------------- notes


def test_notes_over_the_limit_are_refused_and_nothing_changes(live_app):
    clock.set_now("2026-11-23T14:00:00Z")
    live_app.command("/timer", "start Call with Acme")
    clock.set_now("2026-11-23T14:30:00Z")
    too_long = "x" * (NOTES_LIMIT + 1)
    reply = live_app.command("/timer", f"stop {too_long}")["text"]
    assert "The notes are 3,001 characters long; the limit is 3,000." in reply
    assert _entries(live_app)[0].ended_at is None  # still running
    reply = live_app.command("/timer", f"log T-1 20m {too_long}")["text"]
    assert "the limit is 3,000" in reply
    reply = live_app.command("/task", f"done T-1 {too_long}")["text"]
    assert "The completion notes are 3,001 characters long" in reply
    assert _task(live_app).status == "in_progress"
    assert len(_entries(live_app)) == 1
    assert "30m recorded" in live_app.command("/timer", "stop " + "y" * NOTES_LIMIT)["text"]
    assert _entries(live_app)[0].notes == "y" * NOTES_LIMIT


def _edit_form(live_app, ref: str) -> dict:
    before = len(live_app.fake.calls("views.open"))
    live_app.send_command("/timer", f"edit {ref}")
    return live_app.fake.wait_for("views.open", before + 1)[before].json("view")


def _submit_edit(live_app, view: dict, notes: str | None, end: str = "09:50") -> tuple[int, str]:
    values = {
        "start_date": picked_date("2026-11-23"),
        "start": picked_time("09:00"),
        "end_date": picked_date("2026-11-23"),
        "end": picked_time(end),
        "notes": text_value(notes),
        "reason": text_value("Stopped late"),
    }
    return live_app.interact(view_submission("timer_edit", values, view["private_metadata"]))


def test_an_edit_of_the_times_alone_keeps_long_notes_whole(live_app):
    clock.set_now("2026-11-23T14:00:00Z")
    live_app.command("/timer", "start Call with Acme")
    clock.set_now("2026-11-23T15:00:00Z")
    live_app.command("/timer", "stop")
    older = "Agreed scope. " * 400  # 5,600 characters, written before the limit existed
    with session_scope(live_app.engine) as session:
        entry = session.exec(select(TimeEntry)).one()
        entry.notes = older
        session.add(entry)
    view = _edit_form(live_app, "E-1")
    shown = next(b for b in view["blocks"] if b.get("block_id") == "notes")
    prefilled = shown["element"]["initial_value"]
    assert len(prefilled) == NOTES_LIMIT
    assert _submit_edit(live_app, view, prefilled) == (200, "")
    (entry,) = _entries(live_app)
    assert entry.notes == older
    assert entry.ended_at.strftime("%H:%M") == "14:50"

    _, body = _submit_edit(live_app, view, "z" * (NOTES_LIMIT + 1), end="09:40")
    assert "the limit is 3,000" in json.loads(body)["errors"]["notes"]
    assert _entries(live_app)[0].notes == older


def test_stop_notes_added_to_notes_written_while_running_keep_to_the_limit(live_app):
    clock.set_now("2026-11-23T14:00:00Z")
    live_app.command("/timer", "start Call with Acme")
    with session_scope(live_app.engine) as session:
        entry = session.exec(select(TimeEntry)).one()
        entry.notes = "n" * (NOTES_LIMIT - 10)
        session.add(entry)
    clock.set_now("2026-11-23T14:20:00Z")
    reply = live_app.command("/timer", "stop twenty characters")["text"]
    assert "already has 2,990 characters of notes" in reply
    assert _entries(live_app)[0].ended_at is None
    assert "20m recorded" in live_app.command("/timer", "stop ok")["text"]
    assert _entries(live_app)[0].notes.endswith("\nok")


# --------------------------------------------------------------------------- first impressions


def test_created_names_the_task_once_and_statuses_read_as_words(live_app):
    reply = live_app.command("/task", "add Send the invoice")["text"]
    assert reply.startswith("Created *T-1* · Send the invoice · _open_")
    assert reply.count("T-1") == 1
    live_app.command("/timer", "start T-1")
    listing = json.dumps(live_app.command("/task", "list")["blocks"])
    assert "_in progress_" in listing and "in_progress" not in listing
    shown = json.dumps(live_app.command("/task", "show T-1")["blocks"])
    assert "in progress" in shown and "in_progress" not in shown


def test_manual_time_goes_in_the_working_hours_and_the_reply_says_where(live_app):
    clock.set_now("2026-11-24T15:00:00Z")  # Tuesday 10:00 in New York
    live_app.command("/task", "add Expense report")
    live_app.command("/task", "add Weekly summary")
    reply = live_app.command("/timer", "log T-2 45m yesterday")["text"]
    assert "Logged 45m on *T-2* Weekly summary as E-1: Mon 2026-11-23 16:15–17:00" in reply
    assert "the latest free time in your working hours (09:00–17:00)" in reply
    # 8 h do not fit in the 7 h 15 m left of the working hours: the day's latest gap.
    reply = live_app.command("/timer", "log T-1 8h yesterday")["text"]
    assert "as E-2: Mon 2026-11-23 08:15–16:15 (America/New_York)" in reply
    assert "outside your working hours (09:00–17:00): they had no free 8h that day" in reply


def test_done_on_a_colleagues_task_is_refused_before_the_notes_form_opens(live_app):
    live_app.command("/task", "add Book travel", user="U0VA1")
    reply = live_app.command("/task", "done T-1", user="U0VA2")["text"]
    assert "T-1 is <@U0VA1>'s task" in reply
    status, _ = live_app.interact(block_action("task_done", "1", user="U0VA2"))
    assert status == 200
    assert "T-1 is <@U0VA1>'s task" in live_app.fake.wait_for("chat.postMessage")[0].params["text"]
    assert live_app.fake.calls("views.open") == []
