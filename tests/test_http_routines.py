"""Checklists ticked through the real app, `/ooo`, and timer nudges with Stop / Keep
running: posted by the scheduler into the fake Slack, clicked like Slack sends clicks."""

from __future__ import annotations

import json
import time

from sqlmodel import select

from bot import clock
from store.db import session_scope
from store.models import RoutineRun, RoutineTick, TimeEntry, User
from tests.fakeslack import event_body
from tests.scheduling import Rig, posted_to
from tests.slack_payloads import block_action, checklist_click


def _rig(live_app) -> Rig:
    return Rig(live_app.settings, live_app.engine, live_app.fake)


def _posted_checklist(rig: Rig, at: str = "2026-11-30T14:05:00Z") -> tuple[str, dict]:
    """Post Monday's morning routine to U0VA1; its block id and the posted call."""
    rig.fake.add_user("U0VA2", tz="Asia/Manila")
    rig.tick(at, only="routine:morning")
    (post,) = rig.posts("U0VA1")
    blocks = post.json("blocks")
    (checklist,) = [b for b in blocks if b["type"] == "actions"]
    return checklist["block_id"], post


def _home_with(live_app, user: str, needle: str, timeout: float = 10.0) -> str:
    """The latest App Home published for `user` that shows `needle` (homes are published
    in the background, coalesced)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for call in reversed(live_app.fake.calls("views.publish")):
            if call.params.get("user_id") == user and needle in json.dumps(call.json("view")):
                return json.dumps(call.json("view"))
        time.sleep(0.05)
    raise AssertionError(f"no App Home of {user} showed {needle!r}")


def _updates(live_app, count: int) -> list:
    return live_app.fake.wait_for("chat.update", count)


def test_ticks_update_the_message_in_place_until_complete(live_app):
    rig = _rig(live_app)
    live_app.command("/task", "add Call Acme due today !high")
    block_id, post = _posted_checklist(rig)
    blocks = post.json("blocks")
    text = json.dumps(blocks)
    assert "Due today and overdue" in text and "Do first" in text and "Call Acme" in text
    status, _ = live_app.interact(checklist_click(block_id, [0]))
    assert status == 200
    (update,) = _updates(live_app, 1)
    assert update.params["ts"] and "1 of 4 done" in update.params["text"]
    # The tick shows the checklist again with its morning list, and when ticks stop.
    shown = json.dumps(update.json("blocks"))
    assert "Due today and overdue" in shown and "Call Acme" in shown
    assert "open for ticks through <!date^1796101140^" in shown  # 23:59 in New York
    live_app.interact(checklist_click(block_id, [0, 1, 2, 3]))
    update = _updates(live_app, 2)[1]
    assert "4 of 4 done" in update.params["text"]
    assert "Complete: all 4 done" in json.dumps(update.json("blocks"))
    with session_scope(live_app.engine) as session:
        run = session.exec(select(RoutineRun)).one()
        ticks = session.exec(select(RoutineTick)).all()
    assert run.completed_at is not None and len(ticks) == 4
    assert {t.user_id for t in ticks} == {"U0VA1"}
    # Unticking one reopens it.
    live_app.interact(checklist_click(block_id, [0, 1, 2]))
    assert "3 of 4 done" in _updates(live_app, 3)[2].params["text"]
    with session_scope(live_app.engine) as session:
        assert session.exec(select(RoutineRun)).one().completed_at is None


def test_a_click_by_someone_else_changes_nothing_and_says_why(live_app):
    rig = _rig(live_app)
    live_app.command("/task", "add Call Acme due today !high")
    block_id, _ = _posted_checklist(rig)
    url = live_app.fake.response_url("not-yours")
    live_app.interact(checklist_click(block_id, [0], user="U0VA2", response_url=url))
    answer = live_app.fake.wait_for("response_url", 2)[1]
    assert "only they can tick it" in answer.params["text"]
    assert answer.params["replace_original"] is False
    with session_scope(live_app.engine) as session:
        assert session.exec(select(RoutineTick)).all() == []
    # The message is shown again as recorded (nothing ticked), its morning list kept.
    (update,) = _updates(live_app, 1)
    assert "0 of 4 done" in update.params["text"]
    assert "Call Acme" in json.dumps(update.json("blocks"))


def test_a_click_on_a_closed_routine_says_so(live_app):
    rig = _rig(live_app)
    block_id, _ = _posted_checklist(rig)
    clock.set_now("2026-12-01T06:00:00Z")  # 01:00 the next day in New York: closed
    url = live_app.fake.response_url("closed")
    live_app.interact(checklist_click(block_id, [0], response_url=url))
    (answer,) = live_app.fake.wait_for("response_url")
    assert "closed" in answer.params["text"]
    with session_scope(live_app.engine) as session:
        assert session.exec(select(RoutineTick)).all() == []


def test_a_forged_checklist_click_is_refused_without_a_traceback(live_app):
    status, _ = live_app.interact(checklist_click("routine:abc", [0]))
    assert status == 200
    (dm,) = live_app.fake.wait_for("chat.postMessage")
    assert "could not read this request" in dm.params["text"]
    live_app.interact(checklist_click("routine:999", [0]))
    dm = live_app.fake.wait_for("chat.postMessage", 2)[1]
    assert "no longer in VA Desk" in dm.params["text"]


def test_ooo_command_pauses_routines_and_home_shows_the_switch(live_app):
    clock.set_now("2026-11-27T15:00:00Z")  # Friday
    reply = live_app.command("/ooo", "until monday")
    assert "up to and including Mon 2026-11-30" in reply["text"]
    status_text = live_app.command("/ooo")["text"]
    assert "You are out of office up to and including Mon 2026-11-30" in status_text
    assert "has passed" in live_app.command("/ooo", "until 2026-11-01")["text"]
    assert "366 days ahead" in live_app.command("/ooo", "until 2028-01-01")["text"]
    assert "is not a date" in live_app.command("/ooo", "until someday")["text"]
    rig = _rig(live_app)
    rig.fake.add_user("U0VA2", tz="America/New_York")
    morning = rig.tick("2026-11-30T14:05:00Z", only="routine:morning")
    assert posted_to(morning) == [("routine:morning", "U0VA2")]  # U0VA1 is away
    clock.set_now("2026-11-27T15:00:00Z")
    assert "Welcome back" in live_app.command("/ooo", "off")["text"]
    assert "not out of office" in live_app.command("/ooo", "off")["text"]
    assert "/ooo until" in live_app.command("/ooo", "help")["text"]


def test_home_out_of_office_date_picker_and_back_button(live_app):
    clock.set_now("2026-11-27T15:00:00Z")
    picker = block_action("ooo_until", "")
    picker["actions"][0].update(type="datepicker", selected_date="2026-12-02")
    del picker["actions"][0]["value"]
    assert live_app.interact(picker)[0] == 200
    (dm,) = live_app.fake.wait_for("chat.postMessage")
    assert "Wed 2026-12-02" in dm.params["text"]
    with session_scope(live_app.engine) as session:
        assert str(session.get(User, ("T0TEAM", "U0VA1")).away_until) == "2026-12-02"
    live_app.interact(block_action("ooo_off", "off"))
    assert "Welcome back" in live_app.fake.wait_for("chat.postMessage", 2)[1].params["text"]


def test_a_timer_past_working_hours_gets_one_nudge_and_keep_running_silences_it(live_app):
    rig = _rig(live_app)
    clock.set_now("2026-11-30T20:00:00Z")  # 15:00 in New York
    live_app.command("/timer", "start Acme inbox")
    assert rig.tick("2026-11-30T21:59:00Z", only="reminders") == []
    outcomes = rig.tick("2026-11-30T22:00:30Z", only="reminders")  # 17:00:30
    assert [o.outgoing.job for o in outcomes] == ["reminders:after-hours"]
    (nudge,) = rig.posts("U0VA1")
    assert "still running after your working hours" in nudge.params["text"]
    buttons = next(b for b in nudge.json("blocks") if b["type"] == "actions")["elements"]
    assert [b["action_id"] for b in buttons] == ["timer_stop", "timer_keep_running"]
    assert posted_to(rig.tick("2026-11-30T22:05:00Z", only="reminders")) == []  # once only
    entry_id = buttons[1]["value"]
    live_app.interact(block_action("timer_keep_running", entry_id))
    dm = live_app.fake.wait_for("chat.postMessage", 2)[1]
    assert dm.params["text"].startswith(
        "OK, your timer on *T-1* Acme inbox keeps running; no more reminders"
    )  # the task, not the internal entry id
    assert "E-" not in dm.params["text"]
    # Four hours in: no long-timer nudge for a silenced entry.
    assert posted_to(rig.tick("2026-12-01T00:00:30Z", only="reminders")) == []


def test_a_long_timer_past_working_hours_gets_one_nudge_naming_both(live_app):
    rig = _rig(live_app)
    clock.set_now("2026-11-30T18:00:00Z")  # 13:00 in New York: 4 h later the day ends
    live_app.command("/timer", "start Acme inbox")
    outcomes = rig.tick("2026-11-30T22:00:30Z", only="reminders")
    assert [o.outgoing.job for o in outcomes] == ["reminders:after-hours+long-timer"]
    (nudge,) = rig.posts("U0VA1")
    text = nudge.params["text"]
    assert "still running after your working hours ended and has been running for over 4 h" in (
        text
    )
    assert posted_to(rig.tick("2026-11-30T22:05:00Z", only="reminders")) == []


def test_a_long_timer_nudge_stop_button_stops_the_timer(live_app):
    rig = _rig(live_app)
    clock.set_now("2026-11-30T14:00:00Z")  # 09:00 in New York
    live_app.command("/timer", "start Long research")
    outcomes = rig.tick("2026-11-30T18:00:30Z", only="reminders")
    assert [o.outgoing.job for o in outcomes] == ["reminders:long-timer"]
    (nudge,) = rig.posts("U0VA1")
    assert "running for over 4 h" in nudge.params["text"]
    stop = next(b for b in nudge.json("blocks") if b["type"] == "actions")["elements"][0]
    live_app.interact(block_action("timer_stop", stop["value"]))
    dm = live_app.fake.wait_for("chat.postMessage", 2)[1]
    assert dm.params["text"].startswith("Stopped")
    with session_scope(live_app.engine) as session:
        assert session.exec(select(TimeEntry)).one().ended_at is not None
    assert posted_to(rig.tick("2026-11-30T22:00:30Z", only="reminders")) == []


def test_home_shows_todays_checklist_the_ooo_switch_and_for_supervisors_the_board(live_app):
    rig = _rig(live_app)
    block_id, _ = _posted_checklist(rig)
    clock.set_now("2026-11-30T14:30:00Z")
    live_app.command("/timer", "start Acme inbox")
    live_app.command("/task", "add Old thing due 2026-11-20")
    live_app.interact(checklist_click(block_id, [0, 1]))
    text = _home_with(live_app, "U0VA1", "2 of 4 done")  # the checklist, ticks as recorded
    assert block_id in text
    assert "ooo_until" in text and "Team board" not in text
    # A supervisor's Home has the team board: who is on what, who is behind.
    body = event_body(
        {"type": "app_home_opened", "user": "U0SUPER", "channel": "D0S", "tab": "home"},
        event_id="EvSuper",
    )
    assert live_app.post(body)[0] == 200
    board = _home_with(live_app, "U0SUPER", "Team board")
    assert "Team board \\u00b7 1 behind on their checklists \\u00b7 1 with overdue tasks" in board
    assert "<@U0VA1> \\u00b7 :stopwatch: on *T-1* Acme inbox" in board
    assert ":warning: 1 overdue" in board
    assert ":warning: 1 unfinished checklist" in board and "checklist(s)" not in board
