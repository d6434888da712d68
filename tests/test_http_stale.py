"""Stale contacts through the real app: the digest's list and the monthly `cold-leads`
checklist's, each contact with **Archive**, **Re-engage** and **Snooze 30 days**; a click
redraws the message with what happened to that contact (the others unchanged); a
refusal is told to the presser alone; two presses at once do it once; `/contact restore`
undoes an archive; and nothing is ever archived without a click."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select

from bot import clock
from bot.services import contacts, stale
from bot.services.contacts import NewContact
from bot.services.people import resolve_actor
from store.db import session_scope
from store.models import Contact, ContactEvent, Task
from tests.conftest import CONFIG_TOML, TEAM
from tests.scheduling import Rig
from tests.slack_payloads import checklist_click

DIGEST_AT = "2026-11-30T21:35:00Z"  # Monday, just after the workday-end digest
COLD_LEADS_AT = "2026-12-01T16:05:00Z"  # Tuesday 1 December, 11:05 in New York
EXTRA_TOML = """
[channels]
digest = "C0DIGEST"

[templates.re-engagement]
text = "Hi {contact}, it has been a while: shall we pick up where we left off?"
"""


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "vadesk.toml"
    path.write_text(CONFIG_TOML + EXTRA_TOML, encoding="utf-8")
    return path


def add(live_app, name: str, days: float, owner: str | None = None) -> int:
    """A contact last touched `days` before the digest."""
    touched = datetime.fromisoformat(DIGEST_AT) - timedelta(days=days)
    pinned = clock.now()
    clock.set_now(touched)
    with session_scope(live_app.engine) as session:
        actor = resolve_actor(session, live_app.settings, TEAM, "U0SUPER", lambda _u: {})
        contact = contacts.create_contact(
            session, live_app.settings, actor, NewContact(name=name, owner_id=owner)
        )
    clock.set_now(pinned)
    return contact.id


def contact(live_app, contact_id: int) -> Contact:
    with session_scope(live_app.engine) as session:
        return session.get_one(Contact, contact_id)


def events(live_app, kind: str) -> list[ContactEvent]:
    with session_scope(live_app.engine) as session:
        return list(session.exec(select(ContactEvent).where(ContactEvent.kind == kind)))


def digest_post(live_app):
    rig = Rig(live_app.settings, live_app.engine, live_app.fake)
    rig.tick(DIGEST_AT, only="daily-digest")
    (post,) = rig.posts("C0DIGEST")
    return post


def stale_rows(blocks: list) -> dict[str, dict]:
    """The rows of the stale list by contact id: each row's text, and its buttons."""
    rows: dict[str, dict] = {}
    for block in blocks:
        parts = block.get("block_id", "").split(":")
        if parts[0] != "stale" or len(parts) != 4:
            continue
        row = rows.setdefault(parts[3], {})
        if parts[2] == "row":
            row["text"] = block["text"]["text"]
        else:
            row["buttons"] = {e["action_id"]: e["value"] for e in block["elements"]}
            row["block_id"] = block["block_id"]
    return rows


def press(live_app, message: dict, action_id: str, contact_id: int, user: str, name: str):
    """Press a stale list's button on a message as Slack sends it (with the message)."""
    row = stale_rows(message["blocks"])[str(contact_id)]
    payload = {
        "type": "block_actions",
        "user": {"id": user, "team_id": TEAM},
        "container": {
            "type": "message",
            "message_ts": message["ts"],
            "channel_id": message["channel"],
        },
        "channel": {"id": message["channel"]},
        "message": {"ts": message["ts"], "text": message["text"], "blocks": message["blocks"]},
        "response_url": live_app.fake.response_url(name),
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": row["block_id"],
                "value": row["buttons"][action_id],
                "action_ts": "1700000000.4",
            }
        ],
    }
    assert live_app.interact(payload)[0] == 200


def as_message(call) -> dict:
    """A post or an update as the message Slack holds."""
    return {
        "channel": call.response["channel"],
        "ts": call.response["ts"],
        "text": call.params["text"],
        "blocks": call.json("blocks"),
    }


def updated(live_app, count: int = 1) -> dict:
    return as_message(live_app.fake.wait_for("chat.update", count)[count - 1])


def test_the_digest_lists_stale_contacts_and_archive_redraws_only_that_one(live_app):
    old = add(live_app, "Olga Old", 30, owner="U0VA1")
    mid = add(live_app, "Mike <Mid>", 20, owner="U0VA2")
    add(live_app, "Fresh Fay", 3)
    snoozed = add(live_app, "Sam Snoozed", 25)
    archived = add(live_app, "Archie Archived", 40)
    clock.set_now("2026-11-30T15:00:00Z")
    with session_scope(live_app.engine) as session:
        actor = resolve_actor(session, live_app.settings, TEAM, "U0SUPER", lambda _u: {})
        stale.snooze_contact(session, actor, snoozed)
        stale.archive_contact(session, actor, archived)
    post = digest_post(live_app)
    message = as_message(post)
    rows = stale_rows(message["blocks"])
    assert set(rows) == {str(old), str(mid)}
    assert rows[str(old)]["text"] == ("*Olga Old* · Lead · 30 days since the last touch · <@U0VA1>")
    assert rows[str(mid)]["text"].startswith("*Mike &lt;Mid&gt;* · Lead · 20 days")
    assert rows[str(old)]["buttons"] == {
        "stale_archive": str(old),
        "stale_reengage": str(old),
        "stale_snooze": str(old),
    }
    assert "*Stale contacts*: 2 contacts with no touch" in json.dumps(message["blocks"])
    assert "Stale contacts: 2 (`/pipeline`)" in message["text"]
    # A supervisor archives Olga: the digest shows it, everything else as posted.
    clock.set_now("2026-11-30T22:00:00Z")
    press(live_app, message, "stale_archive", old, "U0SUPER", "archive")
    after = updated(live_app)
    assert after["ts"] == message["ts"] and after["text"] == message["text"]
    rows_after = stale_rows(after["blocks"])
    when = f"<!date^{int(clock.now().timestamp())}^{{date_short_pretty}} {{time}}"
    assert rows_after[str(old)] == {
        "text": f"*Olga Old* · Lead · :file_cabinet: Archived by <@U0SUPER> {when}"
        "|2026-11-30 22:00 UTC>"
    }
    assert rows_after[str(mid)] == rows[str(mid)]
    outside = [b for b in message["blocks"] if not b.get("block_id", "").startswith("stale:")]
    assert [b for b in after["blocks"] if not b.get("block_id", "").startswith("stale:")] == (
        outside
    )
    row = contact(live_app, old)
    assert (row.archived_at, row.archived_by) == (clock.now(), "U0SUPER")
    (event,) = [e for e in events(live_app, "archived") if e.contact_id == old]
    assert (event.channel_id, event.message_ts) == ("C0DIGEST", message["ts"])
    # A second press (the old message, before Slack showed the update) says so, once.
    press(live_app, message, "stale_archive", old, "U0OWNER", "again")
    (refusal,) = live_app.fake.wait_for("response_url")
    assert refusal.params["response_type"] == "ephemeral"
    assert refusal.params["text"].startswith("Olga Old was archived already, by <@U0SUPER>")
    assert len([e for e in events(live_app, "archived") if e.contact_id == old]) == 1


def test_a_va_archiving_another_vas_contact_is_told_privately_and_nothing_changes(live_app):
    theirs = add(live_app, "Mike Mid", 20, owner="U0VA2")
    message = as_message(digest_post(live_app))
    press(live_app, message, "stale_archive", theirs, "U0VA1", "va1")
    (refusal,) = live_app.fake.wait_for("response_url")
    assert refusal.params["response_type"] == "ephemeral"
    assert refusal.params["text"].startswith("Mike Mid is <@U0VA2>'s contact; only its owner")
    assert contact(live_app, theirs).archived_at is None
    assert events(live_app, "archived") == []
    # The list is drawn again as it stands: still there, with its buttons.
    assert stale_rows(updated(live_app)["blocks"]) == stale_rows(message["blocks"])


def test_reengage_makes_one_task_for_the_owner_and_snooze_holds_a_contact_30_days(live_app):
    mid = add(live_app, "Mike Mid", 20, owner="U0VA2")
    old = add(live_app, "Olga Old", 30)
    message = as_message(digest_post(live_app))
    clock.set_now("2026-11-30T22:00:00Z")
    press(live_app, message, "stale_reengage", mid, "U0SUPER", "reengage")
    after = updated(live_app)
    assert "Re-engaged by <@U0SUPER>" in stale_rows(after["blocks"])[str(mid)]["text"]
    assert stale_rows(after["blocks"])[str(mid)]["text"].endswith("*T-1* for <@U0VA2>")
    with session_scope(live_app.engine) as session:
        (task,) = session.exec(select(Task)).all()
    assert task.title == (
        "Re-engage Mike Mid: Hi Mike, it has been a while: shall we pick up where we left off?"
    )
    assert (task.assignee_id, task.contact_id) == ("U0VA2", mid)
    assert contact(live_app, mid).last_touch_at == clock.now()
    # Pressed again while T-1 is open: told so, no second task.
    press(live_app, after, "stale_reengage", old, "U0SUPER", "other")  # another contact: fine
    press(live_app, message, "stale_reengage", mid, "U0VA2", "twice")
    (refusal,) = live_app.fake.wait_for("response_url")
    assert refusal.params["text"] == (
        "Mike Mid is being re-engaged already: *T-1* for <@U0VA2> is still open."
    )
    with session_scope(live_app.engine) as session:
        numbers = sorted(t.number for t in session.exec(select(Task)))
        unowned = session.exec(select(Task).where(Task.contact_id == old)).one()
    assert numbers == [1, 2] and unowned.assignee_id == "U0SUPER"  # nobody owns Olga


def test_snooze_keeps_a_contact_off_the_lists_for_30_days(live_app):
    old = add(live_app, "Olga Old", 30, owner="U0VA1")
    message = as_message(digest_post(live_app))
    clock.set_now("2026-11-30T22:00:00Z")
    press(live_app, message, "stale_snooze", old, "U0VA1", "snooze")
    text = stale_rows(updated(live_app)["blocks"])[str(old)]["text"]
    assert ":zzz: Snoozed 30 days by <@U0VA1>" in text and "2026-12-30 22:00 UTC" in text
    assert contact(live_app, old).snoozed_until == clock.now() + timedelta(days=30)
    with session_scope(live_app.engine) as session:
        now = clock.now()
        assert stale.stale_count(session, live_app.settings, TEAM, now) == 0
        later = now + timedelta(days=30)
        assert stale.stale_count(session, live_app.settings, TEAM, later) == 1


def test_the_digest_lists_five_and_points_to_pipeline_for_the_rest(live_app):
    for n in range(7):
        add(live_app, f"Lead {n}", 40 - n)
    blocks = digest_post(live_app).json("blocks")
    assert len(stale_rows(blocks)) == 5
    assert "… and 2 more: `/pipeline` lists each stage" in json.dumps(blocks, ensure_ascii=False)


def cold_leads_posts(live_app) -> dict[str, dict]:
    rig = Rig(live_app.settings, live_app.engine, live_app.fake)
    rig.tick(COLD_LEADS_AT, only="routine:cold-leads")
    found = {}
    for user in ("U0VA1", "U0VA2"):
        (post,) = [p for p in rig.posts(user) if p.params["text"].startswith("Cold-lead archive")]
        found[user] = as_message(post)
    return found


def test_the_cold_leads_checklist_lists_a_vas_own_and_unowned_with_the_buttons(live_app):
    mine = add(live_app, "Mine Old", 30, owner="U0VA1")
    theirs = add(live_app, "Theirs Old", 31, owner="U0VA2")
    nobodys = add(live_app, "Nobody Old", 32)
    posts = cold_leads_posts(live_app)
    first = posts["U0VA1"]
    assert set(stale_rows(first["blocks"])) == {str(mine), str(nobodys)}
    assert set(stale_rows(posts["U0VA2"]["blocks"])) == {str(theirs), str(nobodys)}
    assert "*Stale contacts you own or nobody owns*: 2 contacts" in json.dumps(first["blocks"])
    (checklist,) = [b for b in first["blocks"] if b.get("block_id", "").startswith("routine:")]
    clock.set_now("2026-12-01T16:30:00Z")
    press(live_app, first, "stale_archive", mine, "U0VA1", "archive")
    after = updated(live_app)
    assert after["ts"] == first["ts"] and after["channel"] == "DU0VA1"
    rows = stale_rows(after["blocks"])
    assert "Archived by <@U0VA1>" in rows[str(mine)]["text"] and "buttons" not in rows[str(mine)]
    assert rows[str(nobodys)] == stale_rows(first["blocks"])[str(nobodys)]
    # Ticking the checklist keeps the list with what was done.
    live_app.interact(checklist_click(checklist["block_id"], [0], ts=first["ts"]))
    ticked = updated(live_app, 2)
    assert "1 of 2 done" in ticked["text"]
    assert stale_rows(ticked["blocks"]) == rows
    # The other VA's list, pressed by them on a contact nobody owns, snoozes it.
    press(live_app, posts["U0VA2"], "stale_snooze", nobodys, "U0VA2", "snooze")
    assert "Snoozed 30 days by <@U0VA2>" in json.dumps(updated(live_app, 3)["blocks"])


def test_with_nothing_stale_the_checklist_says_so(live_app):
    add(live_app, "Fresh Fay", 3)
    blocks = cold_leads_posts(live_app)["U0VA1"]["blocks"]
    assert stale_rows(blocks) == {}
    assert "every contact was touched in time" in json.dumps(blocks, ensure_ascii=False)


def test_no_contact_is_ever_archived_without_a_click(live_app):
    """Three months of digests, the monthly checklists and the whole scheduler now and
    then: the cold contact is listed every time and never archived."""
    cold = add(live_app, "Cold Carl", 30, owner="U0VA1")
    rig = Rig(live_app.settings, live_app.engine, live_app.fake)
    start = datetime(2026, 11, 30, 21, 35, tzinfo=UTC)
    for day in range(0, 92, 2):
        rig.tick((start + timedelta(days=day)).isoformat(), only="daily-digest")
    for month in ("2026-12-01", "2027-01-01", "2027-02-01"):
        rig.tick(f"{month}T16:05:00Z", only="routine:cold-leads")
    for at in ("2027-02-01T16:10:00Z", "2027-03-01T16:10:00Z"):
        rig.tick(at)  # every job
    assert contact(live_app, cold).archived_at is None
    assert events(live_app, "archived") == []
    listing = [
        p
        for p in rig.posts()
        if any(b.get("block_id", "").endswith(f":do:{cold}") for b in p.json("blocks") or [])
    ]
    checklists = [p.params["channel"] for p in listing if p.params["text"].startswith("Cold")]
    assert len(listing) >= 30 and checklists == ["U0VA1"] * 4
    with session_scope(live_app.engine) as session:
        archived = session.exec(select(Contact).where(col(Contact.archived_at).is_not(None)))
        assert archived.all() == []


def test_contact_restore_brings_an_archived_contact_back_for_whoever_may_change_it(live_app):
    old = add(live_app, "Olga Old", 30, owner="U0VA1")
    message = as_message(digest_post(live_app))
    press(live_app, message, "stale_archive", old, "U0SUPER", "archive")
    live_app.fake.wait_for("chat.update")
    card = live_app.command("/contact", "Olga Old", user="U0VA1")
    assert "by <@U0SUPER>; `/contact restore Olga Old` brings it back" in json.dumps(card["blocks"])
    refused = live_app.command("/contact", "restore olga old", user="U0VA2")["text"]
    assert refused.startswith("Olga Old is <@U0VA1>'s contact; only its owner")
    assert contact(live_app, old).archived_at is not None
    done = live_app.command("/contact", "restore olga old", user="U0VA1")
    assert "Restored *Olga Old* to *Lead*: it is in the pipeline again" in json.dumps(
        done["blocks"]
    )
    assert (contact(live_app, old).archived_at, contact(live_app, old).archived_by) == (None, None)
    assert [e.actor_id for e in events(live_app, "restored")] == ["U0VA1"]
    again = live_app.command("/contact", "restore Olga Old", user="U0VA1")["text"]
    assert again == "Olga Old is not archived; nothing to restore."
    nobody = live_app.command("/contact", "restore", user="U0VA1")["text"]
    assert nobody == "Name the contact to restore, e.g. `/contact restore Bob Jones`."
    # Back on the stale lists: it was not touched.
    with session_scope(live_app.engine) as session:
        assert stale.stale_count(session, live_app.settings, TEAM, clock.now()) == 1


def test_an_archived_contact_cannot_be_snoozed_or_reengaged_and_is_told_how_to_restore(live_app):
    old = add(live_app, "Olga Old", 30, owner="U0VA1")
    message = as_message(digest_post(live_app))
    press(live_app, message, "stale_archive", old, "U0VA1", "archive")
    live_app.fake.wait_for("chat.update")
    press(live_app, message, "stale_reengage", old, "U0VA1", "reengage")
    (refusal,) = live_app.fake.wait_for("response_url")
    assert refusal.params["text"].startswith("Olga Old is archived (by <@U0VA1>")
    assert refusal.params["text"].endswith(
        "so it cannot be re-engaged; `/contact restore Olga Old` brings it back."
    )
    with session_scope(live_app.engine) as session:
        assert session.exec(select(Task)).all() == []


def test_two_presses_at_once_make_one_task_and_one_archive(live_app):
    """A double click (or two people) at the same moment: the contact's row is held by the
    first, so the second sees what it did and is told so."""
    from concurrent.futures import ThreadPoolExecutor

    first = add(live_app, "Olga Old", 30, owner="U0VA1")
    second = add(live_app, "Mike Mid", 25, owner="U0VA1")
    message = as_message(digest_post(live_app))
    clock.set_now("2026-11-30T22:00:00Z")
    presses = [
        ("stale_reengage", first, "U0VA1", "r1"),
        ("stale_reengage", first, "U0SUPER", "r2"),
        ("stale_archive", second, "U0VA1", "a1"),
        ("stale_archive", second, "U0OWNER", "a2"),
    ]
    with ThreadPoolExecutor(max_workers=len(presses)) as pool:
        list(pool.map(lambda p: press(live_app, message, *p), presses))
    refusals = [c.params["text"] for c in live_app.fake.wait_for("response_url", 2)]
    assert sorted(text.split(",")[0].split(":")[0] for text in refusals) == [
        "Mike Mid was archived already",
        "Olga Old is being re-engaged already",
    ]
    with session_scope(live_app.engine) as session:
        assert len(session.exec(select(Task)).all()) == 1
    assert len(events(live_app, "reengaged")) == 1 and len(events(live_app, "archived")) == 1
