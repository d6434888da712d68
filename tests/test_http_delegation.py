"""Delegation through the real app: the brief and its refusals, acknowledge, a question
and its answer, submit, revisions, approval; wrong people, double clicks and stale
buttons; every step stored."""

from __future__ import annotations

import json
import time

from sqlmodel import select

from bot import clock
from store.db import session_scope
from store.models import Assignment, AssignmentEvent, Task
from tests.slack_payloads import block_action, text_value, view_submission


def _brief(**changes) -> dict:
    values = {
        "assignee": {"type": "users_select", "selected_user": changes.get("va", "U0VA1")},
        "title": text_value(changes.get("title", "Inbox clean-up for Acme")),
        "objective": text_value(changes.get("objective", "Zero unread by Friday")),
        "deliverables": text_value(changes.get("deliverables", "A summary of what was done")),
        "deadline": {"type": "datepicker", "selected_date": changes.get("deadline", "2026-12-04")},
        "resources": text_value(changes.get("resources", "https://example.com/sop")),
        "override": text_value(changes.get("override", "")),
        "recurrence": {
            "type": "static_select",
            "selected_option": {"value": changes.get("recurrence", "none")},
        },
    }
    if changes.get("category"):
        values["category"] = {
            "type": "static_select",
            "selected_option": {"value": changes["category"]},
        }
    return values


def _assign(live_app, user: str = "U0OWNER", **changes) -> tuple[int, str]:
    return live_app.interact(view_submission("assignment_create", _brief(**changes), user=user))


def _dms(live_app, user: str) -> list:
    """Messages to the person: by user id, or into the DM channel the app opened."""
    return [
        c
        for c in live_app.fake.calls("chat.postMessage")
        if c.params["channel"] in (user, "D" + user)
    ]


def _dm_with(live_app, user: str, needle: str):
    """The DM to `user` containing `needle`, once the app has sent it."""
    for _ in range(250):
        for call in _dms(live_app, user):
            if needle in call.params["text"]:
                return call
        time.sleep(0.02)
    raise AssertionError(f"no DM to {user} with {needle!r}")


def _stored(live_app, field: str) -> Assignment:
    """The assignment once `field` (where a message went) is stored: just after the post."""
    for _ in range(250):
        with session_scope(live_app.engine) as session:
            assignment = session.exec(select(Assignment).order_by(Assignment.id)).first()
        if assignment is not None and getattr(assignment, field):
            return assignment
        time.sleep(0.02)
    raise AssertionError(f"the assignment's {field} was never stored")


def _press(live_app, step: str, user: str, name: str | None = None) -> str | None:
    payload = block_action(f"assignment_{step}", "1", user=user)
    if name:
        payload["response_url"] = live_app.fake.response_url(name)
    live_app.interact(payload)
    if not name:
        return None
    for _ in range(250):
        for call in live_app.fake.calls("response_url"):
            if call.path == f"/respond/{name}":
                return call.params["text"]
        time.sleep(0.02)
    raise AssertionError(f"no private answer to {step} by {user}")


def _form(live_app, step: str, field: str, text: str, user: str) -> tuple[int, str]:
    payload = view_submission(
        "assignment_step", {field: text_value(text)}, {"assignment": 1, "action": step}, user=user
    )
    return live_app.interact(payload)


def test_only_supervisors_and_owners_assign(live_app):
    assert "Supervisors and owners assign work" in live_app.command("/assign", "")["text"]
    status, body = _assign(live_app, user="U0VA2")
    assert status == 200 and "Supervisors and owners assign" in json.dumps(json.loads(body))
    live_app.send_command("/assign", "", user="U0SUPER")
    (opened,) = live_app.fake.wait_for("views.open")
    assert opened.json("view")["callback_id"] == "assignment_create"


def test_a_bad_brief_is_refused_on_its_fields_and_nothing_is_stored(live_app):
    clock.set_now("2026-11-27T15:00:00Z")
    _status, body = _assign(
        live_app, objective=" ", deadline="2026-11-01", resources="not a link", va="U0SUPER"
    )
    errors = json.loads(body)["errors"]
    assert set(errors) == {"assignee", "objective", "deadline", "resources"}
    assert "has passed" in errors["deadline"] and "https://" in errors["resources"]
    live_app.fake.users["U0GONE"] = {"id": "U0GONE", "deleted": True}
    errors = json.loads(_assign(live_app, va="U0GONE")[1])["errors"]
    assert errors == {"assignee": "Pick someone in this workspace."}
    with session_scope(live_app.engine) as session:
        assert (
            session.exec(select(Assignment)).all() == [] and session.exec(select(Task)).all() == []
        )
    assert live_app.fake.calls("chat.postMessage") == []


def test_the_whole_lifecycle_with_a_question_and_a_revision(live_app):
    clock.set_now("2026-11-27T15:00:00Z")
    assert _assign(live_app)[0] == 200
    live_app.fake.wait_for("chat.postMessage", 2)
    (brief,) = _dms(live_app, "U0VA1")
    shown = json.dumps(brief.json("blocks"))
    assert (
        "T-1" in shown and "Zero unread by Friday" in shown and "https://example.com/sop" in shown
    )
    assert "assignment_acknowledge" in shown and "assignment_ask" in shown
    assert "Assigned *T-1* to <@U0VA1>" in _dms(live_app, "U0OWNER")[0].params["text"]
    # Someone else cannot acknowledge it.
    assert "only they can do that" in _press(live_app, "acknowledge", "U0VA2", "other")
    # A question goes to the assigner, with Answer; the answer comes back to the VA.
    _press(live_app, "ask", "U0VA1")
    assert live_app.fake.wait_for("views.open")[0].json("view")["callback_id"] == "assignment_step"
    _status, body = _form(live_app, "ask", "question", " ", "U0VA1")
    assert "question" in json.loads(body)["errors"]
    _form(live_app, "ask", "question", "Which inbox?", "U0VA1")
    assert "Which inbox?" in _dm_with(live_app, "U0OWNER", "asks about").params["text"]
    _stored(live_app, "question_ts")
    _form(live_app, "answer", "answer", "The support@ one", "U0OWNER")
    _dm_with(live_app, "U0VA1", "The support@ one")
    # The question to the assigner now shows the answer, and no Answer button.
    for _ in range(250):
        answered = [
            c for c in live_app.fake.calls("chat.update") if "Answered" in json.dumps(c.params)
        ]
        if answered:
            break
        time.sleep(0.02)
    assert "assignment_answer" not in json.dumps(answered[0].json("blocks"))
    # Submitting before acknowledging is refused, naming the state.
    assert _press(live_app, "submit", "U0VA1", "early") == (
        "T-1 is waiting for your acknowledgment."
    )
    assert "waiting for your acknowledgment" in _dms(live_app, "U0VA1")[0].params["text"]
    _press(live_app, "acknowledge", "U0VA1")
    # A double click: the second press says it is already acknowledged, and by whom.
    again = _press(live_app, "acknowledge", "U0VA1", "double")
    assert "already acknowledged, in progress by <@U0VA1>" in again
    _form(live_app, "submit", "deliverables", "Done: 312 archived", "U0VA1")
    review = _dm_with(live_app, "U0OWNER", "submitted")
    assert "assignment_approve" in json.dumps(review.json("blocks"))
    assert "own work" not in json.dumps(review.json("blocks"))  # a VA never reviews
    # Nobody reviews their own work; a VA cannot review at all.
    assert "A supervisor or owner does that" in _press(live_app, "approve", "U0VA1", "self")
    _form(live_app, "revise", "feedback", "Also label the rest", "U0SUPER")
    _dm_with(live_app, "U0VA1", "needs revisions (round 1)")
    # The old Approve button now says what happened.
    stale = _press(live_app, "approve", "U0OWNER", "stale")
    assert "already sent back for revisions by <@U0SUPER>" in stale
    _form(live_app, "submit", "deliverables", "Labelled too", "U0VA1")
    _dm_with(
        live_app, "U0VA1", "You submitted *T-1* Inbox clean-up for Acme for review; <@U0OWNER>"
    )
    _press(live_app, "approve", "U0OWNER")
    _dm_with(live_app, "U0VA1", "was approved")
    with session_scope(live_app.engine) as session:
        assignment = session.exec(select(Assignment)).one()
        task = session.get(Task, assignment.task_id)
        events = session.exec(select(AssignmentEvent).order_by(AssignmentEvent.id)).all()
    assert assignment.state == "approved" and assignment.revisions == 1
    assert task.status == "done" and task.assignee_id == "U0VA1"
    assert [e.action for e in events] == [
        "assign",
        "ask",
        "answer",
        "acknowledge",
        "submit",
        "revise",
        "submit",
        "approve",
    ]
    assert events[1].note == "Which inbox?" and events[5].actor_id == "U0SUPER"


def test_unacknowledged_work_is_chased_in_the_brief_thread_until_acknowledged(live_app):
    from tests.scheduling import Rig, posted_to

    rig = Rig(live_app.settings, live_app.engine, live_app.fake)
    clock.set_now("2026-11-30T14:00:00Z")  # Monday 09:00 in New York
    _assign(live_app)
    _dm_with(live_app, "U0OWNER", "Assigned *T-1*")  # sent once the brief's place is stored
    shown = json.dumps(live_app.command("/report", "today")["blocks"])
    assert "*Unacknowledged assignments*\\n1" in shown
    # Two business hours later (11:00), in the thread of the brief.
    assert posted_to(rig.tick("2026-11-30T15:59:00Z", only="assignment-chase")) == []
    assert posted_to(rig.tick("2026-11-30T16:00:30Z", only="assignment-chase")) == [
        ("assignment-chase", "A-1")
    ]
    chase = _dm_with(live_app, "U0VA1", "Reminder 1")
    with session_scope(live_app.engine) as session:
        brief_ts = session.exec(select(Assignment)).one().va_ts
    assert brief_ts and chase.params["thread_ts"] == brief_ts
    assert "please acknowledge *T-1*" in chase.params["text"]
    # Not again within the slot; once acknowledged, never again.
    assert posted_to(rig.tick("2026-11-30T16:30:00Z", only="assignment-chase")) == []
    _press(live_app, "acknowledge", "U0VA1")
    _dm_with(live_app, "U0OWNER", "> acknowledged")
    assert rig.tick("2026-11-30T18:00:30Z", only="assignment-chase") == []


def test_work_above_a_vas_phase_needs_an_owner_and_a_reason(live_app):
    clock.set_now("2026-11-27T15:00:00Z")
    # U0VA1 is phase I (the default); calendar work needs phase III.
    errors = json.loads(_assign(live_app, user="U0SUPER", category="calendar")[1])["errors"]
    assert errors == {
        "category": "calendar needs trust phase III; <@U0VA1> is phase I. Only an owner can "
        "assign it, with a reason."
    }
    errors = json.loads(_assign(live_app, category="calendar")[1])["errors"]
    assert errors == {"override": "Phase III work for a phase I VA: give the reason."}
    errors = json.loads(_assign(live_app, category="astrology")[1])["errors"]
    assert errors["category"].startswith("Pick one of: clerical, administrative")
    assert _assign(live_app, user="U0SUPER", category="clerical")[0] == 200
    override = "Covering for Maria this week"
    assert _assign(live_app, category="calendar", override=override)[0] == 200
    with session_scope(live_app.engine) as session:
        events = session.exec(select(AssignmentEvent).order_by(AssignmentEvent.id)).all()
        tasks = session.exec(select(Task).order_by(Task.number)).all()
    assert [e.note for e in events] == [
        None,
        "override: phase III work for a phase I VA: Covering for Maria this week",
    ]
    assert [t.category for t in tasks] == ["clerical", "calendar"]


def test_another_va_does_not_see_a_delegated_brief(live_app):
    clock.set_now("2026-11-27T15:00:00Z")
    _assign(live_app)
    _dm_with(live_app, "U0VA1", "assigned you")
    assert "delegated to <@U0VA1>" in live_app.command("/task", "show T-1", user="U0VA2")["text"]
    assert "Zero unread by Friday" in json.dumps(live_app.command("/task", "show T-1"))
    assert "Zero unread by Friday" in json.dumps(
        live_app.command("/task", "show T-1", user="U0SUPER")
    )


def test_a_long_brief_is_kept_whole_and_shown_whole_on_the_app_home(live_app):
    clock.set_now("2026-11-27T15:00:00Z")
    objective = "Tidy the shared drive. " * 120  # 2,760 characters: over what a message shows
    _assign(live_app, objective=objective)
    brief = _dm_with(live_app, "U0VA1", "assigned you")
    assert "*Show all* (or the App Home tab) has it whole" in json.dumps(brief.json("blocks"))
    with session_scope(live_app.engine) as session:
        assert session.exec(select(Assignment)).one().objective == objective.strip()
    for _ in range(250):
        homes = [
            c for c in live_app.fake.calls("views.publish") if c.params.get("user_id") == "U0VA1"
        ]
        if homes and "Delegated to me" in json.dumps(homes[-1].json("view")):
            break
        time.sleep(0.02)
    home = homes[-1].json("view")
    shown = "".join(b.get("text", {}).get("text", "") for b in home["blocks"])
    assert shown.count("Tidy the shared drive.") == 120


def test_the_digest_suggests_promoting_a_va_with_twenty_clean_approvals(live_app, engine):
    from datetime import UTC, date, datetime, timedelta

    from bot.services.delegation import promotion_candidates
    from store.models import Workspace

    now = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
    with session_scope(engine) as session:
        session.add(Workspace(id="T0TEAM", created_at=now, next_task_number=100))
        session.flush()
        for n in range(21):
            task = Task(
                team_id="T0TEAM",
                number=n + 1,
                title=f"Job {n}",
                creator_id="U0OWNER",
                assignee_id="U0VA1",
                status="done",
                created_at=now,
                updated_at=now,
            )
            session.add(task)
            session.flush()
            session.add(
                Assignment(
                    team_id="T0TEAM",
                    task_id=task.id,
                    assigner_id="U0OWNER",
                    assignee_id="U0VA1",
                    objective="x",
                    deliverables="y",
                    deadline=date(2026, 11, 30),
                    state="approved",
                    revisions=1 if n == 0 else 0,  # the oldest one needed a revision
                    created_at=now + timedelta(minutes=n),
                )
            )
    with session_scope(engine) as session:
        assert promotion_candidates(session, live_app.settings, "T0TEAM") == [("U0VA1", "I", "II")]
        newest = session.exec(select(Assignment).order_by(Assignment.created_at.desc())).first()
        newest.revisions = 2
        session.add(newest)
    with session_scope(engine) as session:
        assert promotion_candidates(session, live_app.settings, "T0TEAM") == []


def test_a_weekly_assignment_is_acknowledged_once_and_each_week_is_its_own_task(live_app):
    from tests.scheduling import Rig, posted_to

    rig = Rig(live_app.settings, live_app.engine, live_app.fake)
    clock.set_now("2026-11-30T14:00:00Z")  # Monday 09:00 in New York
    _assign(live_app, recurrence="weekly", deadline="2026-12-02")
    assert (
        "repeats weekly (occurrence 1)"
        in _dm_with(live_app, "U0VA1", "assigned you").params["text"]
    )
    _press(live_app, "acknowledge", "U0VA1")
    _dm_with(live_app, "U0OWNER", "> acknowledged")
    assert posted_to(rig.tick("2026-12-07T13:59:00Z", only="assignment-recurrence")) == []
    outcomes = rig.tick("2026-12-07T14:00:30Z", only="assignment-recurrence")
    assert posted_to(outcomes) == [("assignment-recurrence", "A-1")]
    second = _dm_with(live_app, "U0VA1", "occurrence 2")
    shown = json.dumps(second.json("blocks"))
    assert "assignment_submit" in shown and "assignment_acknowledge" not in shown
    assert posted_to(rig.tick("2026-12-07T15:00:00Z", only="assignment-recurrence")) == []
    with session_scope(live_app.engine) as session:
        rows = session.exec(select(Assignment).order_by(Assignment.id)).all()
        tasks = session.exec(select(Task).order_by(Task.number)).all()
    assert [(a.occurrence, a.state, a.deadline.isoformat()) for a in rows] == [
        (0, "acknowledged", "2026-12-02"),
        (1, "acknowledged", "2026-12-09"),
    ]
    assert [t.number for t in tasks] == [1, 2] and tasks[1].due.isoformat() == "2026-12-09"
    # Cancelling the latest occurrence's task ends the series.
    clock.set_now("2026-12-08T14:00:00Z")
    live_app.command("/task", "status T-2 cancelled", user="U0OWNER")
    assert rig.tick("2026-12-14T14:00:30Z", only="assignment-recurrence") == []


def test_occurrence_days_skip_days_off():
    from datetime import date, time
    from zoneinfo import ZoneInfo

    from bot.services.delegation import occurrence_day
    from bot.services.schedules import Calendar

    calendar = Calendar(
        ZoneInfo("America/New_York"),
        time(9),
        time(17),
        (0, 1, 2, 3, 4),
        frozenset({date(2026, 12, 25)}),
    )
    thursday = date(2026, 12, 24)
    assert occurrence_day(calendar, thursday, "daily", 1) == date(2026, 12, 28)  # holiday, weekend
    assert occurrence_day(calendar, date(2026, 12, 18), "weekly", 1) == date(2026, 12, 28)
    assert occurrence_day(calendar, date(2027, 1, 29), "monthly", 1) == date(
        2027, 3, 1
    )  # Feb 28 is a Sunday


def test_the_assigner_answers_in_the_question_thread(live_app):
    from tests.fakeslack import event_body

    clock.set_now("2026-11-27T15:00:00Z")
    _assign(live_app)
    _dm_with(live_app, "U0VA1", "assigned you")
    _form(live_app, "ask", "question", "Which inbox?", "U0VA1")
    _dm_with(live_app, "U0OWNER", "asks about")
    asked = _stored(live_app, "question_ts")
    assert asked.state == "questioned"

    def reply(text: str, thread_ts: str, event_id: str, user: str = "U0OWNER") -> None:
        event = {
            "type": "message",
            "channel": asked.question_channel,
            "channel_type": "im",
            "user": user,
            "text": text,
            "ts": "1800000000.000100",
            "thread_ts": thread_ts,
        }
        assert live_app.post(event_body(event, event_id=event_id))[0] == 200

    reply("Unrelated chat", "1700000000.999999", "EvOther")  # not a question thread: ignored
    reply("The support@ one", asked.question_ts, "EvAnswer")
    assert (
        "The support@ one" in _dm_with(live_app, "U0VA1", "answered your question").params["text"]
    )
    with session_scope(live_app.engine) as session:
        answered = session.exec(select(Assignment)).one()
        events = session.exec(select(AssignmentEvent).order_by(AssignmentEvent.id)).all()
    assert answered.state == "assigned" and answered.open_question is None
    assert [(e.action, e.note) for e in events][-1] == ("answer", "The support@ one")
    # Slack delivers the same event again: nothing more happens, nobody is told anything.
    before = len(live_app.fake.calls("chat.postMessage"))
    reply("The support@ one", asked.question_ts, "EvAnswer")
    reply("Later note", asked.question_ts, "EvLater")  # a new event: refused, told once
    for _ in range(250):
        posted = live_app.fake.calls("chat.postMessage")[before:]
        if posted:
            break
        time.sleep(0.02)
    time.sleep(0.3)
    posted = live_app.fake.calls("chat.postMessage")[before:]
    assert [c.params["channel"] for c in posted] == ["U0OWNER"], [c.params for c in posted]


def test_the_review_says_nobody_reviews_their_own_work_only_when_the_submitter_reviews(live_app):
    """A VA made a supervisor (/role) after the work was given: its review says they
    cannot approve it themselves; each step's form answers with what it did, to whom."""
    clock.set_now("2026-11-27T15:00:00Z")
    assert _assign(live_app) == (200, "")
    _dm_with(live_app, "U0OWNER", "Assigned *T-1*")
    _form(live_app, "ask", "question", "Which inbox?", "U0VA1")
    told = _dm_with(live_app, "U0VA1", "Your question on").params["text"]
    assert told == (
        "Your question on *T-1* Inbox clean-up for Acme went to <@U0OWNER>; "
        "their answer comes to you here."
    )
    _press(live_app, "acknowledge", "U0VA1")
    live_app.command("/role", "<@U0VA1> supervisor", user="U0OWNER")
    _form(live_app, "submit", "deliverables", "Done", "U0VA1")
    review = _dm_with(live_app, "U0OWNER", "submitted")
    assert "<@U0VA1> reviews work too, but not this: nobody reviews their own work." in (
        json.dumps(review.json("blocks"))
    )
    assert "Nobody reviews their own work" in _press(live_app, "approve", "U0VA1", "self")
