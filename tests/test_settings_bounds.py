"""Every setting start-up accepts works: the real app started with each key at its lower
and at its upper bound, and the feature that uses the key driven once (a client message
for [sla], /assign for [delegation], /template for [templates], a scheduler tick for the
routines and reports, ...). What Slack would refuse (a menu with no option, a header over
150 characters) is checked on every view and message the app sent, since the fake Slack
accepts anything. One past each bound is refused at start-up in test_config.py."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from bot import clock
from bot.scheduling.calendars import CALENDARS_REFRESH
from bot.scheduling.chat_targets import SLA_SWEEP
from bot.scheduling.delegation import ASSIGNMENT_CHASE
from bot.scheduling.digest import DIGEST, WEEKLY_REPORT
from bot.scheduling.reminders import REMINDERS
from bot.services.billing.money import format_amount, tax_amount, time_amount, to_minor_unit
from bot.services.billing.rounding import billed_seconds, whole_seconds
from bot.services.billing.terms import client_terms, sender
from bot.services.timesheet import timesheet_rows
from store.db import session_scope
from store.models import Assignment, CalendarFeed, Conversation, TimeEntry
from tests.conftest import TEAM
from tests.fakeslack import event_body, slash_command_body
from tests.scheduling import Rig, posted_to
from tests.slack_payloads import message_shortcut, text_value, view_submission

LONG_USER = "U" + "A" * 31  # 32 characters, the most an id may have
LONG_CHANNEL = "C" + "B" * 31
LONG_KEY = "k" * 64
LONG_NAME = "n" * 64
CATEGORY_100 = "c" * 100
ITEM_75 = "i" * 75

BASE: dict[str, dict[str, str]] = {
    "workspace": {"timezone": '"America/New_York"', "business_hours": '"09:00-17:00"'},
    "roles": {
        "owners": '["U0OWNER"]',
        "supervisors": '["U0SUPER"]',
        "vas": '["U0VA1", "U0VA2"]',
    },
    "channels": {"digest": '"C0DIGEST"', "escalations": '"C0ESCAL"'},
    "clients.acme": {"name": '"Acme Corp"', "channel": '"C0ACME"', "csat": "true"},
    "clients.globex": {"name": '"Globex"', "channel": '"C0GLOBEX"'},
    "templates.welcome": {
        "text": '"Hi {contact}, this is {va} from {client}: {task}, due {due}."',
    },
}


def toml_of(changes: dict[str, dict[str, str] | None]) -> str:
    sections = {name: dict(keys) for name, keys in BASE.items()}
    for name, keys in changes.items():
        if keys is None:
            sections.pop(name, None)
        else:
            sections.setdefault(name, {}).update(keys)
    return "\n".join(
        f"[{name}]\n" + "".join(f"{key} = {value}\n" for key, value in keys.items())
        for name, keys in sections.items()
    )


@pytest.fixture
def config_file(tmp_path: Path, changes: dict) -> Path:
    path = tmp_path / "vadesk.toml"
    path.write_text(toml_of(changes), encoding="utf-8")
    return path


# -- what Slack refuses and the fake does not ------------------------------------------


def _texts(node) -> list:
    if isinstance(node, dict):
        return [node, *(found for value in node.values() for found in _texts(value))]
    if isinstance(node, list):
        return [found for item in node for found in _texts(item)]
    return []


def slack_refusals(payload: dict | list | None) -> list[str]:
    """Block Kit limits a view or message breaks (Slack answers invalid_blocks)."""
    problems = []
    for node in _texts(payload):
        kind = node.get("type")
        text = node.get("text")
        if kind == "header" and len(text["text"]) > 150:
            problems.append("header over 150 characters")
        if kind == "section" and isinstance(text, dict) and len(text["text"]) > 3000:
            problems.append("section over 3000 characters")
        if kind == "static_select":
            options = node.get("options") or [
                o for group in node.get("option_groups") or [] for o in group["options"]
            ]
            if not 1 <= len(node.get("options") or node.get("option_groups") or []) <= 100:
                problems.append("a select with no option or over 100")
            for option in options:
                if len(option["text"]["text"]) > 75 or not 1 <= len(option["value"]) <= 150:
                    problems.append(f"option {option['text']['text'][:20]!r} too long")
        initial = node.get("initial_value") if kind == "plain_text_input" else None
        if initial is not None and len(initial) > node.get("max_length", 3000):
            problems.append("an input's initial value over its max_length")
    return problems


def sent_refusals(live_app) -> list[str]:
    problems = []
    for call in live_app.fake.calls():
        if call.method in ("views.open", "views.update", "views.push", "views.publish"):
            problems += slack_refusals(call.json("view"))
        elif call.method in ("chat.postMessage", "chat.update", "response_url"):
            problems += slack_refusals(call.json("blocks"))
            if len(call.params.get("text") or "") > 40_000:
                problems.append(f"{call.method} text over 40,000 characters")
    return problems


def wait(check: Callable[[], object], what: str, seconds: float = 10):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.02)
    raise AssertionError(f"never happened: {what}")


def ts_of(text: str) -> str:
    return f"{datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp():.6f}"


def rig_of(live_app) -> Rig:
    return Rig(live_app.settings, live_app.engine, live_app.fake)


def next_run(live_app, job: str) -> datetime:
    """When the scheduler says the job runs next, after the pinned now."""
    (upcoming,) = [u for u in rig_of(live_app).scheduler().upcoming(clock.now()) if u.name == job]
    assert upcoming.next_run is not None, f"{job} is never scheduled"
    return upcoming.next_run


def tick_when_due(live_app, job: str) -> list:
    """Tick the scheduler when the job next falls due; what it posted."""
    at = next_run(live_app, job)
    return posted_to(rig_of(live_app).tick((at + timedelta(seconds=1)).isoformat(), only=job))


# -- the features, driven once ---------------------------------------------------------


def _conversations(live_app) -> list[Conversation]:
    with session_scope(live_app.engine) as session:
        return list(session.exec(select(Conversation).order_by(Conversation.id)))


def _event(live_app, event_id: str, channel: str = "C0ACME", **event) -> None:
    event = {"type": "message", "channel": channel, "channel_type": "channel", **event}
    assert live_app.post(event_body(event, event_id=event_id))[0] == 200


def drive_client_chat(live_app, channel: str = "C0ACME") -> None:
    """A client writes, a VA answers, the client writes again; the SLA sweep runs."""
    opened = ts_of("2026-11-30T15:00:00")
    _event(live_app, "Ev1", channel, user="U0CLIENT", text="Hello?", ts=opened)
    (first,) = wait(lambda: _conversations(live_app), "a conversation opened")
    assert first.first_response_due > first.opened_at
    clock.set_now("2026-11-30T15:30:00Z")
    _event(live_app, "Ev2", channel, user="U0VA1", text="On it", ts=ts_of("2026-11-30T15:05:00"))
    wait(lambda: _conversations(live_app)[0].first_response_at, "the VA's reply counted")
    _event(live_app, "Ev3", channel, user="U0CLIENT", ts=ts_of("2026-11-30T15:20:00"))
    wait(lambda: _conversations(live_app)[-1].last_client_at.minute == 20, "the client again")
    # Another client's request, marked asynchronous by an owner: acknowledged later.
    _event(live_app, "Ev4", "C0GLOBEX", user="U0GLOBEX", ts=ts_of("2026-11-30T15:21:00"))
    other = wait(
        lambda: [c for c in _conversations(live_app) if c.channel_id == "C0GLOBEX"], "Globex's"
    )[0]
    press = {
        "type": "block_actions",
        "user": {"id": "U0OWNER", "team_id": TEAM},
        "container": {"type": "view", "view_id": "VHOME"},
        "view": {"id": "VHOME", "type": "home"},
        "actions": [
            {"type": "button", "action_id": "chat_async", "block_id": "b", "value": str(other.id)}
        ],
    }
    assert live_app.interact(press)[0] == 200
    marked = wait(
        lambda: [c for c in _conversations(live_app) if c.id == other.id and c.acknowledge_due],
        "marked asynchronous",
    )[0]
    assert marked.acknowledge_due > marked.opened_at
    rig_of(live_app).tick("2026-11-30T16:00:00Z", only=SLA_SWEEP)


def _brief(category: str | None) -> dict:
    values = {
        "assignee": {"type": "users_select", "selected_user": "U0VA1"},
        "title": text_value("Inbox clean-up"),
        "objective": text_value("Zero unread"),
        "deliverables": text_value("A summary"),
        "deadline": {"type": "datepicker", "selected_date": "2026-12-04"},
        "resources": text_value(""),
        "override": text_value("Needed now"),
        "recurrence": {"type": "static_select", "selected_option": {"value": "none"}},
    }
    if category is not None:
        values["category"] = {"type": "static_select", "selected_option": {"value": category}}
    return values


def drive_assign(live_app) -> None:
    """/assign opens the form with every category; the brief is assigned and chased."""
    live_app.send_command("/assign", user="U0OWNER")
    (opened,) = live_app.fake.wait_for("views.open")
    view = opened.json("view")
    categories = live_app.settings.delegation.categories
    selects = [b for b in view["blocks"] if b.get("block_id") == "category"]
    if categories:
        (select_,) = selects
        options = select_["element"]["options"]
        assert [o["value"] for o in options] == list(categories)
        category = options[-1]["value"]
    else:  # no category to pick: the form has none
        assert selects == []
        category = None
    payload = view_submission("assignment_create", _brief(category), user="U0OWNER")
    status, body = live_app.interact(payload)
    assert status == 200 and "errors" not in body, body

    def briefed() -> Assignment | None:
        with session_scope(live_app.engine) as session:
            found = session.exec(select(Assignment)).first()
            return found if found is not None and found.va_ts else None

    wait(briefed, "the brief sent to the VA")
    # The first chase: one spell of the VA's working time (09:00-17:00, Mon-Fri in New
    # York) after the assignment at Monday 09:00.
    chase = live_app.settings.delegation.chase_after_business_hours
    at = {0.25: "2026-11-30T14:15:30Z", 2: "2026-11-30T16:00:30Z", 168: "2026-12-28T22:00:30Z"}[
        chase
    ]
    rig = rig_of(live_app)
    earlier = datetime.fromisoformat(at) - timedelta(minutes=1)
    assert posted_to(rig.tick(earlier.isoformat(), only=ASSIGNMENT_CHASE)) == []
    chased = posted_to(rig.tick(at, only=ASSIGNMENT_CHASE))
    assert chased, "the unacknowledged assignment was not chased"


def drive_template(live_app, name: str = "welcome") -> None:
    """/template in the client channel opens the preview with the text filled in."""
    live_app.command("/task", "add Call Acme back due 2026-12-04 in acme")
    body = slash_command_body(
        "/template", name, user_id="U0VA1", team_id=TEAM, channel_id="C0ACME", trigger_id="t.1"
    )
    assert live_app.post(body)[0] == 200
    (opened,) = live_app.fake.wait_for("views.open")
    view = opened.json("view")
    (field,) = [b for b in view["blocks"] if b.get("block_id") == "text"]
    assert field["element"]["initial_value"].strip()


def drive_routines(live_app, job: str = "routine:morning") -> None:
    """The routine falls due in someone's working day and is posted."""
    assert tick_when_due(live_app, job), f"{job} posted nothing"


def drive_reports(live_app) -> None:
    """The digest and the weekly report fall due and are posted to the digest channel;
    /role lists everyone."""
    listing = live_app.command("/role", user="U0OWNER")
    assert listing.get("text") or listing.get("blocks")
    live_app.command("/timer", "start Call with Acme")
    live_app.command("/task", "add Renew domain due 2026-11-23")
    assert tick_when_due(live_app, DIGEST), "no digest"
    assert tick_when_due(live_app, WEEKLY_REPORT), "no weekly report"
    shown = live_app.command("/report", "week", user="U0SUPER")
    assert shown.get("blocks") or shown.get("text")


def drive_calendars(live_app) -> None:
    """The calendar feeds (files beside the settings file) are read by the refresh chore
    and the owner's appointments are on their /agenda; the shared calendar is stored."""
    folder = live_app.settings.config_path.parent
    event = "BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTART:20261130T160000Z\r\nDTEND:20261130T170000Z\r\n"
    for name, uid in (("owner.ics", "Board meeting"), ("bookings.ics", "Consult")):
        text = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n"
        text += event.format(uid=uid) + f"SUMMARY:{uid}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        (folder / name).write_text(text, encoding="utf-8")
    tick_when_due(live_app, CALENDARS_REFRESH)
    with session_scope(live_app.engine) as session:
        feeds = {f.feed_key: f for f in session.exec(select(CalendarFeed))}
    assert feeds and all(f.good_at is not None and f.error is None for f in feeds.values())
    shown = live_app.command("/agenda", "today", user="U0OWNER")
    assert "Board meeting" in json.dumps(shown)


def _entries(live_app) -> list[TimeEntry]:
    with session_scope(live_app.engine) as session:
        return list(session.exec(select(TimeEntry)))


def drive_timers(live_app) -> None:
    """A timer runs past the nudge limit and is nudged; a manual entry of the longest
    allowed length is logged; the timesheet counts them."""
    limit = live_app.settings.timers.max_entry_hours
    live_app.command("/task", "add Inbox clean-up")
    logged = live_app.command("/timer", f"log T-1 {round(limit * 60)}m yesterday Inbox")["text"]
    assert "Logged" in logged, logged
    live_app.command("/timer", "start Call with Acme")
    nudge = live_app.settings.timers.nudge_after_hours
    at = clock.now() + timedelta(hours=nudge, minutes=1)
    nudged = posted_to(rig_of(live_app).tick(at.isoformat(), only=REMINDERS))
    assert nudged, "no nudge for the long timer"
    assert len(_entries(live_app)) == 2


def drive_billing(live_app) -> None:
    """Time is logged, and the weekly report carries the timesheet with the raw time
    (rounding, whatever is set, is applied only to invoices)."""
    drive_timers(live_app)
    live_app.command("/timer", "stop")
    assert tick_when_due(live_app, WEEKLY_REPORT), "no weekly report"
    with session_scope(live_app.engine) as session:
        rows = timesheet_rows(session, live_app.settings, date(2026, 11, 1), date(2026, 12, 31))
    assert rows and all(
        row.hours == round((row.end - row.start).total_seconds() / 3600, 4) for row in rows
    )


def drive_invoice_terms(live_app) -> None:
    """Time logged on an Acme task is priced on Acme's terms as set: billed time rounded
    within one increment of the raw time, the amount and tax in the currency's minor
    unit, an invoice number that fits, the sender block."""
    live_app.command("/task", "add Inbox clean-up #acme")
    logged = live_app.command("/timer", "log T-1 97m yesterday Inbox")["text"]
    assert "Logged" in logged, logged
    settings = live_app.settings
    terms = client_terms(settings, "acme")
    raw = [whole_seconds(e.ended_at - e.started_at) for e in _entries(live_app)]
    billed = billed_seconds(raw, terms.rounding)
    step = terms.rounding.increment_minutes * 60
    assert raw == [97 * 60] and abs(billed - sum(raw)) <= step
    if terms.model == "fixed":
        assert terms.fee is not None
        amount = to_minor_unit(terms.fee, terms.currency)
    else:
        assert terms.rate is not None
        amount = time_amount(billed, terms.rate, terms.currency)
    assert amount == to_minor_unit(amount, terms.currency) >= 0
    assert tax_amount(amount, terms.tax_percent, terms.currency) <= amount
    assert format_amount(
        amount + tax_amount(amount, terms.tax_percent, terms.currency), terms.currency
    )
    number = settings.billing.number_format.format(year=9999, seq=99999)
    assert 0 < len(number) <= 64
    assert sender(settings).business_name == settings.billing.business_name


def drive_escalation(live_app) -> None:
    """An escalation is posted to the escalations channel."""
    form = {
        "summary": text_value("Client wants a refund"),
        "actions_taken": text_value("Checked the order"),
        "question": text_value("Refund?"),
        "background": text_value(""),
        "contact_tag": text_value("Billing – Payment Question"),
        "urgency": {"type": "static_select", "selected_option": {"value": "normal"}},
    }
    live_app.interact(view_submission("escalation_create", form, {}))
    channel = live_app.settings.channels.escalations
    wait(
        lambda: [
            c for c in live_app.fake.calls("chat.postMessage") if c.params["channel"] == channel
        ],
        "the escalation posted",
    )


def drive_tags(live_app) -> None:
    """Tag contact opens a menu of every tag, and the contact is tagged with the last."""
    payload = message_shortcut("Hi, can you send the quote again?")
    payload["callback_id"] = "tag_contact"
    live_app.interact(payload)
    (opened,) = live_app.fake.wait_for("views.open")
    view = opened.json("view")
    tag = live_app.settings.tags[-1]
    (field,) = [b for b in view["blocks"] if b.get("block_id") == "tag"]
    if field["element"]["type"] == "static_select":
        state = {"tag": {"type": "static_select", "selected_option": {"value": tag}}}
        assert tag.split(" – ")[-1] in json.dumps(field, ensure_ascii=False)
    else:  # over 100 tags: typed
        state = {"tag": text_value(tag)}
    status, body = live_app.interact(
        view_submission("tag_contact_submit", state, view["private_metadata"])
    )
    assert status == 200 and "errors" not in body, body


def drive_csat(live_app) -> None:
    """A client task done: the client channel is asked "How did we do?" when the client
    has csat = true, and not otherwise."""
    live_app.command("/task", "add Send the invoice <#C0ACME|acme>")
    live_app.command("/task", "done T-1 Sent")
    asked = posted_to(rig_of(live_app).tick("2026-11-30T14:00:30Z", only="csat-prompts"))
    wanted = live_app.settings.client_for_channel("C0ACME").csat
    assert len(asked) == (1 if wanted else 0)


def drive_roles(live_app) -> None:
    """/role lists everyone; a client message opens a conversation, the SLA sweep runs
    (with nobody rostered, nobody's reply counts as the team's)."""
    listing = live_app.command("/role", user="U0OWNER")
    assert listing.get("text") or listing.get("blocks")
    _event(live_app, "Ev1", user="U0CLIENT", text="Hello?", ts=ts_of("2026-11-30T15:00:00"))
    wait(lambda: _conversations(live_app), "a conversation opened")
    rig_of(live_app).tick("2026-11-30T16:00:00Z", only=SLA_SWEEP)


CASE = Callable[..., None]


def case(name: str, driver: CASE, **sections: dict[str, str] | None):
    return pytest.param({k.replace("__", "."): v for k, v in sections.items()}, driver, id=name)


CASES = [
    # [sla]
    case("sla.first_response_minutes=1", drive_client_chat, sla={"first_response_minutes": "1"}),
    case(
        "sla.first_response_minutes=10080",
        drive_client_chat,
        sla={"first_response_minutes": "10080"},
    ),
    case(
        "sla.first_response_minutes=10080 in one minute a week",
        drive_client_chat,
        sla={"first_response_minutes": "10080"},
        workspace={"business_hours": '"10:00-10:01"', "business_days": '["mon"]'},
        reports={"weekly": '"mon 10:00"'},
    ),
    case(
        "sla.acknowledge_business_hours=0.25",
        drive_client_chat,
        sla={"acknowledge_business_hours": "0.25"},
    ),
    case(
        "sla.acknowledge_business_hours=168",
        drive_client_chat,
        sla={"acknowledge_business_hours": "168"},
    ),
    case("sla.max_open_chats_per_va=1", drive_client_chat, sla={"max_open_chats_per_va": "1"}),
    case("sla.max_open_chats_per_va=100", drive_client_chat, sla={"max_open_chats_per_va": "100"}),
    case("sla.near_breach_ratio=0.01", drive_client_chat, sla={"near_breach_ratio": "0.01"}),
    case("sla.near_breach_ratio=0.99", drive_client_chat, sla={"near_breach_ratio": "0.99"}),
    case(
        "sla.close_after_idle_minutes=1", drive_client_chat, sla={"close_after_idle_minutes": "1"}
    ),
    case(
        "sla.close_after_idle_minutes=10080",
        drive_client_chat,
        sla={"close_after_idle_minutes": "10080"},
    ),
    # [kpi]
    case("kpi.completion_rate=0", drive_reports, kpi={"completion_rate": "0"}),
    case("kpi.completion_rate=1", drive_reports, kpi={"completion_rate": "1"}),
    case("kpi.csat=1", drive_reports, kpi={"csat": "1"}),
    case("kpi.csat=5", drive_reports, kpi={"csat": "5"}),
    # [timers]
    case("timers.max_entry_hours=0.25", drive_timers, timers={"max_entry_hours": "0.25"}),
    case("timers.max_entry_hours=24", drive_timers, timers={"max_entry_hours": "24"}),
    case("timers.nudge_after_hours=0.25", drive_timers, timers={"nudge_after_hours": "0.25"}),
    case("timers.nudge_after_hours=24", drive_timers, timers={"nudge_after_hours": "24"}),
    # [delegation]
    case(
        "delegation.chase_after_business_hours=0.25",
        drive_assign,
        delegation={"chase_after_business_hours": "0.25"},
    ),
    case(
        "delegation.chase_after_business_hours=168",
        drive_assign,
        delegation={"chase_after_business_hours": "168"},
    ),
    case("delegation.categories none", drive_assign, delegation={"categories": "{}"}),
    case("delegation.categories one", drive_assign, delegation={"categories": '{ x = "I" }'}),
    case(
        "delegation.categories 100 of 100 characters",
        drive_assign,
        delegation={
            "categories": "{ "
            + ", ".join(f'"{n:02d}{CATEGORY_100[2:]}" = "III"' for n in range(100))
            + " }"
        },
    ),
    # [templates]
    case("templates text of one character", drive_template, templates__welcome={"text": '"x"'}),
    case(
        "templates text of 3000 characters",
        drive_template,
        templates__welcome={"text": '"{client} ' + "y" * 2991 + '"'},
    ),
    case(
        "templates name of 64 characters",
        lambda app: drive_template(app, LONG_NAME),
        templates__welcome=None,
        **{f"templates__{LONG_NAME}": {"text": '"Hi {contact}"', "owner": f'"{LONG_USER}"'}},
    ),
    # [workspace]
    case(
        "workspace.business_hours=00:00-00:01",
        drive_routines,
        workspace={"business_hours": '"00:00-00:01"'},
    ),
    case(
        "workspace.business_hours=23:58-23:59",
        drive_routines,
        workspace={"business_hours": '"23:58-23:59"'},
    ),
    case(
        "workspace.business_hours=00:00-23:59 hourly",
        lambda app: drive_routines(app, "routine:hourly"),
        workspace={"business_hours": '"00:00-23:59"'},
    ),
    case(
        "workspace.business_hours=00:00-00:01 client chat",
        drive_client_chat,
        workspace={"business_hours": '"00:00-00:01"'},
    ),
    case(
        "workspace.business_days one",
        drive_routines,
        workspace={"business_days": '["sun"]'},
        reports={"weekly": '"sun 15:00"'},
    ),
    case(
        "workspace.business_days all",
        drive_reports,
        workspace={"business_days": '["mon","tue","wed","thu","fri","sat","sun"]'},
    ),
    case(
        "workspace.timezone=Pacific/Kiritimati",
        drive_reports,
        workspace={"timezone": '"Pacific/Kiritimati"'},
    ),
    case(
        "workspace.timezone=Etc/GMT+12", drive_client_chat, workspace={"timezone": '"Etc/GMT+12"'}
    ),
    case(
        "workspace.holidays a month",
        drive_reports,
        workspace={
            "holidays": "["
            + ", ".join(f"2026-12-{day:02d}" for day in range(1, 32))
            + ", 2026-11-30]"
        },
    ),
    # [roles]
    case("roles empty", drive_roles, roles={"owners": "[]", "supervisors": "[]", "vas": "[]"}),
    case(
        "roles ids of 32 characters",
        drive_roles,
        roles={"vas": f'["U0VA1", "{LONG_USER}"]', "owners": f'["U0OWNER", "W{"A" * 31}"]'},
    ),
    case(
        "roles 120 VAs",
        drive_reports,
        roles={"vas": "[" + ", ".join(f'"U0VA{n:03d}"' for n in range(120)) + "]"},
    ),
    # [channels]
    case("channels none", drive_client_chat, channels=None),
    case(
        "channels ids of 32 characters",
        drive_escalation,
        channels={"digest": f'"{LONG_CHANNEL}"', "escalations": f'"G{"E" * 31}"'},
    ),
    # [clients]
    case(
        "clients key, name and channel at their longest",
        lambda app: drive_client_chat(app, LONG_CHANNEL),
        clients__acme=None,
        **{
            f"clients__{LONG_KEY}": {
                "name": '"' + "N" * 200 + '"',
                "channel": f'"{LONG_CHANNEL}"',
                "timezone": '"America/Argentina/ComodRivadavia"',
                "business_hours": '"00:00-23:59"',
                "business_days": '["sat"]',
            }
        },
    ),
    case(
        "clients csat = true, a name of 200 characters",
        drive_csat,
        clients__acme={"name": '"' + "N" * 200 + '"'},
    ),
    case("clients csat = false", drive_csat, clients__acme={"csat": "false"}),
    case(
        "clients one-minute day",
        drive_client_chat,
        clients__acme={"business_hours": '"23:58-23:59"', "business_days": '["mon"]'},
    ),
    # [users]
    case(
        "users working_hours=00:00-23:59 in Kiritimati",
        drive_routines,
        users__U0VA1={"working_hours": '"00:00-23:59"', "timezone": '"Pacific/Kiritimati"'},
    ),
    case(
        "users working_hours=00:00-00:01 phase III",
        drive_routines,
        users__U0VA1={"working_hours": '"00:00-00:01"', "phase": '"III"'},
    ),
    # [calendars]
    case(
        "calendars at their lower bounds",
        drive_calendars,
        calendars={
            "refresh_minutes": "1",
            "remind_minutes": "0",
            "max_feed_megabytes": "1",
            "timeout_seconds": "1",
        },
        users__U0OWNER={"calendar": '"owner.ics"', "remind": "false"},
        calendars__b={"url": '"bookings.ics"', "title": '"B"'},
    ),
    case(
        "calendars at their upper bounds, names and titles at their longest",
        drive_calendars,
        calendars={
            "refresh_minutes": "1440",
            "remind_minutes": "1440",
            "max_feed_megabytes": "100",
            "timeout_seconds": "120",
        },
        users__U0OWNER={"calendar": '"owner.ics"', "remind": "true"},
        users__U0VA1={"phase": '"III"', "supports": f'["U0OWNER", "{LONG_USER}"]'},
        **{f"calendars__{LONG_NAME}": {"url": '"bookings.ics"', "title": '"' + "T" * 100 + '"'}},
    ),
    # [reports]
    case(
        "reports at 00:00",
        drive_reports,
        reports={"digest": '"daily 00:00"', "weekly": '"mon 00:00"'},
    ),
    case(
        "reports at 23:59",
        drive_reports,
        reports={"digest": '"daily 23:59"', "weekly": '"monthly 23:59"'},
    ),
    case(
        "reports hourly and at the start of the day",
        drive_reports,
        reports={"digest": '"hourly"', "weekly": '"workday start"'},
    ),
    # [routines]
    case(
        "routines one item",
        drive_routines,
        routines__morning={"items": '["x"]', "title": '"M"'},
    ),
    case(
        "routines ten items of 75 characters, a title of 150",
        drive_routines,
        routines__morning={
            "items": "[" + ", ".join(f'"{n}{ITEM_75[1:]}"' for n in range(10)) + "]",
            "title": '"' + "T" * 150 + '"',
        },
    ),
    case(
        "routines own, name of 64 characters, to a channel",
        lambda app: drive_routines(app, f"routine:{LONG_NAME}"),
        **{
            f"routines__{LONG_NAME}": {
                "schedule": '"daily 23:59"',
                "audience": f'"{LONG_CHANNEL}"',
                "items": '["Check"]',
            }
        },
    ),
    # [tags]
    case("tags none", drive_escalation, tags={}),
    case("tags one", drive_tags, tags={"Lead": '["Hot"]'}),
    case(
        "tags of 60 characters, 150 of them",
        drive_tags,
        tags={
            f"C{n}{'a' * 57}"[:60]: "[" + ", ".join(f'"S{m}{"b" * 57}"' for m in range(15)) + "]"
            for n in range(10)
        },
    ),
    # [billing]
    case(
        "billing.rounding_minutes=60, rate 100000",
        drive_billing,
        billing={"rounding_minutes": "60", "rates": "{ acme = 100000 }"},
    ),
    case("billing.rounding_minutes=0, rate 0", drive_billing, billing={"rates": "{ acme = 0 }"}),
    case(
        "billing.clients rate 100000, increment 60 nearest per total, tax 100, 365 days",
        drive_invoice_terms,
        billing={"increment_minutes": "60", "direction": '"nearest"', "per": '"total"'},
        billing__clients__acme={"rate": "100000", "tax": "100", "payment_terms_days": "365"},
    ),
    case(
        "billing.clients rate 0.0001, JPY, down by 1, no terms days, Letter, by day",
        drive_invoice_terms,
        billing={"paper": '"Letter"', "lines": '"day"', "supervisors_may_draft": "true"},
        billing__clients__acme={
            "rate": "0.0001",
            "currency": '"JPY"',
            "increment_minutes": "1",
            "direction": '"down"',
            "payment_terms_days": "0",
        },
    ),
    case(
        "billing sender at its limits, a 64-character number, BHD",
        drive_invoice_terms,
        billing={
            "business_name": '"' + "N" * 200 + '"',
            "address": '"' + "A" * 500 + '"',
            "email": '"billing@example.com"',
            "number_format": '"' + "A" * 55 + '{year}{seq}"',
            "currency": '"BHD"',
            "tax": "0.0001",
            "rates": "{ acme = 99999.9999 }",
        },
    ),
    case(
        "billing.clients retainer of 10,000,000 including 744 hours",
        drive_invoice_terms,
        billing__clients__acme={
            "model": '"retainer"',
            "fee": "10000000",
            "included_hours": "744",
            "rate": "0",
        },
    ),
    case(
        "billing.clients fixed fee 0.0001, a category marked non-billable",
        drive_invoice_terms,
        billing__clients__acme={"model": '"fixed"', "fee": "0.0001"},
        delegation={"categories": '{ admin = { phase = "I", billable = false }, x = "II" }'},
    ),
]


@pytest.mark.parametrize(("changes", "drive"), CASES)
def test_the_app_works_at_the_bound(live_app, changes, drive, caplog) -> None:
    caplog.set_level(logging.ERROR)
    drive(live_app)
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == []
    assert sent_refusals(live_app) == []
