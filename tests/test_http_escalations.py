"""Escalations through the real app: the form and its refusals, the channel message with
Take it and Resolved (updated in place), wrong people and stale buttons, the VA told, the
shortcut on a message, and follow-ups under the scheduler's clock."""

from __future__ import annotations

import json
import time as time_module
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot import clock
from bot.services.schedules import Calendar, add_working_time
from store.db import session_scope
from store.models import Escalation
from tests.conftest import CONFIG_TOML
from tests.scheduling import Rig, posted_to
from tests.slack_payloads import block_action, message_shortcut, text_value, view_submission

ESCALATIONS = "C0ESCAL"


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "vadesk.toml"
    path.write_text(CONFIG_TOML + f'\n[channels]\nescalations = "{ESCALATIONS}"\n', "utf-8")
    return path


def _form(summary="Client wants a refund", actions="Checked the order", question="Refund?", **more):
    values = {
        "summary": text_value(summary),
        "actions_taken": text_value(actions),
        "question": text_value(question),
        "background": text_value(more.get("background", "")),
        "contact_tag": text_value(more.get("tag", "Billing – Payment Question")),
        "urgency": {
            "type": "static_select",
            "selected_option": {"value": more.get("urgency", "normal")},
        },
    }
    return values


def _escalate(live_app, metadata: dict | None = None, user="U0VA1", **form) -> tuple[int, str]:
    payload = view_submission("escalation_create", _form(**form), metadata or {}, user=user)
    return live_app.interact(payload)


def _press(live_app, action: str, value: str, user: str, name: str) -> str:
    """Press a button on the channel message; what its presser alone was told."""
    payload = block_action(action, value, user=user)
    payload["response_url"] = live_app.fake.response_url(name)
    live_app.interact(payload)
    deadline = time_module.monotonic() + 5
    while time_module.monotonic() < deadline:
        for call in live_app.fake.calls("response_url"):
            if call.path == f"/respond/{name}":
                return call.params["text"]
        time_module.sleep(0.02)
    raise AssertionError(f"no private answer to {action} by {user}")


def _posted(live_app) -> list:
    return [
        c for c in live_app.fake.calls("chat.postMessage") if c.params["channel"] == ESCALATIONS
    ]


def _dms(live_app, user: str) -> list[str]:
    return [
        c.params["text"]
        for c in live_app.fake.calls("chat.postMessage")
        if c.params["channel"] == user
    ]


def test_escalate_command_opens_the_form_linked_to_the_task(live_app):
    live_app.command("/task", "add Refund for Acme")
    live_app.send_command("/escalate", "T-1")
    (opened,) = live_app.fake.wait_for("views.open")
    view = opened.json("view")
    assert view["callback_id"] == "escalation_create" and view["title"]["text"] == "Escalate T-1"
    assert json.loads(view["private_metadata"]) == {"task": 1}
    assert "There is no T-9" in live_app.command("/escalate", "T-9")["text"]
    assert "/escalate T-12" in live_app.command("/escalate", "help")["text"]


def test_a_form_without_the_question_is_refused_on_its_field(live_app):
    status, body = _escalate(live_app, question="  ", actions="")
    assert status == 200
    errors = json.loads(body)["errors"]
    assert set(errors) == {"question", "actions_taken"}
    assert "full context" in errors["question"]
    with session_scope(live_app.engine) as session:
        assert session.exec(select(Escalation)).all() == []
    assert _posted(live_app) == []


def test_take_and_resolve_update_the_message_and_tell_the_va(live_app):
    clock.set_now("2026-11-30T15:00:00Z")
    live_app.command("/task", "add Refund for Acme")
    assert _escalate(live_app, {"task": 1}, urgency="urgent")[0] == 200
    post = live_app.fake.wait_for("chat.postMessage", 1)[0]
    assert post.params["channel"] == ESCALATIONS
    blocks = json.dumps(post.json("blocks"))
    assert "ESC-1 \\u00b7 urgent" in blocks and "*T-1*" in blocks and "Refund?" in blocks
    assert "escalation_take" in blocks and "escalation_resolve" in blocks
    dm = live_app.fake.wait_for("chat.postMessage", 2)[1]
    assert dm.params["channel"] == "U0VA1" and "Escalated as *ESC-1*" in dm.params["text"]
    # A VA cannot take it; nothing changes, and the presser alone is told.
    refusal = _press(live_app, "escalation_take", "1", "U0VA2", "va-take")
    assert "Supervisors and owners take and resolve" in refusal
    # The supervisor takes it: the message shows who, and the VA hears it.
    live_app.interact(block_action("escalation_take", "1", user="U0SUPER"))
    update = live_app.fake.wait_for("chat.update")[0]
    shown = json.dumps(update.json("blocks"))
    assert "taken by <@U0SUPER>" in shown and "escalation_take" not in shown
    live_app.fake.wait_for("chat.postMessage", 3)
    assert any("<@U0SUPER> took your escalation *ESC-1*" in t for t in _dms(live_app, "U0VA1"))
    # A second press (a double click, or a stale message) says who already has it.
    again = _press(live_app, "escalation_take", "1", "U0OWNER", "again")
    assert "already taken by <@U0SUPER>" in again
    # Resolved opens the form; empty notes are refused on the field.
    live_app.interact(block_action("escalation_resolve", "1", user="U0SUPER"))
    (form,) = live_app.fake.wait_for("views.open")
    assert form.json("view")["callback_id"] == "escalation_resolve"
    empty = view_submission(
        "escalation_resolve", {"resolution": text_value(" ")}, {"escalation": 1}, user="U0SUPER"
    )
    assert "resolution" in json.loads(live_app.interact(empty)[1])["errors"]
    done = view_submission(
        "escalation_resolve",
        {"resolution": text_value("Refunded half")},
        {"escalation": 1},
        user="U0SUPER",
    )
    assert live_app.interact(done)[0] == 200
    final = live_app.fake.wait_for("chat.update", 2)[1]
    shown = json.dumps(final.json("blocks"))
    assert "Refunded half" in shown and "escalation_resolve" not in shown
    live_app.fake.wait_for("chat.postMessage", 5)
    assert any("resolved by <@U0SUPER>: Refunded half" in t for t in _dms(live_app, "U0VA1"))
    # Buttons of an old copy now say it is resolved.
    stale = _press(live_app, "escalation_resolve", "1", "U0OWNER", "stale")
    assert "already resolved by <@U0SUPER>" in stale
    with session_scope(live_app.engine) as session:
        escalation = session.exec(select(Escalation)).one()
    assert (
        escalation.taken_at and escalation.resolved_at and escalation.resolution == "Refunded half"
    )


def test_nobody_takes_their_own_escalation(live_app):
    _escalate(live_app, user="U0SUPER")
    live_app.fake.wait_for("chat.postMessage", 2)
    own = _press(live_app, "escalation_take", "1", "U0SUPER", "own")
    assert "You raised this escalation" in own


def test_the_shortcut_links_the_message_and_prefills_the_summary(live_app):
    shortcut = message_shortcut("Customer says the invoice is wrong")
    shortcut["callback_id"] = "escalate_message"
    live_app.interact(shortcut)
    (opened,) = live_app.fake.wait_for("views.open")
    view = opened.json("view")
    meta = json.loads(view["private_metadata"])
    assert meta["permalink"].startswith("https://fake.slack.com/archives/C0ACME/")
    assert view["blocks"][0]["element"]["initial_value"] == "Customer says the invoice is wrong"
    _escalate(live_app, meta)
    post = live_app.fake.wait_for("chat.postMessage", 1)[0]
    assert "source message" in json.dumps(post.json("blocks"))


def test_follow_ups_come_in_the_thread_every_30_business_minutes_until_resolved(live_app):
    rig = Rig(live_app.settings, live_app.engine, live_app.fake)
    clock.set_now("2026-11-30T15:00:00Z")  # Monday 10:00 in New York
    _escalate(live_app, urgency="urgent")
    post = live_app.fake.wait_for("chat.postMessage", 1)[0]
    live_app.fake.wait_for("chat.postMessage", 2)
    assert posted_to(rig.tick("2026-11-30T15:29:00Z", only="escalation-followups")) == []
    outcomes = rig.tick("2026-11-30T15:30:30Z", only="escalation-followups")
    assert posted_to(outcomes) == [("escalation-followups", "ESC-1")]
    (follow_up,) = [c for c in _posted(live_app) if c.params.get("thread_ts")]
    assert (
        follow_up.params["thread_ts"] == post.json("message")["ts"]
        if post.json("message")
        else True
    )
    assert "Follow-up 1 on *ESC-1*" in follow_up.params["text"]
    assert "nobody has taken it yet" in follow_up.params["text"]
    # Once per slot, then the next one 30 business minutes later.
    assert posted_to(rig.tick("2026-11-30T15:45:00Z", only="escalation-followups")) == []
    assert posted_to(rig.tick("2026-11-30T16:00:30Z", only="escalation-followups")) != []
    done = view_submission(
        "escalation_resolve",
        {"resolution": text_value("Handled")},
        {"escalation": 1},
        user="U0SUPER",
    )
    live_app.interact(done)
    assert rig.tick("2026-11-30T17:00:30Z", only="escalation-followups") == []


def test_a_va_sees_their_open_escalations_in_report(live_app):
    _escalate(live_app)
    live_app.fake.wait_for("chat.postMessage", 2)
    shown = json.dumps(live_app.command("/report", "today")["blocks"])
    assert "*Open escalations*\\n1" in shown


def test_escalating_without_a_channel_says_what_to_set(live_app):
    from dataclasses import replace

    from bot.services.errors import InputError
    from bot.services.escalations import escalation_channel
    from bot.settings.schema import ChannelSettings

    with pytest.raises(InputError, match=r"\[channels\] escalations"):
        escalation_channel(replace(live_app.settings, channels=ChannelSettings()))


def test_working_time_skips_nights_weekends_and_holidays():
    new_york = Calendar(
        ZoneInfo("America/New_York"),
        time(9),
        time(17),
        (0, 1, 2, 3, 4),
        frozenset({date(2026, 12, 1)}),
    )
    friday_4pm = datetime(2026, 11, 27, 21, 0, tzinfo=UTC)
    # 1 h to Friday's close, then Monday 09:00 + 3 h (4 business hours in all).
    assert add_working_time(new_york, friday_4pm, timedelta(hours=4)) == datetime(
        2026, 11, 30, 17, 0, tzinfo=UTC
    )
    # Monday 16:45 + 30 min: Tuesday is a holiday, so Wednesday 09:15.
    monday = datetime(2026, 11, 30, 21, 45, tzinfo=UTC)
    assert add_working_time(new_york, monday, timedelta(minutes=30)) == datetime(
        2026, 12, 2, 14, 15, tzinfo=UTC
    )
