"""Client conversations from message events exactly as Slack sends them: a client opens
one, joins it in the thread or top-level, a VA's reply stops the clock in business
minutes on the client's schedule; edits, deletions, joins, bot messages and other
channels never count; a redelivered event is handled once; first response in /report."""

from __future__ import annotations

import json
import logging
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot import clock
from bot.services.schedules import Calendar, add_working_time, working_time_between
from store.db import session_scope
from store.models import Conversation
from tests.conftest import CONFIG_TOML
from tests.fakeslack import event_body

# Acme's own schedule: London, 09:00-17:00 weekdays.
ACME = 'channel = "C0ACME"\ntimezone = "Europe/London"\nbusiness_hours = "09:00-17:00"'


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "vadesk.toml"
    path.write_text(CONFIG_TOML.replace('channel = "C0ACME"', ACME), encoding="utf-8")
    return path


def ts_of(text: str) -> str:
    """A Slack ts for a UTC time."""
    return f"{datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp():.6f}"


def send(live_app, event_id: str, **event) -> None:
    event.setdefault("type", "message")
    event.setdefault("channel", "C0ACME")
    event.setdefault("channel_type", "channel")
    assert live_app.post(event_body(event, event_id=event_id))[0] == 200


def conversations(live_app) -> list[Conversation]:
    for _ in range(100):  # events are handled after their ack
        with session_scope(live_app.engine) as session:
            rows = list(session.exec(select(Conversation).order_by(Conversation.id)))
        if rows:
            return rows
        __import__("time").sleep(0.02)
    return []


def wait_until(live_app, check) -> list[Conversation]:
    for _ in range(250):
        rows = conversations(live_app)
        if check(rows):
            return rows
        __import__("time").sleep(0.02)
    raise AssertionError(f"never true: {rows}")


def test_a_client_opens_a_conversation_and_a_va_reply_stops_its_clock(live_app):
    opened = ts_of("2026-11-30T10:00:00")  # Monday 10:00 in London
    send(live_app, "Ev1", user="U0CLIENT", text="Hi, the invoice is wrong", ts=opened)
    (conversation,) = wait_until(live_app, lambda rows: len(rows) == 1)
    assert conversation.opened_by == "U0CLIENT" and conversation.thread_ts == opened
    assert conversation.first_response_due.isoformat() == "2026-11-30T10:15:00+00:00"
    # Redelivered, edited, deleted, a join and a bot: none of them count.
    send(live_app, "Ev1", user="U0CLIENT", text="Hi, the invoice is wrong", ts=opened)
    send(live_app, "Ev2", subtype="message_changed", ts=ts_of("2026-11-30T10:01:00"))
    send(live_app, "Ev3", subtype="message_deleted", ts=ts_of("2026-11-30T10:02:00"))
    send(live_app, "Ev4", subtype="channel_join", user="U0NEW", ts=ts_of("2026-11-30T10:03:00"))
    send(live_app, "Ev5", bot_id="B0OTHER", user="U0BOTUSER", ts=ts_of("2026-11-30T10:04:00"))
    send(
        live_app,
        "Ev5b",
        subtype="channel_topic",
        user="U0VA1",
        ts=ts_of("2026-11-30T10:04:30"),
        topic="Acme",
    )
    send(live_app, "Ev6", channel="C0RANDOM", user="U0CLIENT", ts=ts_of("2026-11-30T10:05:00"))
    # More from the client in the thread joins it.
    send(live_app, "Ev7", user="U0CLIENT", ts=ts_of("2026-11-30T10:06:00"), thread_ts=opened)
    # A VA replies in the thread 7 minutes after the first message.
    send(live_app, "Ev8", user="U0VA1", ts=ts_of("2026-11-30T10:07:00"), thread_ts=opened)
    # Events are handled side by side: wait for both the reply and the client's second
    # message, whichever is counted last.
    (conversation,) = wait_until(
        live_app,
        lambda rows: (
            rows[0].first_response_at is not None
            and rows[0].last_client_at.isoformat() == "2026-11-30T10:06:00+00:00"
        ),
    )
    assert conversation.first_responder == "U0VA1" and conversation.response_minutes == 7
    assert len(conversations(live_app)) == 1
    clock.set_now("2026-11-30T18:00:00Z")
    shown = json.dumps(live_app.command("/report", "today")["blocks"])
    assert "avg 7 min, p90 7 min, 100% within 15 min" in shown


def test_the_clock_counts_business_minutes_on_the_clients_schedule(live_app):
    # Friday 16:55 in London: due at Monday 09:10; answered Monday 09:05 = 10 minutes.
    friday = ts_of("2026-12-04T16:55:00")
    send(live_app, "Ev1", user="U0CLIENT", ts=friday)
    (conversation,) = wait_until(live_app, lambda rows: len(rows) == 1)
    assert conversation.first_response_due.isoformat() == "2026-12-07T09:10:00+00:00"
    send(live_app, "Ev2", user="U0VA2", ts=ts_of("2026-12-07T09:05:00"))  # top-level
    (conversation,) = wait_until(live_app, lambda rows: rows[0].first_response_at is not None)
    assert conversation.response_minutes == 10


def test_an_answered_quiet_conversation_closes_and_the_next_message_opens_another(live_app):
    send(live_app, "Ev1", user="U0CLIENT", ts=ts_of("2026-11-30T10:00:00"))
    wait_until(live_app, lambda rows: len(rows) == 1)
    send(live_app, "Ev2", user="U0VA1", ts=ts_of("2026-11-30T10:05:00"))
    wait_until(live_app, lambda rows: rows[0].first_response_at is not None)
    # An hour later the client writes again: the same conversation.
    send(live_app, "Ev3", user="U0CLIENT", ts=ts_of("2026-11-30T11:05:00"))
    rows = wait_until(
        live_app, lambda rows: rows[0].last_client_at.isoformat().startswith("2026-11-30T11:05")
    )
    assert len(rows) == 1
    send(live_app, "Ev4", user="U0VA1", ts=ts_of("2026-11-30T11:10:00"))
    wait_until(
        live_app, lambda rows: rows[0].last_team_at.isoformat().startswith("2026-11-30T11:10")
    )
    # Quiet for over 120 business minutes after the team's reply: a new one opens.
    send(live_app, "Ev5", user="U0CLIENT", ts=ts_of("2026-11-30T14:00:00"))
    rows = wait_until(live_app, lambda rows: len(rows) == 2)
    assert rows[0].closed_at.isoformat() == "2026-11-30T13:10:00+00:00"
    assert rows[1].closed_at is None and rows[1].first_response_at is None


def test_working_time_between_and_add_agree_across_a_weekend_and_dst():
    london = Calendar(
        ZoneInfo("Europe/London"),
        time(9),
        time(17),
        (0, 1, 2, 3, 4),
        frozenset({date(2026, 12, 25)}),
    )
    start = datetime(2026, 10, 23, 16, 0, tzinfo=ZoneInfo("Europe/London"))  # Fri, BST
    end = add_working_time(london, start, timedelta(hours=2))  # clocks change on Sunday 25th
    assert end.astimezone(ZoneInfo("Europe/London")).isoformat() == "2026-10-26T10:00:00+00:00"
    assert working_time_between(london, start, end) == timedelta(hours=2)
    christmas_eve = datetime(2026, 12, 24, 16, 30, tzinfo=ZoneInfo("Europe/London"))
    assert add_working_time(london, christmas_eve, timedelta(hours=1)).isoformat() == (
        "2026-12-28T09:30:00+00:00"
    )


def test_a_file_from_the_client_opens_and_a_reply_also_sent_to_the_channel_answers(live_app):
    opened = ts_of("2026-11-30T10:00:00")
    send(live_app, "Ev1", subtype="file_share", user="U0CLIENT", ts=opened, files=[{"id": "F1"}])
    (conversation,) = wait_until(live_app, lambda rows: len(rows) == 1)
    assert conversation.thread_ts == opened
    send(
        live_app,
        "Ev2",
        subtype="thread_broadcast",
        user="U0VA1",
        ts=ts_of("2026-11-30T10:03:00"),
        thread_ts=opened,
    )
    (conversation,) = wait_until(live_app, lambda rows: rows[0].first_response_at is not None)
    assert conversation.response_minutes == 3


def test_message_changed_and_deleted_events_as_slack_sends_them_never_count(live_app):
    opened = ts_of("2026-11-30T10:00:00")
    send(live_app, "Ev1", user="U0CLIENT", ts=opened, text="Hi")
    wait_until(live_app, lambda rows: len(rows) == 1)
    edited = {
        "type": "message",
        "subtype": "message_changed",
        "hidden": True,
        "ts": ts_of("2026-11-30T10:02:00"),
        "message": {"type": "message", "user": "U0VA1", "text": "Hi!", "ts": opened},
        "previous_message": {"type": "message", "user": "U0CLIENT", "text": "Hi", "ts": opened},
    }
    send(live_app, "Ev2", **edited)
    deleted = {
        "type": "message",
        "subtype": "message_deleted",
        "hidden": True,
        "deleted_ts": opened,
        "ts": ts_of("2026-11-30T10:03:00"),
        "previous_message": {"type": "message", "user": "U0CLIENT", "text": "Hi", "ts": opened},
    }
    send(live_app, "Ev3", **deleted)
    send(live_app, "Ev4", user="U0VA1", ts=ts_of("2026-11-30T10:04:00"))
    (conversation,) = wait_until(live_app, lambda rows: rows[0].first_response_at is not None)
    assert conversation.response_minutes == 4  # neither the edit nor the deletion answered


def test_a_later_message_delivered_first_leaves_the_clock_at_the_earliest(live_app):
    first, second = ts_of("2026-11-30T10:00:00"), ts_of("2026-11-30T10:04:00")
    send(live_app, "Ev2", user="U0CLIENT", ts=second, thread_ts=first)
    wait_until(live_app, lambda rows: len(rows) == 1)
    send(live_app, "Ev1", user="U0CLIENT", ts=first)
    (conversation,) = wait_until(
        live_app, lambda rows: rows[0].opened_at.isoformat().startswith("2026-11-30T10:00")
    )
    assert conversation.first_response_due.isoformat() == "2026-11-30T10:15:00+00:00"
    assert conversation.last_client_at.isoformat() == "2026-11-30T10:04:00+00:00"


@pytest.mark.parametrize("field", ["ts", "thread_ts"])
@pytest.mark.parametrize("value", ["abc", "1e400", "-1", "1700000000"])
def test_a_message_with_a_ts_slack_never_sends_is_one_warning_and_changes_nothing(
    live_app, caplog, field, value
):
    caplog.set_level(logging.INFO)
    event = {"user": "U0CLIENT", "text": "Hello", "ts": ts_of("2026-11-30T10:00:00")}
    event[field] = value
    send(live_app, "EvBadTs", **event)
    lines = []
    for _ in range(250):  # events are handled after their ack
        lines = [r for r in caplog.records if "malformed payload" in r.getMessage()]
        if lines:
            break
        __import__("time").sleep(0.02)
    assert [r.getMessage() for r in lines] == [
        f"event_callback message refused: malformed payload"
        f" ({'thread ts' if field == 'thread_ts' else 'message ts'} is not a Slack timestamp)"
    ]
    assert lines[0].levelno == logging.WARNING
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    with session_scope(live_app.engine) as session:
        assert not list(session.exec(select(Conversation)))
