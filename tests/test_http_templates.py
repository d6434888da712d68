"""`/template` through the real app: the list and help, an unknown name, the preview
filled from a client channel (the client person who wrote last, the VA's running task),
posting the edited text as the VA's reply (it stops the first-response clock), refusals
on the form, a channel that is no client's; the monthly review routine listing the stale
templates with Mark reviewed (owners only), updated in place. (A template with an unknown
placeholder stopping start-up is in test_cli.py.)"""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from bot import clock
from store.db import session_scope
from store.models import Conversation, TemplateReview
from tests.conftest import CONFIG_TOML, TEAM
from tests.fakeslack import event_body, slash_command_body
from tests.scheduling import Rig, posted_to, schedule_settings
from tests.slack_payloads import checklist_click, text_value, view_submission

TEMPLATES_TOML = """
[templates.welcome]
text = "Hi {contact}, this is {va} from the {client} team. I am on {task}, due {due}."
owner = "U0OWNER"
reviewed = 2026-10-20

[templates.followup]
text = "Hi {contact}, just following up on our last message."
owner = "U0SUPER"
reviewed = 2026-09-01

[templates.thanks]
text = "Thanks, {contact}!"
"""


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "vadesk.toml"
    path.write_text(CONFIG_TOML + TEMPLATES_TOML, encoding="utf-8")
    return path


def ts_of(text: str) -> str:
    return f"{datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp():.6f}"


def command(live_app, text: str, channel: str = "C0ACME", user: str = "U0VA1") -> dict:
    """`/template <text>` typed in a channel; what the app answered privately."""
    before = len(live_app.fake.calls("response_url"))
    name = f"template-{before}"
    body = slash_command_body(
        "/template",
        text,
        user_id=user,
        team_id=TEAM,
        channel_id=channel,
        response_url=live_app.fake.response_url(name),
    )
    assert live_app.post(body)[0] == 200
    return live_app.fake.wait_for("response_url", before + 1)[before].params


def preview(live_app, name: str, channel: str = "C0ACME", user: str = "U0VA1") -> dict:
    """Open the preview form of a template in a channel; the view opened."""
    before = len(live_app.fake.calls("views.open"))
    body = slash_command_body(
        "/template", name, user_id=user, team_id=TEAM, channel_id=channel, trigger_id="trig.1"
    )
    assert live_app.post(body)[0] == 200
    return live_app.fake.wait_for("views.open", before + 1)[before].json("view")


def initial_text(view: dict) -> str:
    (field,) = [b for b in view["blocks"] if b.get("block_id") == "text"]
    return field["element"]["initial_value"]


def notes(view: dict) -> str:
    return json.dumps([b for b in view["blocks"] if b["type"] == "context"])


def submit(live_app, view: dict, text: str, user: str = "U0VA1") -> tuple[int, str]:
    meta = json.loads(view["private_metadata"])
    return live_app.interact(
        view_submission("template_post", {"text": text_value(text)}, meta, user)
    )


def client_writes(live_app, at: str, user: str = "U0CLIENT", event_id: str = "Ev1") -> None:
    event = {
        "type": "message",
        "channel": "C0ACME",
        "channel_type": "channel",
        "user": user,
        "text": "Hello, any news on the invoice?",
        "ts": ts_of(at),
    }
    assert live_app.post(event_body(event, event_id=event_id))[0] == 200


def conversation(live_app, check=lambda c: True) -> Conversation:
    for _ in range(250):
        with session_scope(live_app.engine) as session:
            row = session.exec(select(Conversation)).first()
        if row is not None and check(row):
            return row
        time.sleep(0.02)
    raise AssertionError("no such conversation")


def posts_in(live_app, channel: str, wait_for: int = 0) -> list:
    """What was posted in a channel; waits until there are `wait_for` posts."""
    deadline = time.monotonic() + 5
    while True:
        calls = live_app.fake.calls("chat.postMessage")
        found = [c for c in calls if c.params["channel"] == channel]
        if len(found) >= wait_for or time.monotonic() > deadline:
            return found
        time.sleep(0.02)


def dm_saying(live_app, user: str, needle: str) -> str:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        for call in posts_in(live_app, user):
            if needle in call.params["text"]:
                return call.params["text"]
        time.sleep(0.02)
    raise AssertionError(f"no DM to {user} saying {needle!r}")


# -- the list, help and an unknown name --------------------------------------------------


def test_the_list_shows_each_template_with_its_text_owner_and_last_review(live_app):
    clock.set_now("2026-11-02T15:00:00Z")
    answer = command(live_app, "")
    shown = json.dumps(answer["blocks"])
    assert answer["text"] == "Approved templates: welcome, followup, thanks"
    assert "*welcome* \\u00b7 owner <@U0OWNER> \\u00b7 last reviewed Tue 2026-10-20" in shown
    assert "> Hi {contact}, this is {va} from the {client} team." in shown
    assert "*followup* \\u00b7 owner <@U0SUPER> \\u00b7 last reviewed Tue 2026-09-01" in shown
    assert "*thanks* \\u00b7 no owner \\u00b7 never reviewed" in shown
    # 13 days is recent; 62 days and never are due for review.
    assert "2026-10-20 \\u00b7 _due" not in shown
    assert "2026-09-01 \\u00b7 _due for review_" in shown
    assert "never reviewed \\u00b7 _due for review_" in shown
    assert command(live_app, "list")["text"] == answer["text"]


def test_help_shows_the_grammar(live_app):
    text = command(live_app, "help")["text"]
    assert "/template &lt;name&gt;" in text and "/template reviewed &lt;name&gt;" in text
    assert "{contact}" in text and "first-response clock" in text


def test_an_unknown_name_is_answered_with_the_valid_ones(live_app):
    text = command(live_app, "welcom")["text"]
    assert text == (
        "There is no template 'welcom'. Approved templates: `welcome`, `followup`, `thanks`."
    )
    assert live_app.fake.calls("views.open") == []


@pytest.mark.parametrize(
    ("text", "user", "answer"),
    [
        ("reviewed", "U0OWNER", "Name a template. Approved templates: `welcome`,"),
        ("<!channel> \0 😀", "U0VA1", "There is no template '&lt;!channel&gt;'."),
        ("9" * 4400, "U0VA2", "There is no template '99999"),
        ("reviewed <@U0VA1>", "U0OWNER", "There is no template '&lt;@U0VA1&gt;'."),
        ("WELCOME please", "U0VA1", None),  # a name in any case opens its preview
    ],
)
def test_odd_input_gets_a_sentence_or_the_form(live_app, text, user, answer):
    if answer is None:
        assert preview(live_app, text, user=user)["callback_id"] == "template_post"
        return
    reply = command(live_app, text, user=user)["text"]
    assert reply.startswith(answer) and "went wrong" not in reply


# -- preview and post --------------------------------------------------------------------


def test_the_preview_fills_the_placeholders_from_the_channel(live_app):
    clock.set_now("2026-11-30T15:10:00Z")
    live_app.fake.add_user("U0VA1", real_name="Maria Santos")
    live_app.fake.add_user("U0CLIENT", real_name="Jane Doe")
    live_app.fake.add_user("U0CLIENT2", real_name="Bob Stone")
    client_writes(live_app, "2026-11-30T15:00:00")
    client_writes(live_app, "2026-11-30T15:02:00", user="U0CLIENT2", event_id="Ev2")
    conversation(live_app, lambda c: c.last_client_id == "U0CLIENT2")
    live_app.command("/task", "add Send the invoice <#C0ACME|acme> due 2026-12-04")
    live_app.command("/task", "add Book the venue <#C0ACME|acme>")
    live_app.command("/task", "add Globex report <#C0GLOBEX|globex>")
    # No timer: the newest open Acme task assigned to the VA (T-2, no due date).
    view = preview(live_app, "welcome")
    assert view["callback_id"] == "template_post"
    assert json.loads(view["private_metadata"]) == {"template": "welcome", "channel": "C0ACME"}
    assert initial_text(view) == (
        "Hi Bob, this is Maria from the Acme Corp team. I am on Book the venue, due {due}."
    )
    assert "`{due}` is left for you to write: T-2 has no due date." in notes(view)
    assert "counts as your reply to Acme Corp" in notes(view)
    # A timer on an Acme task makes it the task; a timer on another client's does not.
    live_app.command("/timer", "start T-1")
    view = preview(live_app, "welcome")
    assert initial_text(view).endswith("I am on Send the invoice, due Friday, December 4.")
    assert "T-1" not in initial_text(view)  # the client sees the title, not the internal id
    assert "left for you" not in notes(view)
    live_app.command("/timer", "start T-3")
    assert "on Book the venue" in initial_text(preview(live_app, "welcome"))


def test_posting_counts_as_the_vas_reply_and_posts_the_edited_text(live_app):
    clock.set_now("2026-11-30T15:05:00Z")
    live_app.fake.add_user("U0CLIENT", real_name="Jane Doe")
    client_writes(live_app, "2026-11-30T15:00:00")  # Monday 10:00 in New York
    conversation(live_app)
    view = preview(live_app, "thanks")
    assert initial_text(view) == "Thanks, Jane!"
    posted_ts = ts_of("2026-11-30T15:06:00")
    live_app.fake.set_response(
        "chat.postMessage",
        lambda call: {"ok": True, "channel": call.params["channel"], "ts": posted_ts},
    )
    status, body = submit(live_app, view, "Thanks, Jane! The invoice is fixed <!channel> & sent.")
    assert status == 200 and body == ""
    (post,) = posts_in(live_app, "C0ACME", wait_for=1)
    assert post.params["text"] == "Thanks, Jane! The invoice is fixed &lt;!channel&gt; &amp; sent."
    assert "Sent for <@U0VA1>" in json.dumps(post.json("blocks"))
    row = conversation(live_app, lambda c: c.first_response_at is not None)
    assert row.first_responder == "U0VA1"
    assert row.first_response_at == datetime(2026, 11, 30, 15, 6, tzinfo=UTC)
    assert row.response_minutes == 6.0
    dm = dm_saying(live_app, "U0VA1", "Posted *thanks*")
    assert "counts as your reply to Acme Corp and stopped the first-response clock" in dm


def test_empty_text_and_unwritten_placeholders_are_refused_on_the_form(live_app):
    view = preview(live_app, "thanks")
    assert initial_text(view) == "Thanks, {contact}!"
    assert "`{contact}` is left for you to write: nobody from Acme Corp has written" in notes(view)
    status, body = submit(live_app, view, "   ")
    assert status == 200
    assert json.loads(body)["errors"] == {
        "text": "Write the message: an empty one cannot be posted."
    }
    status, body = submit(live_app, view, "Thanks, {contact}!")
    assert json.loads(body)["errors"] == {"text": "Write in {contact} before posting."}
    time.sleep(0.2)
    assert posts_in(live_app, "C0ACME") == []


def test_outside_a_client_channel_the_post_does_not_count_as_a_reply(live_app):
    client_writes(live_app, "2026-11-30T15:00:00")
    conversation(live_app)
    view = preview(live_app, "welcome", channel="C0GEN")
    assert initial_text(view).startswith("Hi {contact}, this is User from the {client} team.")
    shown = notes(view)
    assert "`{client}` is left for you to write: this is not a client channel." in shown
    assert "will not count as a client reply: this is not a client channel" in shown
    assert submit(live_app, view, "Hi all, this is Maria.")[0] == 200
    dm = dm_saying(live_app, "U0VA1", "Posted *welcome*")
    assert "does not count as a client reply: this is not a client channel" in dm
    (post,) = posts_in(live_app, "C0GEN", wait_for=1)
    assert post.params["text"] == "Hi all, this is Maria."
    assert conversation(live_app).first_response_at is None


def test_a_post_slack_refuses_is_said_and_stops_nothing(live_app):
    client_writes(live_app, "2026-11-30T15:00:00")
    conversation(live_app)
    view = preview(live_app, "thanks")
    live_app.fake.fail_next("chat.postMessage", error="not_in_channel")
    assert submit(live_app, view, "Thanks!")[0] == 200
    dm = dm_saying(live_app, "U0VA1", "Slack refused")
    assert "(not_in_channel); nothing was posted. Invite VA Desk to the channel first." in dm
    assert conversation(live_app).first_response_at is None


# -- marking reviewed --------------------------------------------------------------------


def test_only_an_owner_marks_a_template_reviewed_by_command(live_app):
    clock.set_now("2026-11-02T15:00:00Z")
    refusal = command(live_app, "reviewed followup", user="U0SUPER")["text"]
    assert refusal.startswith("Only an owner marks a template reviewed; *followup* is unchanged.")
    done = command(live_app, "reviewed followup", user="U0OWNER")["text"]
    assert done.startswith("Marked *followup* reviewed on Mon 2026-11-02")
    again = command(live_app, "reviewed followup", user="U0OWNER")["text"]
    assert again == "*followup* was already marked reviewed today by <@U0OWNER>."
    assert (
        "There is no template 'nope'" in command(live_app, "reviewed nope", user="U0OWNER")["text"]
    )
    shown = json.dumps(command(live_app, "list")["blocks"])
    assert (
        "*followup* \\u00b7 owner <@U0SUPER> \\u00b7 last reviewed Mon 2026-11-02 by <@U0OWNER>"
        in shown
    )
    with session_scope(live_app.engine) as session:
        (review,) = session.exec(select(TemplateReview)).all()
    assert (review.name, review.reviewed_on, review.reviewed_by) == (
        "followup",
        date(2026, 11, 2),
        "U0OWNER",
    )


def _review_message(rig: Rig, at: str) -> dict:
    """Post the template review routine at `at`; the message U0VA1 got."""
    assert ("routine:template-review", "U0VA1") in posted_to(
        rig.tick(at, only="routine:template-review")
    )
    title = "Monthly template library review"
    return [p for p in rig.posts("U0VA1") if p.params["text"].startswith(title)][-1]


def _listed(blocks: list) -> dict[str, dict]:
    return {
        b["accessory"]["value"]: b
        for b in blocks
        if b.get("block_id", "").startswith("template_review:") and "accessory" in b
    }


def _press(live_app, post, block: dict, user: str, name: str) -> None:
    answer = post.json("message") or {}
    payload = {
        "type": "block_actions",
        "user": {"id": user, "team_id": TEAM},
        "container": {"type": "message", "message_ts": answer.get("ts"), "channel_id": "DU0VA1"},
        "channel": {"id": "DU0VA1"},
        "response_url": live_app.fake.response_url(name),
        "actions": [
            {
                "type": "button",
                "action_id": "template_reviewed",
                "block_id": block["block_id"],
                "value": block["accessory"]["value"],
                "action_ts": "1700000000.3",
            }
        ],
    }
    assert live_app.interact(payload)[0] == 200


def test_the_monthly_review_lists_stale_templates_and_an_owner_marks_them(live_app):
    rig = Rig(live_app.settings, live_app.engine, live_app.fake)
    # Monday 2 November, the first working day: welcome was reviewed 13 days ago.
    post = _review_message(rig, "2026-11-02T15:05:00Z")
    blocks = post.json("blocks")
    assert set(_listed(blocks)) == {"followup", "thanks"}
    assert "last reviewed Tue 2026-09-01" in json.dumps(_listed(blocks)["followup"])
    assert "never reviewed" in json.dumps(_listed(blocks)["thanks"])
    (checklist,) = [b for b in blocks if b["type"] == "actions"]
    assert checklist["block_id"].startswith("routine:")
    # A VA (or a supervisor) cannot mark it: told privately, nothing stored.
    clock.set_now("2026-11-02T16:00:00Z")
    _press(live_app, post, _listed(blocks)["followup"], "U0VA1", "va-press")
    (refusal,) = live_app.fake.wait_for("response_url")
    assert refusal.params["text"].startswith("Only an owner marks a template reviewed")
    assert refusal.params["response_type"] == "ephemeral"
    with session_scope(live_app.engine) as session:
        assert session.exec(select(TemplateReview)).all() == []
    # The owner marks it: stored, and the message shows it reviewed, without its button.
    _press(live_app, post, _listed(blocks)["followup"], "U0OWNER", "owner-press")
    (update,) = live_app.fake.wait_for("chat.update")
    shown = update.json("blocks")
    assert set(_listed(shown)) == {"thanks"}
    reviewed = ":white_check_mark: *followup* \\u00b7 reviewed Mon 2026-11-02 by <@U0OWNER>"
    assert reviewed in json.dumps(shown)
    # Ticking the checklist keeps the list as it stands.
    live_app.interact(checklist_click(checklist["block_id"], [0], ts=update.params["ts"]))
    ticked = live_app.fake.wait_for("chat.update", 2)[1]
    assert "1 of 2 done" in ticked.params["text"]
    assert set(_listed(ticked.json("blocks"))) == {"thanks"}
    assert "reviewed Mon 2026-11-02 by <@U0OWNER>" in json.dumps(ticked.json("blocks"))
    # December: followup was reviewed 29 days ago and is left out; welcome is now due.
    december = _review_message(rig, "2026-12-01T15:05:00Z")
    assert set(_listed(december.json("blocks"))) == {"welcome", "thanks"}


def test_with_every_template_reviewed_the_routine_says_so(live_app):
    rig = Rig(live_app.settings, live_app.engine, live_app.fake)
    clock.set_now("2026-10-30T15:00:00Z")
    for name in ("followup", "thanks"):
        assert command(live_app, f"reviewed {name}", user="U0OWNER")["text"].startswith("Marked")
    post = _review_message(rig, "2026-11-02T15:05:00Z")
    assert _listed(post.json("blocks")) == {}
    assert "every template was reviewed in the last 30 days" in json.dumps(post.json("blocks"))


def test_without_templates_the_routine_says_so_and_keeps_its_checklist(
    tmp_path, engine, database_url, fake_slack
):
    rig = Rig(schedule_settings(tmp_path, database_url, fake_slack), engine, fake_slack)
    post = _review_message(rig, "2026-11-02T15:05:00Z")
    blocks = post.json("blocks")
    assert "no approved templates yet" in json.dumps(blocks)
    (checklist,) = [b for b in blocks if b["type"] == "actions"]
    assert [o["value"] for o in checklist["elements"][0]["options"]] == ["0", "1"]


# -- start-up ----------------------------------------------------------------------------
