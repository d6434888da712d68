"""Input no one should send, through the real app: every request gets a sentence that
says what is wrong (or a 4xx), nothing is stored half-way, and the log has one line
naming the request, never a traceback."""

from __future__ import annotations

import json
import logging
import time
from urllib.parse import urlencode

import pytest
from sqlmodel import select

from bot import clock
from store.db import session_scope
from store.models import Task, TimeEntry
from tests.fakeslack import event_body
from tests.slack_payloads import (
    block_action,
    picked_date,
    picked_time,
    text_value,
    view_submission,
)

FAILURE = "went wrong on VA Desk's side"


def _counts(live_app) -> tuple[int, int]:
    with session_scope(live_app.engine) as session:
        return len(session.exec(select(Task)).all()), len(session.exec(select(TimeEntry)).all())


@pytest.fixture
def no_tracebacks(caplog):
    caplog.set_level(logging.INFO)
    yield caplog
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("log T-1 30m 9999-12-31", "That day is in the future"),
        ("log T-1 30m 0001-01-01", "too far back"),
        ("log T-1 30m 1900-02-28", "too far back"),
        ("log T-1 " + "9" * 5000 + "m", "is not a duration"),
        ("log T-1 " + "9" * 5000 + ":00", "is not a duration"),
        ("log T-1 " + "9" * 5000, "is not a duration"),
        ("log T-" + "9" * 5000 + " 30m", "There is no T-"),
        ("edit E-999999999999999999999999999999", "There is no time entry E-"),
        ("edit E-" + "9" * 5000, "There is no time entry E-"),
        ("edit E-0", "There is no time entry E-0"),
        ("start T-99999999999", "There is no T-99999999999"),
        ("log T-1 <!channel>", "'&lt;!channel&gt;' is not a duration"),
        ("log T-1 30m <!here> notes", "Logged 30m"),
        ("<!everyone>", "I don't know `/timer &lt;!everyone&gt;`"),
    ],
)
def test_timer_input_gets_a_sentence_and_stores_nothing_halfway(
    live_app, no_tracebacks, text, answer
):
    clock.set_now("2026-11-23T20:00:00Z")
    live_app.command("/task", "add Expense report")
    before = _counts(live_app)
    reply = live_app.command("/timer", text)["text"]
    assert answer in reply and FAILURE not in reply
    assert "<!channel>" not in reply and "<!everyone>" not in reply
    if not answer.startswith("Logged"):
        assert _counts(live_app) == before


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("show T-" + "9" * 40, "There is no T-"),
        ("done T-2147483648 finished", "There is no T-2147483648"),
        ("status T-1 <!channel>", "Unknown status '&lt;!channel&gt;'"),
        ("list <@U0VA2> <!here>", "Open tasks of <@U0VA2>"),
        ("followup T-1 Call back due 9999-12-31", "Follow-up logged"),
        ("add Pay invoice due 0001-01-01", "due Mon 0001-01-01"),
    ],
)
def test_task_input_gets_a_sentence(live_app, no_tracebacks, text, answer):
    clock.set_now("2026-11-23T20:00:00Z")
    live_app.command("/task", "add Expense report")
    reply = live_app.command("/task", text)["text"]
    assert answer in reply and FAILURE not in reply
    assert "<!channel>" not in reply and "<!here>" not in reply


def test_nul_bytes_are_dropped_the_same_way_on_both_databases(live_app, no_tracebacks):
    clock.set_now("2026-11-23T14:00:00Z")
    assert "Created *T-1* · Inbox zero" in live_app.command("/task", "add Inbox\0 zero")["text"]
    assert "Timer started on *T-1*" in live_app.command("/timer", "start T-1\0")["text"]
    clock.set_now("2026-11-23T14:30:00Z")
    assert "30m recorded" in live_app.command("/timer", "stop Sorted\0 it")["text"]
    meta = {"entry": 1, "zone": "America/New_York"}
    values = {
        "start_date": picked_date("2026-11-23"),
        "start": picked_time("09:00"),
        "end_date": picked_date("2026-11-23"),
        "end": picked_time("09:25"),
        "notes": text_value("Sorted\0 it all"),
        "reason": text_value("Forgot\0 to stop"),
    }
    status, body = live_app.interact(view_submission("timer_edit", values, meta))
    assert (status, body) == (200, "")
    with session_scope(live_app.engine) as session:
        task = session.exec(select(Task)).one()
        entry = session.exec(select(TimeEntry)).one()
    assert task.title == "Inbox zero"
    assert entry.notes == "Sorted it all"


def _dm_texts(live_app, count: int) -> list[str]:
    return [c.params["text"] for c in live_app.fake.wait_for("chat.postMessage", count)]


def _malformed_lines(caplog, awaited: str, timeout: float = 5.0) -> list[str]:
    """The log's malformed-payload lines, once one starting with ``awaited`` is among them:
    an event is acknowledged first and its listener logs afterwards, in its own thread."""
    deadline = time.monotonic() + timeout
    while True:
        lines = [r.getMessage() for r in caplog.records if "malformed" in r.getMessage()]
        if any(line.startswith(awaited) for line in lines) or time.monotonic() > deadline:
            return lines
        time.sleep(0.02)


def test_malformed_interactive_payloads_are_answered_at_once(live_app, caplog):
    caplog.set_level(logging.INFO)
    clock.set_now("2026-11-23T14:00:00Z")
    live_app.command("/task", "add Inbox zero")
    started = time.monotonic()

    status, _ = live_app.post(urlencode({"payload": "{not json"}))
    assert status == 400
    status, _ = live_app.post(urlencode({"payload": "[1, 2]"}))
    assert status == 400
    status, _ = live_app.interact({"type": "block_actions", "actions": []})
    assert status == 400
    for value in ("abc", "99999999999999999999", "-1", ""):
        status, _ = live_app.interact(block_action("timer_start", value))
        assert status == 200
    status, _ = live_app.post(event_body({"type": "app_home_opened"}, event_id="EvNoUser"))
    assert status == 200

    assert time.monotonic() - started < 3  # never Bolt's 404 after waiting 3 s for an ack
    dms = _dm_texts(live_app, 5)
    assert all("could not read this request" in text for text in dms), dms
    assert _counts(live_app) == (1, 0)
    lines = _malformed_lines(caplog, "event_callback app_home_opened")
    assert any(line.startswith("block_actions timer_start refused") for line in lines), lines
    assert any(line.startswith("event_callback app_home_opened") for line in lines), lines
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


@pytest.mark.parametrize(
    "metadata",
    [
        "garbage",
        "[1]",
        {"entry": "E-1", "zone": "America/New_York"},
        {"entry": 99999999999999, "zone": "America/New_York"},
        {"entry": 1, "zone": "Mars/Olympus_Mons"},
        {"entry": 1, "zone": 5},
        {},
    ],
    ids=["not-json", "a-list", "entry-text", "entry-huge", "zone-unknown", "zone-number", "empty"],
)
def test_a_form_whose_metadata_the_app_did_not_write_is_refused_on_the_form(
    live_app, no_tracebacks, metadata
):
    clock.set_now("2026-11-23T14:00:00Z")
    live_app.command("/timer", "start Call")
    clock.set_now("2026-11-23T15:00:00Z")
    live_app.command("/timer", "stop")
    values = {
        "start_date": picked_date("2026-11-23"),
        "start": picked_time("08:00"),
        "reason": text_value("x"),
    }
    status, body = live_app.interact(view_submission("timer_edit", values, metadata))
    assert status == 200
    errors = json.loads(body)["errors"]
    assert "could not read this request" in next(iter(errors.values()))
    with session_scope(live_app.engine) as session:
        assert session.exec(select(TimeEntry)).one().source == "timer"


def test_forged_pickers_and_options_are_refused_on_their_field(live_app, no_tracebacks):
    clock.set_now("2026-11-23T14:00:00Z")
    live_app.command("/timer", "start Call")
    clock.set_now("2026-11-23T15:00:00Z")
    live_app.command("/timer", "stop")
    meta = {"entry": 1, "zone": "America/New_York"}
    for values, field in (
        ({"start_date": picked_date("2026-13-45"), "start": picked_time("08:00")}, "start_date"),
        ({"start_date": picked_date("2026-11-23"), "start": picked_time("25:99")}, "start"),
        ({"start_date": picked_date("9999-12-31"), "start": picked_time("23:59")}, "start"),
        ({"start_date": picked_date("0001-01-01"), "start": picked_time("00:00")}, "start"),
    ):
        values |= {
            "end_date": picked_date("2026-11-23"),
            "end": picked_time("09:30"),
            "reason": text_value("Fix"),
        }
        status, body = live_app.interact(view_submission("timer_edit", values, meta))
        assert status == 200 and field in json.loads(body)["errors"], body
    new_task = {"title": text_value("Call"), "due": picked_date("someday")}
    status, body = live_app.interact(view_submission("task_create", new_task))
    assert "due" in json.loads(body)["errors"]
    new_task = {"title": text_value("Call"), "client": {"selected_option": {"value": "x"}}}
    status, body = live_app.interact(view_submission("task_create", new_task))
    assert "could not read" in json.loads(body)["errors"]["title"]
    assert _counts(live_app) == (1, 1)
