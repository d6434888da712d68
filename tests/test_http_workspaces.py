"""VA Desk serves the workspace its bot token belongs to. Requests signed by Slack for any
other workspace (a command, a checklist tick, a button, a form, events) change nothing and
get a polite answer; the scheduler keeps delivering the real workspace's checklist and
digest; a Slack Connect guest's message in a client channel still counts."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import func, select

from bot import clock
from bot.scheduling.digest import DIGEST
from bot.scheduling.jobs import JobContext
from bot.slack.home_publisher import MIN_INTERVAL_SECONDS
from store.db import session_scope
from store.models import (
    Conversation,
    Delivery,
    RoutineTick,
    Task,
    TimeEntry,
    User,
    Workspace,
)
from tests.conftest import CONFIG_TOML, TEAM
from tests.fakeslack import event_body, event_envelope, slash_command_body
from tests.scheduling import Rig, posted_to
from tests.slack_payloads import block_action, checklist_click, view_submission

OTHER = "T0OTHER"  # a workspace VA Desk is not installed in
GUEST_TEAM = "T0CLIENT"  # a client's own organization, met in a Slack Connect channel
MONDAY_MORNING = "2026-11-30T13:00:00Z"  # 08:00 in New York
MORNING_ROUTINE = "routine:morning"
DAY = timedelta(hours=12)  # the rest of a working day
NOT_INSTALLED = "VA Desk is not installed in this workspace"


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "vadesk.toml"
    path.write_text(CONFIG_TOML + '\n[channels]\ndigest = "C0DIGEST"\n', encoding="utf-8")
    return path


def _rig(live_app) -> Rig:
    return Rig(live_app.settings, live_app.engine, live_app.fake)


def _foreign(payload: dict) -> dict:
    payload["team"] = {"id": OTHER}
    payload["user"]["team_id"] = OTHER
    return payload


def _slack_calls(live_app) -> list[str]:
    """Every Web API call and response-URL answer but Bolt's one auth.test."""
    return [call.method for call in live_app.fake.calls() if call.method != "auth.test"]


def _quiet(live_app) -> int:
    """How many calls were made, once work still going on (App Home publishing in the
    background, a user's at most once a MIN_INTERVAL_SECONDS) has stopped making more."""
    count, deadline = -1, time.monotonic() + 15
    while time.monotonic() < deadline:
        time.sleep(MIN_INTERVAL_SECONDS + 0.2)
        now = len(_slack_calls(live_app))
        if now == count:
            return count
        count = now
    raise AssertionError("the app never stopped calling Slack")


def _settled(live_app, before: int) -> list[str]:
    """The calls made since `before`, once work after the acknowledgment had its time."""
    time.sleep(MIN_INTERVAL_SECONDS + 0.2)
    return _slack_calls(live_app)[before:]


def _count(live_app, model, *where) -> int:
    with session_scope(live_app.engine) as session:
        return session.exec(select(func.count()).select_from(model).where(*where)).one()


def _nothing_of_the_other_workspace(live_app) -> None:
    assert _count(live_app, Workspace, Workspace.id == OTHER) == 0
    assert _count(live_app, User, User.team_id == OTHER) == 0
    assert _count(live_app, Task, Task.team_id == OTHER) == 0


def _victor_works_on_monday(live_app) -> None:
    """U0VA1 adds a task due today and logs an hour on it by timer."""
    clock.set_now(MONDAY_MORNING)
    assert "T-1" in live_app.command("/task", "add Call Acme due today !high")["text"]
    live_app.command("/timer", "start T-1")
    clock.set_now("2026-11-30T14:00:00Z")
    live_app.command("/timer", "stop")


def test_a_command_for_another_workspace_creates_nothing_and_says_so(live_app):
    clock.set_now(MONDAY_MORNING)
    before = _quiet(live_app)
    body = slash_command_body(
        "/task",
        "add Steal the queue due today",
        user_id="U0VA1",
        team_id=OTHER,
        response_url=live_app.fake.response_url("foreign"),
    )
    status, answer = live_app.post(body)
    assert status == 200
    reply = json.loads(answer)
    assert reply["response_type"] == "ephemeral" and reply["text"].startswith(NOT_INSTALLED)
    assert _settled(live_app, before) == []  # no reply sent later, no Slack call
    _nothing_of_the_other_workspace(live_app)
    # The same person in the installed workspace is served as ever.
    assert "T-1" in live_app.command("/task", "add Call Acme due today")["text"]
    assert _count(live_app, Workspace) == 1


def test_a_checklist_tick_for_another_workspace_is_not_recorded(live_app):
    rig = _rig(live_app)
    rig.tick("2026-11-30T14:05:00Z", only=MORNING_ROUTINE)
    (post,) = rig.posts("U0VA1")
    (checklist,) = [b for b in post.json("blocks") if b["type"] == "actions"]
    before = _quiet(live_app)
    url = live_app.fake.response_url("foreign-tick")
    click = _foreign(checklist_click(checklist["block_id"], [0, 1], response_url=url))
    status, _ = live_app.interact(click)
    assert status == 200
    assert _settled(live_app, before) == []  # the checklist is not even redrawn
    assert _count(live_app, RoutineTick) == 0
    _nothing_of_the_other_workspace(live_app)
    # The owner's own tick still counts.
    live_app.interact(checklist_click(checklist["block_id"], [0]))
    (update,) = live_app.fake.wait_for("chat.update")
    assert "1 of 4 done" in update.params["text"]
    assert _count(live_app, RoutineTick) == 1


def test_a_button_for_another_workspace_leaves_the_timer_running(live_app):
    clock.set_now(MONDAY_MORNING)
    live_app.command("/task", "add Call Acme due today")
    live_app.command("/timer", "start T-1")
    with session_scope(live_app.engine) as session:
        entry = session.exec(select(TimeEntry)).one()
    before = _quiet(live_app)
    status, _ = live_app.interact(_foreign(block_action("timer_stop", str(entry.id))))
    assert status == 200
    assert _settled(live_app, before) == []
    with session_scope(live_app.engine) as session:
        assert session.get(TimeEntry, entry.id).ended_at is None
    _nothing_of_the_other_workspace(live_app)


def test_a_form_for_another_workspace_is_refused_on_the_form(live_app):
    clock.set_now(MONDAY_MORNING)
    submission = view_submission(
        "task_create", {"title": {"type": "plain_text_input", "value": "Steal the queue"}}
    )
    before = _quiet(live_app)
    status, answer = live_app.interact(_foreign(submission))
    assert status == 200
    reply = json.loads(answer)
    assert reply["response_action"] == "errors"
    assert reply["errors"]["title"].startswith(NOT_INSTALLED)
    assert _settled(live_app, before) == []
    _nothing_of_the_other_workspace(live_app)


def test_events_for_another_workspace_are_ignored(live_app):
    clock.set_now(MONDAY_MORNING)
    before = _quiet(live_app)
    message = {
        "type": "message",
        "channel": "C0ACME",
        "channel_type": "channel",
        "user": "U0INTRUDER",
        "text": "hello",
        "ts": "1796043600.000100",
    }
    home = {"type": "app_home_opened", "user": "U0VA1", "channel": "DU0VA1", "tab": "home"}
    for event_id, event in (("EvO1", message), ("EvO2", home)):
        status, _ = live_app.post(event_body(event, event_id=event_id, team_id=OTHER))
        assert status == 200
    assert _settled(live_app, before) == []  # no App Home published, no DM
    assert _count(live_app, Conversation) == 0
    _nothing_of_the_other_workspace(live_app)


def test_the_scheduler_delivers_the_real_checklist_and_digest_after_foreign_requests(live_app):
    _victor_works_on_monday(live_app)
    for index, text in enumerate(("add Nothing due today", "list")):
        body = slash_command_body("/task", text, user_id="U0VA1", team_id=OTHER)
        assert NOT_INSTALLED in live_app.post(body)[1], index
    rig = _rig(live_app)
    scheduler = rig.scheduler()
    # A database from before this check may hold another workspace and its claims of the
    # very slots that are ours: neither takes victor's checklist or digest.
    ctx = JobContext(live_app.settings, live_app.engine)
    now = clock.now()
    dues = [
        due
        for name in (MORNING_ROUTINE, DIGEST)
        for due in scheduler.job(name).due(ctx, TEAM, now - timedelta(hours=6), now + DAY)
        if due.recipient in ("U0VA1", "C0DIGEST")
    ]
    assert {due.job for due in dues} == {MORNING_ROUTINE, DIGEST}
    with session_scope(live_app.engine) as session:
        session.add(Workspace(id=OTHER, created_at=now))
        session.add_all(
            Delivery(
                team_id=OTHER,
                job=due.job,
                slot=due.slot.at,
                recipient=due.recipient,
                claimed_at=now,
                channel_id=due.recipient,
            )
            for due in dues
        )
    assert scheduler.team_ids() == [TEAM]

    outcomes = rig.tick("2026-11-30T14:05:00Z", only=MORNING_ROUTINE)
    assert ("routine:morning", "U0VA1") in posted_to(outcomes)
    (morning,) = rig.posts("U0VA1")
    blocks = json.dumps(morning.json("blocks"))
    assert "Due today and overdue" in blocks and "Call Acme" in blocks

    (digest_slot,) = [due.slot.at for due in dues if due.job == DIGEST]
    outcomes = rig.tick((digest_slot + timedelta(seconds=30)).isoformat(), only=DIGEST)
    assert posted_to(outcomes) == [(DIGEST, "C0DIGEST")]
    (digest,) = rig.posts("C0DIGEST")
    (victor,) = [line for line in digest.params["text"].splitlines() if "<@U0VA1>" in line]
    assert "1h logged" in victor
    with session_scope(live_app.engine) as session:
        posted = session.exec(
            select(Delivery.team_id, Delivery.job, Delivery.recipient).where(
                Delivery.recipient.in_(["U0VA1", "C0DIGEST"]), Delivery.posted_at.is_not(None)
            )
        ).all()
    assert sorted(posted) == [(TEAM, DIGEST, "C0DIGEST"), (TEAM, MORNING_ROUTINE, "U0VA1")]


def _guest_message(event_id: str, ts: str) -> dict:
    return {
        "type": "message",
        "channel": "C0ACME",
        "channel_type": "channel",
        "user": "U0GUEST",
        "user_team": GUEST_TEAM,
        "source_team": GUEST_TEAM,
        "text": "Hi, can you resend the invoice?",
        "ts": ts,
    }


def _conversations(live_app, count: int) -> list[Conversation]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with session_scope(live_app.engine) as session:
            rows = list(session.exec(select(Conversation).order_by(Conversation.id)))
        if len(rows) >= count:
            return rows
        time.sleep(0.02)
    raise AssertionError(f"{len(rows)} conversations, expected {count}")


@pytest.mark.parametrize("started_by", ["us", "the client"])
def test_a_slack_connect_guest_still_opens_a_conversation(live_app, started_by):
    clock.set_now("2026-11-30T15:00:00Z")  # Monday 10:00 in New York
    envelope_team = TEAM if started_by == "us" else GUEST_TEAM
    # In a channel our workspace shared, the event names us; in one the client's
    # organization started, the envelope names their team and its authorization us.
    envelope = event_envelope(
        _guest_message("EvG1", "1796050800.000100"), event_id="EvG1", team_id=envelope_team
    )
    envelope["authorizations"][0]["team_id"] = TEAM
    envelope["is_ext_shared_channel"] = True
    assert live_app.post(json.dumps(envelope))[0] == 200
    (row,) = _conversations(live_app, 1)
    assert (row.team_id, row.opened_by, row.channel_id) == (TEAM, "U0GUEST", "C0ACME")
    with session_scope(live_app.engine) as session:
        assert session.exec(select(Workspace.id)).all() == [TEAM]


def test_the_scheduler_serves_the_tokens_workspace_or_the_one_the_database_knows(
    tmp_path: Path, engine, database_url, fake_slack
):
    from dataclasses import replace

    from bot.scheduling.scheduler import Scheduler
    from bot.slack.web_client import make_web_client
    from tests.scheduling import schedule_settings

    settings = schedule_settings(tmp_path, database_url, fake_slack)
    clock.set_now(MONDAY_MORNING)
    with session_scope(engine) as session:
        session.add(Workspace(id=OTHER, created_at=clock.now()))
    client = make_web_client(settings.bot_token, fake_slack.base_url)
    assert Scheduler(settings, engine, client).team_ids() == [TEAM]  # auth.test's answer
    tokenless = replace(settings, bot_token=None)
    assert Scheduler(tokenless, engine, client).team_ids() == [OTHER]  # the only one known
    with session_scope(engine) as session:
        session.add(Workspace(id=TEAM, created_at=clock.now()))
    assert Scheduler(tokenless, engine, client).team_ids() == []  # which one is ours?
