"""/timer and the time-entry edit modal, through real HTTP."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlmodel import select

from bot import clock
from store.db import session_scope
from store.models import AuditRecord, Task, TimeEntry
from tests.slack_payloads import picked_date, picked_time, text_value, view_submission


def _entries(live_app) -> list[TimeEntry]:
    with session_scope(live_app.engine) as session:
        return list(session.exec(select(TimeEntry).order_by(TimeEntry.id)))


def test_help_and_unknown_subcommand(live_app):
    assert "/timer log T-12 &lt;duration&gt;" in live_app.command("/timer", "help")["text"]
    reply = live_app.command("/timer", "pause")
    assert "I don't know `/timer pause`" in reply["text"] and "/timer stop" in reply["text"]


def test_one_running_timer_per_user(live_app):
    clock.set_now("2026-11-23T14:00:00Z")
    live_app.command("/task", "add Inbox zero for Acme")
    assert "Timer started on *T-1*" in live_app.command("/timer", "start T-1")["text"]
    clock.set_now("2026-11-23T14:20:00Z")
    reply = live_app.command("/timer", "start Draft newsletter")["text"]
    assert reply.startswith("Stopped *T-1* Inbox zero for Acme: 20m recorded")
    assert "Timer started on *T-2* Draft newsletter (new task)" in reply
    again = live_app.command("/timer", "start T-2")["text"]
    assert again.startswith("Your timer is already running on T-2")
    running = [e for e in _entries(live_app) if e.ended_at is None]
    assert len(running) == 1 and running[0].task_id != _entries(live_app)[0].task_id


def test_stop_status_and_list(live_app):
    clock.set_now("2026-11-23T14:00:00Z")
    assert live_app.command("/timer", "stop")["text"].startswith("No timer is running")
    live_app.command("/timer", "start Call with Acme")
    clock.set_now("2026-11-23T15:30:00Z")
    assert "(1h 30m)" in live_app.command("/timer", "status")["text"]
    reply = live_app.command("/timer", "stop Agreed on Q1 scope")["text"]
    assert "1h 30m recorded as E-1" in reply
    assert _entries(live_app)[0].notes == "Agreed on Q1 scope"
    assert "Today so far: 1h 30m" in live_app.command("/timer", "status")["text"]
    listing = json.dumps(live_app.command("/timer", "list")["blocks"], ensure_ascii=False)
    assert "E-1" in listing and "09:00–10:30" in listing and "America/New_York" in listing
    assert "this week" in json.dumps(live_app.command("/timer", "list week")["blocks"])


def test_an_entry_over_midnight_shows_the_day_it_ended(live_app):
    clock.set_now("2026-11-25T22:00:00Z")  # Wednesday 17:00 in New York
    live_app.command("/timer", "start Month-end close")
    clock.set_now("2026-11-26T19:30:00Z")  # Thursday 14:30
    assert "21h 30m recorded as E-1" in live_app.command("/timer", "stop")["text"]
    listing = json.dumps(live_app.command("/timer", "list week")["blocks"], ensure_ascii=False)
    assert "`E-1` Wed 2026-11-25 17:00 – Thu 2026-11-26 14:30 *21h 30m*" in listing
    assert "17:00–14:30" not in listing


def test_manual_log_refuses_bad_durations_with_the_reason(live_app):
    clock.set_now("2026-11-23T20:00:00Z")
    live_app.command("/task", "add Expense report")
    for typed, reason in (
        ("abc", "'abc' is not a duration"),
        ("-5m", "positive"),
        ("25h", "longer than 24 hours"),
    ):
        assert reason in live_app.command("/timer", f"log T-1 {typed}")["text"]
    assert "no T-7" in live_app.command("/timer", "log T-7 30m")["text"]
    assert _entries(live_app) == []
    reply = live_app.command("/timer", "log T-1 1h30m yesterday receipts scanned")["text"]
    assert "Logged 1h 30m on *T-1*" in reply and "2026-11-22" in reply
    (entry,) = _entries(live_app)
    assert (entry.source, entry.notes) == ("manual", "receipts scanned")
    assert entry.ended_at - entry.started_at == timedelta(minutes=90)


def _edit_values(start: str, end: str | None, reason: str = "Forgot to stop") -> dict:
    start_day, start_time = start.split(" ")
    values = {
        "start_date": picked_date(start_day),
        "start": picked_time(start_time),
        "reason": text_value(reason),
    }
    if end:
        end_day, end_time = end.split(" ")
        values |= {"end_date": picked_date(end_day), "end": picked_time(end_time)}
    return values


def _open_edit_modal(live_app, ref: str = "") -> dict:
    before = len(live_app.fake.calls("views.open"))
    live_app.send_command("/timer", f"edit {ref}".strip())
    return live_app.fake.wait_for("views.open", before + 1)[before].json("view")


def test_edit_modal_refuses_bad_spans_inline_and_audits_the_change(live_app):
    clock.set_now("2026-11-23T14:00:00Z")  # 09:00 in New York
    live_app.command("/timer", "start Acme bookkeeping")
    clock.set_now("2026-11-23T15:00:00Z")
    live_app.command("/timer", "stop")
    live_app.command("/timer", "start Globex calls")
    clock.set_now("2026-11-23T16:00:00Z")
    live_app.command("/timer", "stop")
    clock.set_now("2026-11-23T20:00:00Z")

    view = _open_edit_modal(live_app, "E-1")
    assert view["callback_id"] == "timer_edit"
    meta = view["private_metadata"]
    blocks = {b["block_id"]: b for b in view["blocks"] if "block_id" in b}
    assert blocks["start"]["element"]["initial_time"] == "09:00"
    assert blocks["end"]["element"]["initial_time"] == "10:00"

    def submit(values: dict) -> dict:
        status, body = live_app.interact(view_submission("timer_edit", values, meta))
        assert status == 200
        return json.loads(body) if body else {}

    refusals = {
        "end before start": (_edit_values("2026-11-23 09:00", "2026-11-23 08:30"), "end"),
        "overlap": (_edit_values("2026-11-23 09:00", "2026-11-23 10:30"), "start"),
        "future": (_edit_values("2026-11-23 09:00", "2026-11-23 18:00"), "end"),
        "over 24 h": (_edit_values("2026-11-21 08:00", "2026-11-22 09:00"), "end"),
    }
    for name, (values, field) in refusals.items():
        answer = submit(values)
        assert answer.get("response_action") == "errors", name
        assert field in answer["errors"], (name, answer)
    assert "E-2" in submit(refusals["overlap"][0])["errors"]["start"]
    no_reason = submit(_edit_values("2026-11-23 08:45", "2026-11-23 10:00", reason=""))
    assert "reason" in no_reason["errors"]
    assert _entries(live_app)[0].source == "timer"  # nothing changed by the refusals

    assert submit(_edit_values("2026-11-23 08:45", "2026-11-23 10:00")) == {}
    entry = _entries(live_app)[0]
    assert entry.started_at == datetime(2026, 11, 23, 13, 45, tzinfo=UTC)
    assert entry.source == "edited"
    with session_scope(live_app.engine) as session:
        (record,) = session.exec(select(AuditRecord).where(AuditRecord.entity == "time_entry"))
    assert record.actor_id == "U0VA1" and record.reason == "Forgot to stop"
    assert json.loads(record.old_value)["started_at"] == "2026-11-23T14:00:00+00:00"
    assert json.loads(record.new_value)["started_at"] == "2026-11-23T13:45:00+00:00"
    dm = live_app.fake.wait_for("chat.postMessage")[-1]
    assert "Saved E-1" in dm.params["text"]


def test_only_owners_edit_other_peoples_time(live_app):
    clock.set_now("2026-11-23T14:00:00Z")
    live_app.command("/timer", "start Acme research", user="U0VA2")
    assert "Only an owner" in live_app.command("/timer", "edit E-1", user="U0VA1")["text"]
    live_app.send_command("/timer", "edit E-1", user="U0OWNER")
    view = live_app.fake.wait_for("views.open")[0].json("view")
    assert view["callback_id"] == "timer_edit" and "Acme research" in json.dumps(view)


def test_edit_of_unknown_entry(live_app):
    assert "no time entry E-42" in live_app.command("/timer", "edit E-42")["text"]
    assert "You have no time entries yet" in live_app.command("/timer", "edit")["text"]


def test_an_unexpected_failure_gets_a_clear_reply_and_saves_nothing(live_app, monkeypatch):
    from bot.services import timers

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(timers, "start_timer", broken)
    reply = live_app.command("/timer", "start Something new")
    assert reply["text"].startswith("Something went wrong on VA Desk's side and nothing was saved")
    assert _entries(live_app) == []
    with session_scope(live_app.engine) as session:
        assert session.exec(select(Task)).all() == []


def test_a_failure_after_the_change_was_saved_says_it_was_saved(live_app, monkeypatch):
    from bot.slack.desk import Desk

    def broken(self, team_id, user_ids):
        raise RuntimeError("home publisher gone")

    monkeypatch.setattr(Desk, "refresh_homes", broken)
    status, _ = live_app.interact(view_submission("task_create", {"title": text_value("Call")}))
    assert status == 200
    created, failure = (c.params["text"] for c in live_app.fake.wait_for("chat.postMessage", 2))
    assert created.startswith("Created *T-1* · Call")
    assert failure.startswith("Your change was saved, but something went wrong")
    assert "nothing was saved" not in failure
    with session_scope(live_app.engine) as session:
        assert [task.title for task in session.exec(select(Task))] == ["Call"]


def test_timer_log_without_a_task_opens_the_log_time_form(live_app):
    """`/timer log 45m yesterday notes`: no task named, so the form opens with what was
    typed and the person's open tasks to pick from, instead of "not a task id"."""
    clock.set_now("2026-11-24T20:00:00Z")  # Tuesday 15:00 in New York
    live_app.command("/task", "add Acme bookkeeping")
    assert (
        "no open task to log time on" in live_app.command("/timer", "log 45m", user="U0VA2")["text"]
    )
    live_app.send_command("/timer", "log 45m yesterday Reconciled the ledger")
    view = live_app.fake.wait_for("views.open")[0].json("view")
    assert view["callback_id"] == "timer_log"
    blocks = {b["block_id"]: b for b in view["blocks"]}
    options = blocks["task"]["element"]["options"]
    assert [(o["value"], o["text"]["text"]) for o in options] == [("1", "T-1 Acme bookkeeping")]
    assert blocks["duration"]["element"]["initial_value"] == "45m"
    assert blocks["day"]["element"]["initial_date"] == "2026-11-23"
    assert blocks["notes"]["element"]["initial_value"] == "Reconciled the ledger"

    def submit(values: dict) -> dict:
        status, body = live_app.interact(view_submission("timer_log", values))
        assert status == 200
        return json.loads(body) if body else {}

    task = {"type": "static_select", "selected_option": {"value": "1"}}
    refused = submit(
        {"task": task, "duration": text_value("a while"), "day": picked_date("2026-11-23")}
    )
    assert set(refused["errors"]) == {"duration"}
    refused = submit(
        {"task": task, "duration": text_value("45m"), "day": picked_date("2026-11-25")}
    )
    assert "in the future" in refused["errors"]["day"]
    with session_scope(live_app.engine) as session:
        assert session.exec(select(TimeEntry)).all() == []
    values = {
        "task": task,
        "duration": text_value("45m"),
        "day": picked_date("2026-11-23"),
        "notes": text_value("Reconciled the ledger"),
    }
    assert submit(values) == {}
    dm = live_app.fake.wait_for("chat.postMessage")[-1]
    assert dm.params["text"].startswith("Logged 45m on *T-1* Acme bookkeeping")
    with session_scope(live_app.engine) as session:
        (entry,) = session.exec(select(TimeEntry)).all()
    assert entry.ended_at - entry.started_at == timedelta(minutes=45)
    assert entry.notes == "Reconciled the ledger"
