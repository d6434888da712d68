"""App Home publishing, its buttons, event deduplication, signatures and retries."""

from __future__ import annotations

import json
import time
from datetime import timedelta

from sqlmodel import select

from bot import clock
from bot.services.events import first_delivery, forget_old_events
from store.db import session_scope
from store.models import Task, TimeEntry, User
from tests.conftest import SIGNING_SECRET
from tests.fakeslack import event_body, signed_headers, slash_command_body
from tests.slack_payloads import block_action


def _home_opened(live_app, event_id: str, user: str = "U0VA1") -> int:
    body = event_body(
        {"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home"},
        event_id=event_id,
    )
    status, _ = live_app.post(body)
    return status


def _home_showing(live_app, needle: str, timeout: float = 10.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for call in reversed(live_app.fake.calls("views.publish")):
            view = call.json("view")
            if needle in json.dumps(view, ensure_ascii=False):
                return view
        time.sleep(0.02)
    raise AssertionError(f"no App Home showed {needle!r}")


def test_home_shows_running_timer_and_open_tasks_with_buttons(live_app):
    clock.set_now("2026-11-23T14:00:00Z")
    live_app.command("/task", "add Reply to Acme RFP")
    live_app.command("/timer", "start Sort inbox")
    assert _home_opened(live_app, "Ev100") == 200
    # Homes are published in the background, coalesced: one rendered just before the
    # timer started may still arrive first, so wait for the one that shows it.
    home = _home_showing(live_app, "Running on *T-2* Sort inbox")
    assert home["type"] == "home"
    actions = [
        element
        for block in home["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]
    assert {"action_id": "timer_stop", "value": "1"}.items() <= actions[0].items()
    starts = [a["value"] for a in actions if a["action_id"] == "timer_start"]
    dones = [a["value"] for a in actions if a["action_id"] == "task_done"]
    assert starts == ["1"]  # no Start button on the task already being timed
    assert sorted(dones) == ["1", "2"]


def test_every_change_republishes_the_home(live_app):
    live_app.command("/task", "add Book venue")
    live_app.fake.wait_for("views.publish")
    live_app.command("/timer", "start T-1")
    _home_showing(live_app, "Running on *T-1* Book venue")


def test_the_same_event_delivered_twice_is_handled_once(live_app):
    assert _home_opened(live_app, "EvDUP") == 200
    live_app.fake.wait_for("views.publish", 1)
    assert _home_opened(live_app, "EvDUP") == 200
    assert _home_opened(live_app, "EvOTHER") == 200
    live_app.fake.wait_for("views.publish", 2)
    time.sleep(0.3)
    assert len(live_app.fake.calls("views.publish")) == 2


def test_stop_button_pressed_twice_says_what_happened(live_app):
    clock.set_now("2026-11-23T14:00:00Z")
    live_app.command("/timer", "start Invoice run")
    clock.set_now("2026-11-23T14:45:00Z")
    assert live_app.interact(block_action("timer_stop", "1"))[0] == 200
    first = live_app.fake.wait_for("chat.postMessage", 1)[0]
    assert "Stopped *T-1* Invoice run: 45m recorded" in first.params["text"]
    clock.set_now("2026-11-23T15:00:00Z")
    assert live_app.interact(block_action("timer_stop", "1"))[0] == 200
    second = live_app.fake.wait_for("chat.postMessage", 2)[1]
    assert second.params["text"].startswith("That timer on T-1 was already stopped at")
    assert "45m recorded" in second.params["text"]
    with session_scope(live_app.engine) as session:
        (entry,) = session.exec(select(TimeEntry))
    assert (entry.ended_at - entry.started_at).total_seconds() == 45 * 60


def test_start_and_done_buttons(live_app):
    live_app.command("/task", "add Schedule posts")
    assert live_app.interact(block_action("timer_start", "1"))[0] == 200
    assert "Timer started on *T-1*" in live_app.fake.wait_for("chat.postMessage")[0].params["text"]
    assert live_app.interact(block_action("task_done", "1"))[0] == 200
    view = live_app.fake.wait_for("views.open")[0].json("view")
    assert view["callback_id"] == "task_complete"
    live_app.command("/task", "done T-1 Posts scheduled through Friday")
    assert live_app.interact(block_action("task_done", "1"))[0] == 200
    told = live_app.fake.wait_for("chat.postMessage", 2)[1].params["text"]
    assert told.startswith("T-1 was already completed by <@U0VA1>")
    assert len(live_app.fake.calls("views.open")) == 1


def test_bad_or_stale_signatures_are_refused(live_app):
    body = slash_command_body("/timer", "start Sneaky", team_id="T0TEAM")
    assert live_app.post(body, signed_headers("wrong-secret", body))[0] == 401
    stale = signed_headers(SIGNING_SECRET, body, timestamp=int(time.time()) - 600)
    assert live_app.post(body, stale)[0] == 401
    assert live_app.post(body, {"Content-Type": "application/x-www-form-urlencoded"})[0] == 401
    with session_scope(live_app.engine) as session:
        assert session.exec(select(Task)).all() == []


def test_healthz_reports_the_database(live_app):
    status, body = live_app.get("/healthz")
    assert status == 200
    assert body["ok"] is True and body["database"]["revision"] == body["database"]["head"]


def test_user_time_zone_comes_from_slack_and_is_cached(live_app):
    live_app.fake.add_user("U0VA1", tz="Asia/Manila", real_name="Maria Santos")
    live_app.command("/timer", "status")
    live_app.command("/timer", "status")
    lookups = [c for c in live_app.fake.calls("users.info") if c.params.get("user") == "U0VA1"]
    assert len(lookups) == 1
    with session_scope(live_app.engine) as session:
        user = session.get(User, ("T0TEAM", "U0VA1"))
    assert (user.timezone, user.display_name) == ("Asia/Manila", "Maria Santos")


def test_rate_limited_and_failing_slack_calls_are_retried(live_app):
    live_app.fake.fail_next("views.publish", status=429, retry_after=1)
    live_app.fake.fail_next("users.info", status=503)
    live_app.command("/task", "add Survive a 429")
    publishes = live_app.fake.wait_for("views.publish", 2)
    assert [c.status for c in publishes] == [429, 200]
    assert [c.status for c in live_app.fake.calls("users.info")][:2] == [503, 200]


def test_event_ids_are_remembered_for_a_day(engine):
    clock.set_now("2026-11-20T10:00:00Z")
    assert first_delivery(engine, "EvOLD")
    clock.set_now("2026-11-21T09:00:00Z")
    assert first_delivery(engine, "EvNEW")
    assert not first_delivery(engine, "EvOLD")  # still within the day
    clock.set_now(clock.now() + timedelta(hours=2))
    assert forget_old_events(engine) == 1
    assert first_delivery(engine, "EvOLD")
    assert not first_delivery(engine, "EvNEW")


def test_counted_client_messages_are_forgotten_after_a_day(engine):
    from store.db import session_scope
    from store.models import ChannelMessage

    clock.set_now("2026-11-21T09:00:00Z")
    day_ago = clock.now() - timedelta(days=1, minutes=1)
    with session_scope(engine) as session:
        for ts in (f"{day_ago.timestamp():.6f}", f"{clock.now().timestamp():.6f}"):
            session.add(ChannelMessage(team_id="T0TEAM", channel_id="C0ACME", ts=ts))
    assert forget_old_events(engine) == 1
    with session_scope(engine) as session:
        (kept,) = session.exec(select(ChannelMessage)).all()
    assert kept.ts == f"{clock.now().timestamp():.6f}"
