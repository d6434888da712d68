"""The four-chat cap through the real app: a new client chat goes to a VA on shift with
room (the client's last VA first), with a DM holding a link and Resolve; with nobody on
shift with room it is queued (Claim on every VA's App Home, one post to the supervisor
channel); claims at once, at the cap, twice; Resolve gives the freed VA the oldest queued
chat; asynchronous requests and transfers (tag first); Slack Connect channels."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from bot import clock
from bot.services import chats
from store.db import session_scope
from store.models import Client, Conversation
from tests.conftest import CONFIG_TOML
from tests.fakeslack import event_body
from tests.scheduling import Rig, conversation_event_kinds
from tests.slack_payloads import view_submission

DIGEST = "C0DIGEST"
SETTINGS = CONFIG_TOML + f'\n[channels]\ndigest = "{DIGEST}"\n\n[sla]\nmax_open_chats_per_va = 2\n'
MONDAY_10_NY = "2026-11-30T15:00:00"  # both VAs (New York, 09:00-17:00) on shift
MONDAY_03_NY = "2026-11-30T08:00:00"  # nobody on shift


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "vadesk.toml"
    path.write_text(SETTINGS, encoding="utf-8")
    return path


def ts_of(text: str, plus_seconds: int = 0) -> str:
    instant = datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() + plus_seconds
    return f"{instant:.6f}"


_events = iter(range(1, 10_000))


def client_says(live_app, at: str, channel="C0ACME", user="U0CLIENT", thread=None, **more):
    ts = more.pop("ts", None) or ts_of(at, next(_events) % 50)
    event = {"type": "message", "channel": channel, "channel_type": "channel", "user": user}
    event.update(ts=ts, text="Hello?", **more)
    if thread:
        event["thread_ts"] = thread
    assert live_app.post(event_body(event, event_id=f"Ev{next(_events)}"))[0] == 200
    return ts


def rows(live_app) -> list[Conversation]:
    with session_scope(live_app.engine) as session:
        return list(session.exec(select(Conversation).order_by(Conversation.id)))


def wait_for(live_app, check, what="condition"):
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        found = rows(live_app)
        if check(found):
            return found
        time.sleep(0.02)
    raise AssertionError(f"never true: {what}: {rows(live_app)}")


def dms_to(live_app, user: str, containing: str) -> list:
    return [
        c
        for c in live_app.fake.calls("chat.postMessage")
        if c.params.get("channel") == user and containing in json.dumps(c.params)
    ]


def wait_dm(live_app, user: str, containing: str) -> dict:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        found = dms_to(live_app, user, containing)
        if found:
            return found[-1].params
        time.sleep(0.02)
    raise AssertionError(f"no DM to {user} with {containing!r}")


def click(live_app, action_id: str, value: str, user: str, reply_to: str | None = None):
    payload = {
        "type": "block_actions",
        "user": {"id": user, "team_id": "T0TEAM"},
        "actions": [{"type": "button", "action_id": action_id, "block_id": "b", "value": value}],
    }
    if reply_to:
        payload["container"] = {"type": "message", "channel_id": DIGEST, "message_ts": "1.2"}
        payload["channel"] = {"id": DIGEST}
        payload["message"] = {"ts": "1.2", "text": "queued"}
        payload["response_url"] = live_app.fake.response_url(reply_to)
    else:
        payload["container"] = {"type": "view", "view_id": "VHOME"}
        payload["view"] = {"id": "VHOME", "type": "home"}
    status, _ = live_app.interact(payload)
    assert status == 200


def replies(live_app, name: str) -> list[str]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        found = [
            c.params.get("text", "")
            for c in live_app.fake.calls("response_url")
            if c.path == f"/respond/{name}"
        ]
        if found:
            return found
        time.sleep(0.02)
    raise AssertionError(f"no reply on {name}")


def events(live_app, conversation_id: int) -> list[str]:
    return conversation_event_kinds(live_app.engine, conversation_id)


def test_new_chats_go_to_the_va_with_fewest_then_queue_when_everyone_is_full(live_app):
    clock.set_now(MONDAY_10_NY + "Z")
    first = client_says(live_app, MONDAY_10_NY)
    (acme,) = wait_for(live_app, lambda r: len(r) == 1 and r[0].assignee_id, "assigned")
    assert acme.assignee_id == "U0VA1"  # both empty: the roster's order
    dm = wait_dm(live_app, "U0VA1", "chat_resolve")
    assert "Acme Corp" in dm["text"] and "open the message" in dm["text"]
    acme = rows(live_app)[0]  # the link is kept just before the DM
    assert acme.permalink and first.replace(".", "") in acme.permalink
    client_says(live_app, MONDAY_10_NY, channel="C0GLOBEX", user="U0GLOBEX")
    found = wait_for(live_app, lambda r: len(r) == 2 and r[1].assignee_id, "second")
    assert found[1].assignee_id == "U0VA2"  # the VA with fewer open chats
    # Threads of other messages open more chats in the same channel: 2 each is the cap.
    client_says(live_app, MONDAY_10_NY, thread=ts_of(MONDAY_10_NY, -3600))
    client_says(live_app, MONDAY_10_NY, channel="C0GLOBEX", user="U0G", thread="1700000000.000100")
    found = wait_for(live_app, lambda r: len(r) == 4 and all(c.assignee_id for c in r), "four")
    assert sorted(c.assignee_id for c in found) == ["U0VA1", "U0VA1", "U0VA2", "U0VA2"]
    # Acme's chats went to U0VA1 (the client's last VA), Globex's to U0VA2.
    assert {c.channel_id: c.assignee_id for c in found} == {
        "C0ACME": "U0VA1",
        "C0GLOBEX": "U0VA2",
    }
    client_says(live_app, MONDAY_10_NY, thread="1700000000.000200")
    found = wait_for(live_app, lambda r: len(r) == 5 and r[4].queued_at, "queued")
    queued = found[4]
    assert queued.assignee_id is None
    # The next sla-sweep tells the supervisor channel, once.
    rig = Rig(live_app.settings, live_app.engine, live_app.fake)
    rig.tick(MONDAY_10_NY + "Z", only="sla-sweep")
    rig.tick(MONDAY_10_NY + "Z", only="sla-sweep")
    (announced,) = rig.posts(DIGEST)
    assert "A client chat is waiting" in announced.params["text"]
    assert "chat_claim" in json.dumps(announced.params["blocks"])
    # The queue shows on a VA's Home with Claim.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        homes = [
            c for c in live_app.fake.calls("views.publish") if c.params.get("user_id") == "U0VA2"
        ]
        if homes and "chat_claim" in json.dumps(homes[-1].params):
            break
        time.sleep(0.05)
    else:
        raise AssertionError("the queue never showed on the Home")
    # At the cap: a claim is refused, nothing changes.
    click(live_app, "chat_claim", str(queued.id), "U0VA2", reply_to="claim-full")
    (refusal,) = replies(live_app, "claim-full")
    assert "already hold 2 open client chats" in refusal
    # U0VA1 resolves one from its DM: the freed VA is given the oldest queued chat.
    click(live_app, "chat_resolve", str(found[0].id), "U0VA1")
    wait_for(live_app, lambda r: r[4].assignee_id == "U0VA1", "given from the queue")
    assert rows(live_app)[0].close_reason == "resolved"
    assert events(live_app, queued.id) == ["opened", "queued", "assigned"]
    assert events(live_app, found[0].id) == ["opened", "assigned", "resolved"]
    # Resolving it again is refused in a sentence.
    click(live_app, "chat_resolve", str(found[0].id), "U0VA1", reply_to="again")
    (again,) = replies(live_app, "again")
    assert "already closed (resolved by <@U0VA1>" in again


def test_two_vas_claim_at_once_one_gets_it_the_other_is_told_who(live_app):
    clock.set_now(MONDAY_03_NY + "Z")
    client_says(live_app, MONDAY_03_NY)
    (waiting,) = wait_for(live_app, lambda r: len(r) == 1 and r[0].queued_at, "queued")
    assert waiting.assignee_id is None  # nobody on shift counts as nobody with room
    clock.set_now(MONDAY_10_NY + "Z")
    with ThreadPoolExecutor(2) as pool:
        list(
            pool.map(
                lambda user: click(live_app, "chat_claim", str(waiting.id), user, f"c-{user}"),
                ["U0VA1", "U0VA2"],
            )
        )
    (claimed,) = wait_for(live_app, lambda r: r[0].assignee_id, "claimed")
    loser = "U0VA2" if claimed.assignee_id == "U0VA1" else "U0VA1"
    (told,) = replies(live_app, f"c-{loser}")
    assert told == f"<@{claimed.assignee_id}> has that client chat already."
    wait_dm(live_app, claimed.assignee_id, "You claimed")
    assert events(live_app, waiting.id).count("claimed") == 1


def test_a_va_cannot_resolve_anothers_chat_and_a_supervisor_can(live_app):
    clock.set_now(MONDAY_10_NY + "Z")
    client_says(live_app, MONDAY_10_NY)
    (chat,) = wait_for(live_app, lambda r: len(r) == 1 and r[0].assignee_id, "assigned")
    click(live_app, "chat_resolve", str(chat.id), "U0VA2", reply_to="not-yours")
    (refusal,) = replies(live_app, "not-yours")
    assert "Only the VA holding it (<@U0VA1>)" in refusal
    assert rows(live_app)[0].closed_at is None
    click(live_app, "chat_resolve", str(chat.id), "U0SUPER")
    wait_for(live_app, lambda r: r[0].closed_by == "U0SUPER", "resolved by the supervisor")


def test_an_asynchronous_request_gets_the_four_hour_target(live_app):
    clock.set_now(MONDAY_10_NY + "Z")
    client_says(live_app, MONDAY_10_NY, ts=ts_of(MONDAY_10_NY))
    (chat,) = wait_for(live_app, lambda r: len(r) == 1 and r[0].assignee_id, "assigned")
    click(live_app, "chat_async", str(chat.id), "U0VA1")
    (chat,) = wait_for(live_app, lambda r: r[0].asynchronous, "marked")
    assert chat.acknowledge_due.isoformat() == "2026-11-30T19:00:00+00:00"  # 14:00 in NY
    click(live_app, "chat_async", str(chat.id), "U0VA1", reply_to="twice")
    assert "already an asynchronous request" in replies(live_app, "twice")[0]


def _transfer(live_app, chat_id: int, to: str, user: str = "U0VA1"):
    payload = view_submission(
        "chat_transfer",
        {"to": {"type": "users_select", "selected_user": to}},
        {"conversation": chat_id},
        user=user,
    )
    return live_app.interact(payload)


def test_a_transfer_needs_the_contact_tagged_first(live_app):
    clock.set_now(MONDAY_10_NY + "Z")
    client_says(live_app, MONDAY_10_NY)
    (chat,) = wait_for(live_app, lambda r: len(r) == 1 and r[0].assignee_id, "assigned")
    status, body = _transfer(live_app, chat.id, "U0OWNER")
    assert status == 200 and "Tag the contact before a transfer" in body
    assert rows(live_app)[0].assignee_id == "U0VA1"
    with session_scope(live_app.engine) as session:
        row = session.get(Conversation, chat.id)
        row.tag = "Billing – Payment Question"
        session.add(row)
    status, body = _transfer(live_app, chat.id, "U0SUPER")
    assert "not an owner or a rostered VA" in body
    status, body = _transfer(live_app, chat.id, "U0OWNER")
    assert status == 200 and body == ""
    wait_for(live_app, lambda r: r[0].assignee_id == "U0OWNER", "transferred")
    wait_dm(live_app, "U0OWNER", "transferred to you")
    assert events(live_app, chat.id)[-1] == "transferred"


def test_roles_given_with_slash_role_count_for_transfers_and_new_chats(live_app):
    """/role made U0SUPER an owner and U0NEWVA a VA: a transfer to the new owner is taken,
    and a new client chat can go to the new VA, as to one listed in vadesk.toml."""
    for who, role in (("U0SUPER", "owner"), ("U0NEWVA", "va"), ("U0VA2", "supervisor")):
        reply = live_app.command("/role", f"<@{who}> {role}", user="U0OWNER")["text"]
        assert reply.startswith(f"<@{who}> is now")
    clock.set_now(MONDAY_10_NY + "Z")
    client_says(live_app, MONDAY_10_NY)
    (chat,) = wait_for(live_app, lambda r: len(r) == 1 and r[0].assignee_id, "assigned")
    with session_scope(live_app.engine) as session:
        row = session.get(Conversation, chat.id)
        row.tag = "Billing – Payment Question"
        session.add(row)
    status, body = _transfer(live_app, chat.id, "U0SUPER", user=chat.assignee_id)
    assert status == 200 and body == ""
    wait_for(live_app, lambda r: r[0].assignee_id == "U0SUPER", "transferred to the new owner")
    status, body = _transfer(live_app, chat.id, "U0VA2", user="U0SUPER")
    assert "<@U0VA2> is not an owner or a rostered VA" in body  # a supervisor now
    # U0VA1 holds one chat and U0NEWVA none: Globex's new chat goes to the new VA.
    client_says(
        live_app, MONDAY_10_NY, channel="C0ACME", user="U0CLIENT2", thread="1700000000.000900"
    )
    wait_for(live_app, lambda r: len(r) == 2 and r[1].assignee_id == "U0VA1", "second")
    client_says(live_app, MONDAY_10_NY, channel="C0GLOBEX", user="U0CLIENT3")
    found = wait_for(live_app, lambda r: len(r) == 3 and r[2].assignee_id, "third")
    assert found[2].assignee_id == "U0NEWVA"
    wait_dm(live_app, "U0NEWVA", "New client chat for you")


def _queue_post(live_app) -> dict:
    """Two chats queued overnight and the sweep's one post about them."""
    clock.set_now(MONDAY_03_NY + "Z")
    client_says(live_app, MONDAY_03_NY)
    client_says(live_app, MONDAY_03_NY, channel="C0GLOBEX", user="U0GLOBEX")
    wait_for(live_app, lambda r: len(r) == 2 and all(c.queued_at for c in r), "queued")
    Rig(live_app.settings, live_app.engine, live_app.fake).tick(MONDAY_03_NY + "Z", "sla-sweep")
    (post,) = [c for c in live_app.fake.calls("chat.postMessage") if c.params["channel"] == DIGEST]
    return post


def test_claim_on_the_queue_post_changes_only_that_chats_line(live_app):
    post = _queue_post(live_app)
    acme, globex = sorted(rows(live_app), key=lambda c: c.channel_id)
    blocks = (
        json.loads(post.params["blocks"])
        if isinstance(post.params["blocks"], str)
        else (post.params["blocks"])
    )
    assert json.dumps(blocks).count('"chat_claim"') == 2
    clock.set_now(MONDAY_10_NY + "Z")
    live_app.fake.clear()
    status, _ = live_app.interact(
        {
            "type": "block_actions",
            "user": {"id": "U0VA1", "team_id": "T0TEAM"},
            "container": {"type": "message", "channel_id": DIGEST, "message_ts": "1.2"},
            "channel": {"id": DIGEST},
            "message": {"ts": "1.2", "text": post.params["text"], "blocks": blocks},
            "actions": [
                {
                    "type": "button",
                    "action_id": "chat_claim",
                    "value": str(acme.id),
                    "block_id": "b",
                }
            ],
        }
    )
    assert status == 200
    (update,) = live_app.fake.wait_for("chat.update")
    shown = update.params["blocks"]
    shown = json.loads(shown) if isinstance(shown, str) else shown
    assert len(shown) == len(blocks)
    claims = [b["accessory"]["value"] for b in shown if b.get("accessory")]
    assert claims == [str(globex.id)]  # Globex's chat keeps its Claim
    (acme_line,) = [
        b["text"]["text"] for b in shown if "Acme Corp" in b.get("text", {}).get("text", "")
    ]
    assert "claimed by <@U0VA1>" in acme_line
    assert update.params["text"] == post.params["text"]
    wait_for(live_app, lambda r: acme.id in {c.id for c in r if c.assignee_id}, "claimed")
    with session_scope(live_app.engine) as session:  # what alerts quote, from the event
        assert chats.opening_texts(session, [acme.id]) == {acme.id: "Hello?"}


def test_a_chat_past_its_target_shows_as_late_on_the_vas_home(live_app):
    clock.set_now(MONDAY_10_NY + "Z")
    client_says(live_app, MONDAY_10_NY, ts=ts_of(MONDAY_10_NY))
    wait_for(live_app, lambda r: len(r) == 1 and r[0].assignee_id == "U0VA1", "assigned")
    clock.set_now("2026-11-30T15:20:00Z")  # 20 minutes later: the 15-minute target passed
    live_app.fake.clear()
    opened = {"type": "app_home_opened", "user": "U0VA1", "tab": "home", "channel": "D1"}
    assert live_app.post(event_body(opened, event_id="EvHome"))[0] == 200
    (home,) = live_app.fake.wait_for("views.publish")
    shown = json.dumps(home.params)
    assert "*late*: first response was due <!date^1796051700^" in shown
    assert "first response due" not in shown


def test_slack_connect_channels_count_external_members_as_clients(live_app):
    clock.set_now(MONDAY_10_NY + "Z")
    live_app.fake.shared_channels.add("C0SHARED")
    # A colleague outside the roster in the shared channel is no client.
    client_says(live_app, MONDAY_10_NY, channel="C0SHARED", user="U0COLLEAGUE")
    # In a channel that is not shared, an external poster is ignored too.
    client_says(live_app, MONDAY_10_NY, channel="C0PLAIN", user="U0EXT", user_team="T0OTHER")
    opened = client_says(
        live_app, MONDAY_10_NY, channel="C0SHARED", user="U0GUEST", user_team="T0OTHER"
    )
    (chat,) = wait_for(live_app, lambda r: len(r) == 1, "a Connect conversation")
    assert chat.opened_by == "U0GUEST" and chat.thread_ts == opened
    with session_scope(live_app.engine) as session:
        client = session.get(Client, chat.client_id)
    assert client.key == "connect-c0shared" and client.name == "#c0shared"
    client_says(live_app, MONDAY_10_NY, channel="C0SHARED", user="U0VA2", thread=opened)
    wait_for(live_app, lambda r: r[0].first_responder == "U0VA2", "answered")
    info = [c for c in live_app.fake.calls("conversations.info")]
    assert sorted(c.params["channel"] for c in info) == ["C0PLAIN", "C0SHARED"]
