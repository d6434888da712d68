"""Text at the longest the forms accept, full of markup, through the real app: every
message, modal and App Home VA Desk sends fits Slack's limits (so Slack never answers
`invalid_blocks`), nothing a person typed reaches Slack as live markup, the whole text
stays one click away, and a post Slack refuses anyway is said truthfully and sent later.

`assert_fits` checks what Slack documents: section text 3,000 characters, each field
2,000, a header 150, a context element 3,000 (at most 10 elements), a button or option
75, a modal title 24, 50 blocks in a message and 100 in a view; and what it does not
document but refuses (`msg_blocks_too_long`): a message whose blocks add up to about
13,000 characters."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from sqlmodel import select

from bot import clock
from bot.services.delegation import TITLE_LIMIT
from bot.services.escalations import TAG_LIMIT
from bot.services.text import NOTES_LIMIT, escape
from store.db import session_scope
from store.models import Assignment, Escalation
from tests.conftest import CONFIG_TOML
from tests.scheduling import Rig, posted_to
from tests.slack_payloads import block_action, text_value, view_submission

ESCALATIONS = "C0ESCAL"
MARKUP = "<b>R&D</b> & <@U1> <!channel> *x* "
LIVE_MARKUP = ("<b>", "</b>", "<@U1>", "<!channel>")
MESSAGE_TEXT_BUDGET = 13_000  # about where Slack starts answering msg_blocks_too_long
LIMITS = {"section": 3000, "field": 2000, "header": 150, "context": 3000, "button": 75}


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "vadesk.toml"
    path.write_text(CONFIG_TOML + f'\n[channels]\nescalations = "{ESCALATIONS}"\n', "utf-8")
    return path


def markup(length: int) -> str:
    """`length` characters of text that is markup if shown unescaped (`&` grows 5x)."""
    return (MARKUP * (length // len(MARKUP) + 1))[:length].strip()


def long_plain(length: int, word: str = "word") -> str:
    return ((word + " ") * (length // (len(word) + 1) + 1))[:length].strip()


def _text(obj: dict | None) -> str:
    return (obj or {}).get("text", "") if isinstance(obj, dict) else ""


def _check_text(where: str, obj: dict | None, limit: int, texts: list[str]) -> None:
    if not isinstance(obj, dict):
        return
    text = obj.get("text", "")
    assert 0 < len(text) <= limit, f"{where}: {len(text)} characters (limit {limit})"
    texts.append(text)
    if obj.get("type") == "mrkdwn":
        for live in LIVE_MARKUP:
            assert live not in text, f"{where}: {live} reaches Slack unescaped"


def _check_element(where: str, element: dict, texts: list[str]) -> None:
    if element.get("type") == "button":
        _check_text(f"{where} button", element.get("text"), LIMITS["button"], texts)
    for option in element.get("options") or []:
        _check_text(f"{where} option", option.get("text"), 75, texts)
    initial = element.get("initial_value")
    if initial is not None:
        assert len(initial) <= element.get("max_length", 3000), f"{where}: initial value"


def assert_fits(blocks: list[dict], surface: str = "message") -> int:
    """Every block within Slack's limits; the characters of text the blocks hold."""
    most = 50 if surface == "message" else 100
    assert len(blocks) <= most, f"{surface}: {len(blocks)} blocks (limit {most})"
    texts: list[str] = []
    for index, block in enumerate(blocks):
        kind, where = block["type"], f"{surface} block {index} ({block['type']})"
        if kind == "section":
            assert "text" in block or "fields" in block, where
            _check_text(where, block.get("text"), LIMITS["section"], texts)
            assert len(block.get("fields") or []) <= 10, where
            for field in block.get("fields") or []:
                _check_text(f"{where} field", field, LIMITS["field"], texts)
            if block.get("accessory"):
                _check_element(where, block["accessory"], texts)
        elif kind == "header":
            _check_text(where, block["text"], LIMITS["header"], texts)
        elif kind == "context":
            assert 0 < len(block["elements"]) <= 10, where
            for element in block["elements"]:
                _check_text(where, element, LIMITS["context"], texts)
        elif kind == "actions":
            for element in block["elements"]:
                _check_element(where, element, texts)
        elif kind == "input":
            _check_element(where, block["element"], texts)
    return sum(len(text) for text in texts)


def assert_every_call_fits(fake) -> int:
    """Check everything sent to the fake Slack so far; how many calls carried blocks."""
    checked = 0
    for call in fake.calls():
        where = f"{call.method} {call.path}"
        if call.method in ("chat.postMessage", "chat.update", "chat.postEphemeral") or (
            call.method == "response_url"
        ):
            text = call.params.get("text") or ""
            for live in LIVE_MARKUP:
                assert live not in text, f"{where}: {live} in the message text"
            blocks = call.json("blocks")
            if blocks:
                total = assert_fits(blocks, "message")
                assert total <= MESSAGE_TEXT_BUDGET, f"{where}: blocks hold {total} characters"
                checked += 1
        elif call.method in ("views.open", "views.publish", "views.update", "views.push"):
            view = call.json("view")
            if view.get("title"):
                assert len(view["title"]["text"]) <= 24, f"{where}: title"
            assert_fits(view["blocks"], view["type"])
            checked += 1
    return checked


def _wait(condition, what: str, seconds: float = 8.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.02)
    raise AssertionError(f"never happened: {what}")


def _to(live_app, channel: str, method: str = "chat.postMessage") -> list:
    return [c for c in live_app.fake.calls(method) if c.params.get("channel") == channel]


def _dms(live_app, user: str) -> list:
    return [
        c.params["text"]
        for c in live_app.fake.calls("chat.postMessage")
        if c.params["channel"] in (user, "D" + user)
    ]


def _dm_with(live_app, user: str, needle: str) -> str:
    return _wait(
        lambda: next((t for t in _dms(live_app, user) if needle in t), None),
        f"a DM to {user} saying {needle!r}",
    )


def _squeezed(text: str) -> str:
    """Text without the spaces and newlines where it was split over sections."""
    return text.replace(" ", "").replace("\n", "")


def _all_text(blocks: list[dict]) -> str:
    return "\n".join(
        _text(block.get("text"))
        for block in blocks
        if block["type"] == "section" and block.get("text")
    )


# --- Escalations -------------------------------------------------------------------------


def _escalation(**fields) -> dict:
    values = {
        "summary": text_value(fields.get("summary", "Client wants a refund")),
        "actions_taken": text_value(fields.get("actions", "Checked the order")),
        "question": text_value(fields.get("question", "Refund?")),
        "background": text_value(fields.get("background", "")),
        "contact_tag": text_value(fields.get("tag", "")),
        "urgency": {"type": "static_select", "selected_option": {"value": "normal"}},
    }
    return view_submission("escalation_create", values, {}, user="U0VA1")


def _escalation_post(live_app):
    return _wait(lambda: _to(live_app, ESCALATIONS), "the escalation's post")[0]


def test_a_long_escalation_quoting_html_is_posted_whole_one_click_away(live_app):
    summary = long_plain(NOTES_LIMIT, "refund")
    question = "Should we show <b>R&D</b> & <!channel> the invoice?"
    assert live_app.interact(_escalation(summary=summary, question=question))[0] == 200
    post = _escalation_post(live_app)
    blocks = post.json("blocks")
    shown = _all_text(blocks)
    assert "&lt;b&gt;R&amp;D&lt;/b&gt; &amp; &lt;!channel&gt;" in shown
    assert "refund refund" in shown and "…" in shown  # the summary is cut to fit
    assert "Escalated as *ESC-1*" in _dm_with(live_app, "U0VA1", "ESC-1")
    with session_scope(live_app.engine) as session:
        assert session.exec(select(Escalation)).one().message_ts is not None
    # Show all opens it whole.
    buttons = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert [b["action_id"] for b in buttons][-1] == "escalation_show"
    live_app.interact(block_action("escalation_show", "1", user="U0SUPER"))
    (opened,) = live_app.fake.wait_for("views.open")
    whole = _all_text(opened.json("view")["blocks"]).replace("\n", " ")
    assert escape(summary) in whole and escape(question) in whole
    assert assert_every_call_fits(live_app.fake) >= 2


def test_a_resolution_of_the_longest_notes_updates_the_message(live_app):
    assert live_app.interact(_escalation())[0] == 200
    _escalation_post(live_app)
    notes = markup(NOTES_LIMIT)
    done = view_submission(
        "escalation_resolve", {"resolution": text_value(notes)}, {"escalation": 1}, "U0SUPER"
    )
    assert live_app.interact(done)[0] == 200
    update = live_app.fake.wait_for("chat.update")[0]
    assert "*Resolution*" in _all_text(update.json("blocks"))
    assert "Resolved *ESC-1*" in _dm_with(live_app, "U0SUPER", "ESC-1")
    assert "was resolved by <@U0SUPER>" in _dm_with(live_app, "U0VA1", "was resolved")
    assert_every_call_fits(live_app.fake)


def test_an_escalation_slack_refuses_is_said_saved_and_posted_with_the_first_follow_up(
    live_app,
):
    rig = Rig(live_app.settings, live_app.engine, live_app.fake)
    clock.set_now("2026-11-30T15:00:00Z")  # Monday 10:00 in New York
    live_app.fake.fail_next("chat.postMessage", error="channel_not_found")
    assert live_app.interact(_escalation(question=markup(NOTES_LIMIT)))[0] == 200
    told = _dm_with(live_app, "U0VA1", "ESC-1")
    assert "Saved as *ESC-1*" in told and "channel_not_found" in told
    assert "nothing was saved" not in told and "posts it again" in told
    with session_scope(live_app.engine) as session:
        assert session.exec(select(Escalation)).one().message_ts is None
    # The first follow-up (4 business hours later) posts the escalation itself.
    outcomes = rig.tick("2026-11-30T19:00:30Z", only="escalation-followups")
    assert posted_to(outcomes) == [("escalation-followups", "ESC-1")]
    (late,) = [c for c in _to(live_app, ESCALATIONS) if (c.response or {}).get("ok")]
    assert "escalation_take" in json.dumps(late.json("blocks"))
    with session_scope(live_app.engine) as session:
        escalation = session.exec(select(Escalation)).one()
        assert escalation.message_ts == late.response["ts"]
    assert_every_call_fits(live_app.fake)


# --- Delegation --------------------------------------------------------------------------


def _brief(**changes) -> dict:
    values = {
        "assignee": {"type": "users_select", "selected_user": "U0VA1"},
        "title": text_value(changes.get("title", "Inbox clean-up for Acme")),
        "objective": text_value(changes.get("objective", "Zero unread by Friday")),
        "deliverables": text_value(changes.get("deliverables", "A summary of what was done")),
        "deadline": {"type": "datepicker", "selected_date": "2026-12-04"},
        "resources": text_value(changes.get("resources", "https://example.com/sop")),
        "override": text_value(""),
        "recurrence": {"type": "static_select", "selected_option": {"value": "none"}},
    }
    return view_submission("assignment_create", values, user="U0OWNER")


def _step(step: str, field: str, text: str, user: str) -> dict:
    return view_submission(
        "assignment_step", {field: text_value(text)}, {"assignment": 1, "action": step}, user
    )


def _stored(live_app, field: str) -> Assignment:
    def found():
        with session_scope(live_app.engine) as session:
            assignment = session.exec(select(Assignment)).first()
        return assignment if assignment is not None and getattr(assignment, field) else None

    return _wait(found, f"the assignment's {field} stored")


def _home_of(live_app, user: str, needle: str = "Delegated to me") -> dict:
    """The latest App Home published for `user` that shows `needle` (publishing is
    throttled per person, so the latest state comes a moment later)."""

    def published():
        views = [
            c.json("view")
            for c in live_app.fake.calls("views.publish")
            if c.params["user_id"] == user
        ]
        return [v for v in views if needle in json.dumps(v)][-1:]

    return _wait(published, f"{user}'s App Home showing {needle!r}", seconds=15)[0]


def test_a_brief_of_the_longest_objective_reaches_the_va_and_their_app_home(live_app):
    objective = long_plain(NOTES_LIMIT, "objective")
    assert live_app.interact(_brief(objective=objective))[0] == 200
    _stored(live_app, "va_ts")
    brief = _wait(lambda: _to(live_app, "U0VA1") or _to(live_app, "DU0VA1"), "the brief")[0]
    assert "The brief is cut here; *Show all* (or the App Home tab) has it whole" in _all_text(
        brief.json("blocks")
    )
    assert "assignment_show" in json.dumps(brief.json("blocks"))
    assert "Assigned *T-1*" in _dm_with(live_app, "U0OWNER", "T-1")
    home = _home_of(live_app, "U0VA1")
    assert objective in _all_text(home["blocks"]).replace("\n", " ")
    assert_every_call_fits(live_app.fake)


def test_a_brief_of_markup_reaches_the_va_escaped(live_app):
    objective = "<b>R&D</b> " + "&" * 1189  # 1,200 characters, 5,000 and more escaped
    assert live_app.interact(_brief(objective=objective, deliverables=markup(1200)))[0] == 200
    assignment = _stored(live_app, "va_ts")
    assert assignment.state == "assigned"
    home = _home_of(live_app, "U0VA1")
    assert escape(objective).replace(" ", "") in _squeezed(_all_text(home["blocks"]))
    assert_every_call_fits(live_app.fake)


def test_a_brief_slack_refuses_is_said_and_sent_with_the_first_reminder(live_app):
    rig = Rig(live_app.settings, live_app.engine, live_app.fake)
    clock.set_now("2026-11-30T15:00:00Z")
    live_app.fake.fail_next("chat.postMessage", error="messages_tab_disabled")
    assert live_app.interact(_brief())[0] == 200
    told = _dm_with(live_app, "U0OWNER", "T-1")
    assert "Assigned *T-1*" in told and "messages_tab_disabled" in told
    assert "nothing was saved" not in told and "App Home" in told
    outcomes = rig.tick("2026-11-30T19:00:30Z", only="assignment-chase")
    assert posted_to(outcomes) == [("assignment-chase", "A-1")]
    assignment = _stored(live_app, "va_ts")
    late = [c for c in live_app.fake.calls("chat.postMessage") if (c.response or {}).get("ok")][-1]
    assert late.response["ts"] == assignment.va_ts
    assert "assignment_acknowledge" in json.dumps(late.json("blocks"))
    assert_every_call_fits(live_app.fake)


def test_a_submission_and_a_question_full_of_ampersands_reach_the_assigner(live_app):
    assert live_app.interact(_brief())[0] == 200
    _stored(live_app, "va_ts")
    question = "&" * NOTES_LIMIT
    assert live_app.interact(_step("ask", "question", question, "U0VA1"))[0] == 200
    asked = _stored(live_app, "question_ts")
    assert asked.state == "questioned"
    assert live_app.interact(_step("answer", "answer", "&" * NOTES_LIMIT, "U0OWNER"))[0] == 200
    _wait(lambda: live_app.fake.calls("chat.update"), "the question updated as answered")
    live_app.interact(block_action("assignment_acknowledge", "1", user="U0VA1"))
    _dm_with(live_app, "U0OWNER", "> acknowledged")
    assert live_app.interact(_step("submit", "deliverables", "&" * NOTES_LIMIT, "U0VA1"))[0] == 200
    assert _stored(live_app, "review_ts").state == "submitted"
    assert "for review; <@U0OWNER> reviews it." in _dm_with(live_app, "U0VA1", "You submitted")
    review = [c for c in _to(live_app, "U0OWNER") if "submitted" in c.params["text"]][-1]
    buttons = [
        e["action_id"]
        for b in review.json("blocks")
        if b["type"] == "actions"
        for e in b["elements"]
    ]
    assert buttons == ["assignment_approve", "assignment_revise", "assignment_show"]
    # Show all has the submission whole, for the reviewer; not for another VA.
    payload = block_action("assignment_show", "1", user="U0VA2")
    payload["response_url"] = live_app.fake.response_url("other-va")
    live_app.interact(payload)
    refusal = _wait(lambda: live_app.fake.calls("response_url"), "the refusal")[0]
    assert "Only its VA, whoever assigned it" in refusal.params["text"]
    live_app.interact(block_action("assignment_show", "1", user="U0OWNER"))
    (opened,) = _wait(lambda: live_app.fake.calls("views.open"), "Show all opened")
    whole = _squeezed(_all_text(opened.json("view")["blocks"]))
    assert "*Latestsubmission*" + escape("&" * NOTES_LIMIT) in whole
    assert_every_call_fits(live_app.fake)


def test_a_submission_slack_refuses_is_said_saved_and_sent_again_later(live_app):
    rig = Rig(live_app.settings, live_app.engine, live_app.fake)
    clock.set_now("2026-11-30T15:00:00Z")  # Monday 10:00 in New York
    assert live_app.interact(_brief())[0] == 200
    _stored(live_app, "va_ts")
    live_app.interact(block_action("assignment_acknowledge", "1", user="U0VA1"))
    _dm_with(live_app, "U0OWNER", "> acknowledged")
    live_app.fake.fail_next("chat.postMessage", error="msg_blocks_too_long")
    assert live_app.interact(_step("submit", "deliverables", "Done", "U0VA1"))[0] == 200
    told = _dm_with(live_app, "U0VA1", "msg_blocks_too_long")
    assert "Saved, but Slack refused to deliver your submission to <@U0OWNER>" in told
    assert "sends it again" in told
    with session_scope(live_app.engine) as session:
        assignment = session.exec(select(Assignment)).one()
        assert assignment.state == "submitted" and assignment.review_ts is None
    # Two of the assigner's working hours later, the submission goes to them after all.
    assert posted_to(rig.tick("2026-11-30T16:59:00Z", only="assignment-chase")) == []
    outcomes = rig.tick("2026-11-30T17:00:30Z", only="assignment-chase")
    assert posted_to(outcomes) == [("assignment-chase:review", "A-1")]
    late = [c for c in _to(live_app, "U0OWNER") if (c.response or {}).get("ok")][-1]
    assert "assignment_approve" in json.dumps(late.json("blocks"))
    assert _stored(live_app, "review_ts").review_ts == late.response["ts"]
    assert posted_to(rig.tick("2026-11-30T19:00:30Z", only="assignment-chase")) == []
    assert_every_call_fits(live_app.fake)


# --- Tasks -------------------------------------------------------------------------------


def test_task_show_with_long_notes_and_ten_long_follow_ups(live_app):
    live_app.command("/task", "add Refund for Acme")
    for number in range(10):
        reply = live_app.command("/task", f"followup T-1 {number} {markup(2000)}")
        assert "T-1" in reply["text"], reply
    notes = markup(NOTES_LIMIT)
    done = view_submission("task_complete", {"notes": text_value(notes)}, {"task": 1}, user="U0VA1")
    assert live_app.interact(done)[0] == 200
    _dm_with(live_app, "U0VA1", "T-1")
    shown = live_app.command("/task", "show T-1")
    blocks = shown["blocks"]
    text = _all_text(blocks)
    assert "*Completion notes*" in text and "*Follow-ups*" in text
    assert "&lt;b&gt;R&amp;D&lt;/b&gt;" in text and "…" in text  # cut to fit one message
    buttons = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert [b["action_id"] for b in buttons] == ["task_show_all"]
    # Show all opens the notes and every follow-up whole.
    live_app.interact(block_action("task_show_all", "1", user="U0VA1"))
    opened = _wait(
        lambda: [
            c
            for c in live_app.fake.calls("views.open")
            if "Follow-ups" in json.dumps(c.json("view"))
        ],
        "Show all opened",
    )[0]
    whole = _squeezed(_all_text(opened.json("view")["blocks"]))
    assert _squeezed(escape(notes)) in whole
    assert all(_squeezed(f"{n} {escape(markup(2000))}") in whole for n in range(10))
    assert assert_every_call_fits(live_app.fake) >= 2


# --- Every form at its longest -----------------------------------------------------------


def test_every_form_filled_to_its_limit_with_markup_reaches_its_end(live_app):
    """New task, assign (brief), acknowledge, question and answer, submit, approve,
    escalate and resolve, /task show and the App Home: all with every text field at its
    longest and markup-heavy."""
    notes = markup(NOTES_LIMIT)
    # New task, completed with the longest notes.
    create = view_submission(
        "task_create",
        {
            "title": text_value(markup(500)),
            "description": text_value(notes),
            "priority": {"type": "static_select", "selected_option": {"value": "high"}},
            "assignee": {"type": "users_select", "selected_user": None},
            "category": text_value(markup(100)),
            "due": {"type": "datepicker", "selected_date": None},
        },
        {},
        user="U0VA1",
    )
    assert live_app.interact(create)[0] == 200
    _dm_with(live_app, "U0VA1", "T-1")
    assert "T-1" in live_app.command("/task", f"followup T-1 {markup(2900)}")["text"]
    # Assign, with the longest title, objective, deliverables and resources.
    brief = _brief(
        title=markup(TITLE_LIMIT),
        objective=notes,
        deliverables=notes,
        resources="\n".join(f"https://example.com/{n}?a=1&b=<2>" for n in range(40)),
    )
    assert live_app.interact(brief)[0] == 200
    _stored(live_app, "va_ts")
    assert live_app.interact(_step("ask", "question", notes, "U0VA1"))[0] == 200
    _stored(live_app, "question_ts")
    assert live_app.interact(_step("answer", "answer", notes, "U0OWNER"))[0] == 200
    _wait(lambda: live_app.fake.calls("chat.update"), "the question answered")
    live_app.interact(block_action("assignment_acknowledge", "1", user="U0VA1"))
    _dm_with(live_app, "U0OWNER", "> acknowledged")
    assert live_app.interact(_step("submit", "deliverables", notes, "U0VA1"))[0] == 200
    _stored(live_app, "review_ts")
    assert live_app.interact(_step("revise", "feedback", notes, "U0OWNER"))[0] == 200
    _dm_with(live_app, "U0VA1", "needs revisions")
    # Escalate (every field at its longest) and resolve.
    escalate = _escalation(
        summary=notes, actions=notes, background=notes, question=notes, tag=markup(TAG_LIMIT)
    )
    payload = json.loads(json.dumps(escalate))
    payload["view"]["private_metadata"] = json.dumps({"task": 1})
    assert live_app.interact(payload)[0] == 200
    _escalation_post(live_app)
    live_app.interact(block_action("escalation_take", "1", user="U0SUPER"))
    _dm_with(live_app, "U0VA1", "took your escalation")
    live_app.interact(block_action("escalation_resolve", "1", user="U0SUPER"))
    live_app.interact(block_action("escalation_show", "1", user="U0SUPER"))
    resolve = view_submission(
        "escalation_resolve", {"resolution": text_value(notes)}, {"escalation": 1}, "U0SUPER"
    )
    assert live_app.interact(resolve)[0] == 200
    _dm_with(live_app, "U0VA1", "was resolved")
    # /task show, the complete form, and the App Home of the VA.
    shown = live_app.command("/task", "show T-1")
    assert shown.get("blocks"), shown
    live_app.interact(block_action("task_done", "1", user="U0VA1"))
    _wait(
        lambda: [
            c
            for c in live_app.fake.calls("views.open")
            if c.json("view").get("callback_id") == "task_complete"
        ],
        "the completion form",
    )
    home = _home_of(live_app, "U0VA1", "sent back for revisions")
    assert "Delegated to me" in json.dumps(home)
    nothing_saved = [t for t in _dms(live_app, "U0VA1") if "nothing was saved" in t]
    assert nothing_saved == [] and "nothing was saved" not in json.dumps(shown)
    assert assert_every_call_fits(live_app.fake) >= 15
    with session_scope(live_app.engine) as session:
        escalation = session.exec(select(Escalation)).one()
        assert escalation.message_ts and escalation.resolution == notes


# --- The rule itself ---------------------------------------------------------------------


@pytest.mark.parametrize("limit", [40, 75, 150, 3000])
def test_fitted_and_split_text_never_cuts_an_entity_or_a_token(limit):
    from bot.services.text import fit, split_mrkdwn
    from bot.views.blocks import line_sections

    mrkdwn = escape(markup(NOTES_LIMIT)) + " <@U0VA1> <https://example.com/a b|a link> " * 40
    cut = fit(mrkdwn, limit)
    assert len(cut) <= limit and cut.endswith("…")
    pieces = split_mrkdwn(mrkdwn, limit)
    for piece in [cut[:-1], *pieces]:
        assert len(piece) <= limit
        assert piece.count("<") == piece.count(">"), piece  # no token cut in two
        tail = piece[piece.rfind("&") :] if "&" in piece else ";"
        assert ";" in tail, piece  # no entity cut in two
    assert "".join(pieces).replace(" ", "") == mrkdwn.replace(" ", "")
    sections = line_sections(["*Heading*", mrkdwn], limit=limit)
    assert all(len(s.text.text) <= limit for s in sections)
