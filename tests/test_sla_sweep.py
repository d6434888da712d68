"""`sla-sweep` under the scheduler's clock: near breach at 75 % of the target DMs the VA
holding the chat, breach posts once to the supervisor channel, both stored; answered
chats are left alone; business minutes on the client's schedule; asynchronous requests
on the 4-hour target; idle chats close and queued ones go to VAs with room; a rerun and
a second scheduler post nothing twice; `vadesk job sla-sweep` runs the same job."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot import clock
from bot.services import chat_assignment, chats
from bot.services.people import Actor
from bot.views.chats import after_claim
from store.db import session_scope
from store.models import Conversation
from tests.scheduling import (
    NY_VA,
    Rig,
    conversation_event_kinds,
    posted_to,
    schedule_settings,
)

DIGEST = "C0DIGEST"
SWEEP = "sla-sweep"


@pytest.fixture
def rig(tmp_path: Path, engine, database_url, fake_slack) -> Rig:
    extra = '\n[clients.globex]\nname = "Globex"\nchannel = "C0GLOBEX"\n'
    extra += "\n[sla]\nmax_open_chats_per_va = 1\n"
    return Rig(schedule_settings(tmp_path, database_url, fake_slack, extra), engine, fake_slack)


def ts_of(text: str) -> str:
    return f"{datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp():.6f}"


def say(
    rig: Rig,
    at: str,
    user: str,
    channel: str = "C0ACME",
    thread: str | None = None,
    text: str | None = None,
):
    """A message as the listener records it, and a new chat placed as it places it."""
    clock.set_now(at + "Z")
    message = chats.ChatMessage("T0TEAM", channel, user, ts_of(at), thread_ts=thread, text=text)
    with session_scope(rig.engine) as session:
        outcome = chats.record_message(session, rig.settings, message)
        if outcome is not None and outcome.what == "opened":
            chat_assignment.place(session, rig.settings, outcome.conversation, clock.now())
        return outcome.conversation.id if outcome else None


def chat(rig: Rig, conversation_id: int) -> Conversation:
    with session_scope(rig.engine) as session:
        return session.get(Conversation, conversation_id)


def kinds(rig: Rig, conversation_id: int) -> list[str]:
    return conversation_event_kinds(rig.engine, conversation_id)


def test_near_breach_dms_the_va_and_breach_posts_once(rig: Rig):
    acme = say(rig, "2026-11-30T15:00:00", "U0CLIENT")  # Monday 10:00 in New York
    assert chat(rig, acme).assignee_id == NY_VA
    assert posted_to(rig.tick("2026-11-30T15:11:00Z", only=SWEEP)) == []
    outcomes = rig.tick("2026-11-30T15:11:30Z", only=SWEEP)  # 75 % = 11.25 minutes
    assert posted_to(outcomes) == [(SWEEP, f"near-breach:C-{acme}")]
    (dm,) = rig.posts(NY_VA)
    assert "waited 11 business minutes" in dm.params["text"]
    assert "first response due <!date^1796051700^" in dm.params["text"]
    assert posted_to(rig.tick("2026-11-30T15:14:00Z", only=SWEEP)) == []
    outcomes = rig.tick("2026-11-30T15:15:10Z", only=SWEEP)
    assert posted_to(outcomes) == [(SWEEP, "breach:2026-11-30T15:15")]
    (breach,) = rig.posts(DIGEST)
    assert "Acme Corp" in breach.params["text"] and "held by <@U0VA1>" in breach.params["text"]
    assert posted_to(rig.tick("2026-11-30T15:30:00Z", only=SWEEP)) == []
    stored = chat(rig, acme)
    assert stored.near_breach_at.isoformat() == "2026-11-30T15:11:15+00:00"
    assert stored.breached_at.isoformat() == "2026-11-30T15:15:00+00:00"
    assert kinds(rig, acme) == ["opened", "assigned", "near_breach", "breach"]


def test_breaches_found_by_one_sweep_go_out_as_one_post(rig: Rig):
    acme = say(rig, "2026-11-30T15:00:00", "U0CLIENT")
    globex = say(rig, "2026-11-30T15:01:00", "U0GLOBEX", channel="C0GLOBEX")
    rig.tick("2026-11-30T15:40:00Z", only=SWEEP)
    rig.tick("2026-11-30T15:41:00Z", only=SWEEP)
    (post,) = rig.posts(DIGEST)
    text = post.params["text"]
    assert text.startswith(":rotating_light: 2 client chats passed their target:")
    assert "*Acme Corp*" in text and "*Globex*" in text
    assert chat(rig, globex).breached_at.isoformat() == "2026-11-30T15:16:00+00:00"
    assert kinds(rig, acme).count("breach") == 1


def _blocks(post) -> list:
    blocks = post.params["blocks"]
    return json.loads(blocks) if isinstance(blocks, str) else blocks


def _buttons(blocks: list) -> list[tuple[str, str | None]]:
    return [
        (e["action_id"], e.get("url") or e.get("value"))
        for b in blocks
        if b["type"] == "actions"
        for e in b["elements"]
    ]


def test_sla_alerts_quote_the_client_and_carry_open_and_claim(rig: Rig):
    """As Pylon's and ClearFeed's do: the client, the start of their message (escaped,
    cut short), Open (the message) and, while nobody holds the chat, Claim."""
    long = "Invoice &lt;INV-7&gt; &amp; the refund: " + "please check " * 20  # as Slack sends it
    acme = say(rig, "2026-11-30T15:00:00", "U0CLIENT", text=long)
    say(rig, "2026-11-30T15:00:30", "U0GLOBEX", channel="C0GLOBEX")
    waiting = say(rig, "2026-11-30T15:01:00", "U0CLIENT2", thread="3.3", text="Hi <@U0X>")
    assert chat(rig, waiting).assignee_id is None  # both VAs are full
    rig.tick("2026-11-30T15:11:30Z", only=SWEEP)
    (dm,) = rig.posts(NY_VA)
    blocks = _blocks(dm)
    quote = blocks[0]["text"]["text"].split("\n>", 1)[1]
    assert quote.startswith("Invoice &lt;INV-7&gt; &amp; the refund: please check")
    assert quote.endswith("…") and len(quote) <= 150
    assert _buttons(blocks) == [
        (
            "chat_open",
            f"https://slack.com/archives/C0ACME/p{ts_of('2026-11-30T15:00:00').replace('.', '')}",
        )
    ]
    rig.tick("2026-11-30T15:16:30Z", only=SWEEP)
    (post,) = [p for p in rig.posts(DIGEST) if "passed their target" in p.params["text"]]
    blocks = _blocks(post)
    shown = json.dumps(blocks)
    assert "*Acme Corp*" in shown and "*Globex*" in shown and ">Hi @U0X" in shown
    buttons = _buttons(blocks)
    assert [b for b in buttons if b[0] == "chat_claim"] == [("chat_claim", str(waiting))]
    assert len([b for b in buttons if b[0] == "chat_open"]) == 3
    assert kinds(rig, acme).count("breach") == 1
    # Claim pressed on it: that chat's Claim goes, its Open and the other chats stay.
    after = after_claim(blocks, waiting, "U0VA2", clock.now())
    assert [b for b in _buttons(after) if b[0] == "chat_claim"] == []
    assert len([b for b in _buttons(after) if b[0] == "chat_open"]) == 3
    assert "claimed by <@U0VA2>" in json.dumps(after)


def test_an_answered_chat_never_nears_breach(rig: Rig):
    acme = say(rig, "2026-11-30T15:00:00", "U0CLIENT")
    say(rig, "2026-11-30T15:05:00", NY_VA)
    assert posted_to(rig.tick("2026-11-30T15:20:00Z", only=SWEEP)) == []
    assert chat(rig, acme).breached_at is None
    assert kinds(rig, acme) == ["opened", "assigned", "first_response"]


def test_the_targets_count_business_minutes_over_a_weekend(rig: Rig):
    # Friday 16:55 in New York: nobody is on shift by the time it nears; due Monday 09:10.
    acme = say(rig, "2026-12-04T21:55:00", "U0CLIENT")
    assert chat(rig, acme).first_response_due.isoformat() == "2026-12-07T14:10:00+00:00"
    assert posted_to(rig.tick("2026-12-05T15:00:00Z", only=SWEEP)) == []  # Saturday
    outcomes = rig.tick("2026-12-07T14:06:30Z", only=SWEEP)  # Monday 09:06:30
    assert (SWEEP, f"near-breach:C-{acme}") in posted_to(outcomes)


def test_an_asynchronous_request_nears_breach_after_three_business_hours(rig: Rig):
    acme = say(rig, "2026-11-30T15:00:00", "U0CLIENT")
    clock.set_now("2026-11-30T15:05:00Z")
    actor = Actor("T0TEAM", NY_VA, "va", UTC, datetime.min.time(), datetime.max.time())
    with session_scope(rig.engine) as session:
        chat_assignment.mark_asynchronous(session, rig.settings, actor, acme, clock.now())
    assert posted_to(rig.tick("2026-11-30T15:20:00Z", only=SWEEP)) == []
    outcomes = rig.tick("2026-11-30T18:00:30Z", only=SWEEP)  # 3 hours = 75 % of 4
    assert posted_to(outcomes) == [(SWEEP, f"near-breach:C-{acme}")]
    assert "acknowledgment due" in rig.posts(NY_VA)[-1].params["text"]
    outcomes = rig.tick("2026-11-30T19:00:30Z", only=SWEEP)
    assert posted_to(outcomes) == [(SWEEP, "breach:2026-11-30T19:00")]


def test_idle_chats_close_and_a_freed_va_gets_the_oldest_queued_one(rig: Rig):
    acme = say(rig, "2026-11-30T15:00:00", "U0CLIENT")  # to U0VA1 (cap 1)
    globex = say(rig, "2026-11-30T15:01:00", "U0GLOBEX", channel="C0GLOBEX")  # to U0VA2
    say(rig, "2026-11-30T15:03:00", NY_VA)  # U0VA1 answers Acme
    say(rig, "2026-11-30T15:04:00", "U0VA2", channel="C0GLOBEX")
    older = say(rig, "2026-11-30T15:06:00", "U0CLIENT", thread="1.1")  # queued
    newer = say(rig, "2026-11-30T15:07:00", "U0CLIENT", thread="2.2")  # queued
    assert chat(rig, older).assignee_id is None and chat(rig, newer).assignee_id is None
    assert chat(rig, globex).assignee_id == "U0VA2"
    rig.tick("2026-11-30T17:03:30Z", only=SWEEP)  # 120 business minutes after the reply
    assert chat(rig, acme).close_reason == "idle"
    assert chat(rig, acme).closed_at.isoformat() == "2026-11-30T17:03:00+00:00"
    outcomes = rig.tick("2026-11-30T17:04:00Z", only=SWEEP)
    assert (SWEEP, f"from-queue:C-{older}") in posted_to(outcomes)
    assert chat(rig, older).assignee_id == NY_VA and chat(rig, newer).assignee_id is None
    assert "chat_resolve" in json.dumps(rig.posts(NY_VA)[-1].params)
    # Queued for two hours, it breached first: the wait counts against the target.
    assert kinds(rig, older) == ["opened", "queued", "breach", "assigned"]
    assert "still queued" in rig.posts(DIGEST)[0].params["text"]


def test_newly_queued_chats_are_posted_once_to_the_supervisor_channel(rig: Rig):
    first = say(rig, "2026-11-30T08:00:00", "U0CLIENT")  # nobody on shift
    second = say(rig, "2026-11-30T08:01:00", "U0GLOBEX", channel="C0GLOBEX")
    outcomes = rig.tick("2026-11-30T08:01:30Z", only=SWEEP)
    assert posted_to(outcomes) == [(SWEEP, "queued:2026-11-30T08:01")]
    (post,) = rig.posts(DIGEST)
    assert post.params["text"].startswith(":hourglass: 2 client chats are waiting")
    assert json.dumps(post.params["blocks"]).count("chat_claim") == 2
    assert posted_to(rig.tick("2026-11-30T08:05:00Z", only=SWEEP)) == []
    third = say(rig, "2026-11-30T08:06:00", "U0CLIENT", thread="3.3")
    rig.tick("2026-11-30T08:06:30Z", only=SWEEP)
    assert "A client chat is waiting" in rig.posts(DIGEST)[-1].params["text"]
    assert len(rig.posts(DIGEST)) == 2
    assert all(chat(rig, c).queue_announced_at for c in (first, second, third))


def test_chats_queued_overnight_go_to_vas_as_they_come_on_shift(rig: Rig):
    night = say(rig, "2026-11-30T08:00:00", "U0CLIENT")  # 03:00 in New York
    assert chat(rig, night).queued_at is not None
    assert not [
        o
        for o in rig.tick("2026-11-30T13:59:00Z", only=SWEEP)
        if "from-queue" in o.outgoing.recipient
    ]
    outcomes = rig.tick("2026-11-30T14:00:30Z", only=SWEEP)
    assert (SWEEP, f"from-queue:C-{night}") in posted_to(outcomes)
    assert chat(rig, night).assignee_id == NY_VA


def test_two_schedulers_at_once_record_and_post_each_breach_once(rig: Rig):
    from concurrent.futures import ThreadPoolExecutor

    acme = say(rig, "2026-11-30T15:00:00", "U0CLIENT")
    clock.set_now("2026-11-30T15:20:00Z")
    with ThreadPoolExecutor(3) as pool:
        list(
            pool.map(
                lambda _: rig.scheduler().run_due(rig.notifier(), clock.now(), only=SWEEP), range(3)
            )
        )
    assert len(rig.posts(DIGEST)) == 1
    assert kinds(rig, acme).count("breach") == 1


def test_the_digest_lists_clients_still_waiting(rig: Rig):
    say(rig, "2026-11-30T15:00:00", "U0CLIENT")  # Acme: held by U0VA1, never answered
    globex = say(rig, "2026-11-30T15:01:00", "U0GLOBEX", channel="C0GLOBEX")
    say(rig, "2026-11-30T15:03:00", "U0VA2", channel="C0GLOBEX")  # Globex answered
    rig.tick("2026-11-30T21:31:00Z", only="daily-digest")  # 16:30 in New York
    (digest,) = rig.posts(DIGEST)
    shown = json.dumps(digest.params["blocks"])
    assert "Client waiting: *Acme Corp*" in shown and "held by <@U0VA1>" in shown
    assert "*late*: first response was due" in shown  # 16:30: long past 10:15
    assert "*Globex*" not in shown.split("Needs attention")[1]
    assert chat(rig, globex).first_responder == "U0VA2"
