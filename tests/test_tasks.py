"""Tasks: numbering per workspace, completion with notes, statuses and who may change them."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot import clock
from bot.services import tasks, timers
from bot.services.errors import AlreadyDone, InputError, NotFound, PermissionDenied
from bot.services.people import resolve_actor
from bot.services.tasks import NewTask
from store.db import session_scope
from store.models import AuditRecord, Client, Task, TimeEntry

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 4, 15, 0, tzinfo=NY)


@pytest.fixture(autouse=True)
def _pinned_clock() -> None:
    clock.set_now(NOW)


def create(engine, actor, title: str = "Reply to Acme", **fields) -> Task:
    with session_scope(engine) as session:
        return tasks.create_task(session, actor, NewTask(title=title, **fields))


def stored_task(engine, team_id: str, number: int) -> Task:
    with session_scope(engine) as session:
        return tasks.get_task(session, team_id, number)


def start(engine, actor, task: Task) -> TimeEntry:
    with session_scope(engine) as session:
        return timers.start_timer(session, actor, session.get(Task, task.id)).entry


def entry_end(engine, entry: TimeEntry) -> datetime | None:
    with session_scope(engine) as session:
        return session.get(TimeEntry, entry.id).ended_at


# --------------------------------------------------------------------------- numbering


def test_task_numbers_are_sequential_per_workspace(engine, settings, actor_for):
    actor = actor_for("U0VA1")
    numbers = [create(engine, actor, f"Task {n}").number for n in range(3)]
    assert numbers == [1, 2, 3]
    with session_scope(engine) as session:
        other = resolve_actor(session, settings, "T0OTHER", "U0VA1", lambda _u: None)
    assert create(engine, other, "Elsewhere").number == 1
    assert create(engine, actor, "Back home").number == 4
    assert stored_task(engine, "T0OTHER", 1).title == "Elsewhere"
    assert stored_task(engine, actor.team_id, 1).title == "Task 0"


def test_unknown_task_is_not_found_and_named(engine, actor_for):
    actor = actor_for("U0VA1")
    with session_scope(engine) as session, pytest.raises(NotFound, match="T-99"):
        tasks.get_task(session, actor.team_id, 99)
    with session_scope(engine) as session, pytest.raises(NotFound, match="T-99"):
        tasks.complete_task(session, actor, 99, "notes")
    with session_scope(engine) as session, pytest.raises(NotFound, match="T-99"):
        tasks.set_status(session, actor, 99, "waiting")


def test_a_task_of_another_workspace_is_not_found(engine, settings, actor_for):
    actor = actor_for("U0VA1")
    with session_scope(engine) as session:
        other = resolve_actor(session, settings, "T0OTHER", "U0VA1", lambda _u: None)
    create(engine, other, "Theirs")
    with session_scope(engine) as session, pytest.raises(NotFound, match="T-1"):
        tasks.get_task(session, actor.team_id, 1)


# --------------------------------------------------------------------------- titles


@pytest.mark.parametrize(
    "title",
    [
        "x" * 500,
        "😀" * 500,
        "Call 👩🏽‍💻 re: invoice 🧾, then 🎉",
        "تأكيد الموعد مع العميل",
        "לקבוע פגישה עם Acme מחר",
        "<@U0VA2> please check <https://example.com|the doc> & *bold* _it_ `code`",
        "=SUM(A1) and 'quotes' \"double\" \\ back",
    ],
    ids=["500-ascii", "500-emoji", "emoji-zwj", "arabic", "hebrew-mixed", "slack-markup", "chars"],
)
def test_titles_are_stored_verbatim(engine, actor_for, title):
    actor = actor_for("U0VA1")
    task = create(engine, actor, title)
    assert stored_task(engine, actor.team_id, task.number).title == title


def test_a_title_over_500_characters_is_refused(engine, actor_for):
    actor = actor_for("U0VA1")
    with pytest.raises(InputError, match="501 characters long; the limit is 500"):
        create(engine, actor, "x" * 501)
    with pytest.raises(InputError, match="limit is 500"):
        create(engine, actor, "😀" * 501)
    with session_scope(engine) as session:
        assert session.exec(select(Task)).all() == []
    # a refused title does not use up a number
    assert create(engine, actor, "ok").number == 1


@pytest.mark.parametrize("title", ["", "   ", "\n"])
def test_an_empty_title_is_refused(engine, actor_for, title):
    actor = actor_for("U0VA1")
    with pytest.raises(InputError, match="needs a title"):
        create(engine, actor, title)


def test_new_task_fields_are_stored(engine, actor_for):
    actor = actor_for("U0VA1")
    with session_scope(engine) as session:
        acme = session.exec(select(Client).where(Client.key == "acme")).one()
    task = create(
        engine,
        actor,
        "Prepare deck",
        description="Q1 numbers",
        client_id=acme.id,
        channel_id="C0ACME",
        assignee_id="U0VA2",
        due=date(2026, 3, 6),
        priority="high",
        category="Client – Onboarding",
        source_permalink="https://example.slack.com/archives/C0ACME/p1",
    )
    stored = stored_task(engine, actor.team_id, task.number)
    assert (stored.client_id, stored.assignee_id, stored.creator_id) == (acme.id, "U0VA2", "U0VA1")
    assert (stored.due, stored.priority, stored.status) == (date(2026, 3, 6), "high", "open")
    assert stored.category == "Client – Onboarding"
    assert stored.created_at == NOW
    with session_scope(engine) as session:
        details = tasks.task_details(session, actor, task.number)
    assert details.client.name == "Acme Corp"


def test_a_new_task_is_assigned_to_its_creator_by_default(engine, actor_for):
    actor = actor_for("U0VA1")
    assert create(engine, actor).assignee_id == "U0VA1"


def test_bad_priority_and_foreign_client_are_refused(engine, settings, actor_for):
    actor = actor_for("U0VA1")
    with pytest.raises(InputError, match="Priority"):
        create(engine, actor, priority="urgent")
    with session_scope(engine) as session:
        other = resolve_actor(session, settings, "T0OTHER", "U0VA1", lambda _u: None)
        foreign = session.exec(select(Client).where(Client.team_id == "T0OTHER")).first()
    with pytest.raises(NotFound, match="client"):
        create(engine, actor, client_id=foreign.id)
    assert create(engine, other, client_id=foreign.id).client_id == foreign.id


# --------------------------------------------------------------------------- completing


@pytest.mark.parametrize("notes", [None, "", "   ", "\n\t"])
def test_completing_needs_notes(engine, actor_for, notes):
    actor = actor_for("U0VA1")
    task = create(engine, actor)
    with session_scope(engine) as session, pytest.raises(InputError) as refusal:
        tasks.complete_task(session, actor, task.number, notes)
    assert "/task done T-1 &lt;notes&gt;" in refusal.value.message
    stored = stored_task(engine, actor.team_id, 1)
    assert (stored.status, stored.completed_at, stored.completed_by) == ("open", None, None)


def test_completing_stores_notes_and_who_and_when(engine, actor_for):
    actor = actor_for("U0VA1")
    create(engine, actor)
    with session_scope(engine) as session:
        done = tasks.complete_task(session, actor, 1, "  Sent the signed contract 📄  ")
    assert done.stopped == []
    stored = stored_task(engine, actor.team_id, 1)
    assert stored.status == "done"
    assert stored.notes == "Sent the signed contract 📄"
    assert stored.completed_by == "U0VA1"
    assert stored.completed_at == NOW
    with session_scope(engine) as session:
        record = session.exec(select(AuditRecord).where(AuditRecord.entity == "task")).one()
    assert (record.actor_id, record.action, record.entity_id) == ("U0VA1", "complete", stored.id)
    assert json.loads(record.old_value) == {"status": "open"}
    assert json.loads(record.new_value)["status"] == "done"


def test_completing_finalizes_running_timers_of_every_user(engine, actor_for):
    va1, va2, owner = actor_for("U0VA1"), actor_for("U0VA2"), actor_for("U0OWNER")
    task = create(engine, va1)
    other_task = create(engine, owner, "Something else")
    clock.set_now(NOW - timedelta(minutes=40))
    mine = start(engine, va1, task)
    theirs = start(engine, va2, task)
    unrelated = start(engine, owner, other_task)
    clock.set_now(NOW)
    with session_scope(engine) as session:
        done = tasks.complete_task(session, va1, 1, "Done and dusted")
    assert sorted((s.entry.user_id, s.duration) for s in done.stopped) == [
        ("U0VA1", timedelta(minutes=40)),
        ("U0VA2", timedelta(minutes=40)),
    ]
    assert entry_end(engine, mine) == NOW
    assert entry_end(engine, theirs) == NOW
    assert entry_end(engine, unrelated) is None


def test_completing_twice_names_who_completed_it(engine, actor_for):
    va1, va2 = actor_for("U0VA1"), actor_for("U0VA2")
    create(engine, va1)
    with session_scope(engine) as session:
        tasks.complete_task(session, va1, 1, "first")
    clock.set_now(NOW + timedelta(hours=1))
    with session_scope(engine) as session, pytest.raises(AlreadyDone) as refusal:
        tasks.complete_task(session, va2, 1, "second")
    message = refusal.value.message
    assert "T-1 was already completed by <@U0VA1>" in message
    assert f"<!date^{int(NOW.timestamp())}^" in message
    stored = stored_task(engine, va1.team_id, 1)
    assert (stored.notes, stored.completed_by, stored.completed_at) == ("first", "U0VA1", NOW)


def test_a_cancelled_task_can_still_be_completed(engine, actor_for):
    actor = actor_for("U0VA1")
    create(engine, actor)
    with session_scope(engine) as session:
        tasks.set_status(session, actor, 1, "cancelled")
        tasks.complete_task(session, actor, 1, "turned out to be needed")
    assert stored_task(engine, actor.team_id, 1).status == "done"


# --------------------------------------------------------------------------- statuses


def test_set_status_to_done_points_to_task_done(engine, actor_for):
    actor = actor_for("U0VA1")
    create(engine, actor)
    with session_scope(engine) as session, pytest.raises(InputError) as refusal:
        tasks.set_status(session, actor, 1, "done")
    assert "/task done T-1 &lt;notes&gt;" in refusal.value.message
    assert stored_task(engine, actor.team_id, 1).status == "open"


def test_unknown_status_is_refused_with_the_valid_ones(engine, actor_for):
    actor = actor_for("U0VA1")
    create(engine, actor)
    with session_scope(engine) as session, pytest.raises(InputError) as refusal:
        tasks.set_status(session, actor, 1, "paused")
    assert "open, in progress, waiting, done, cancelled" in refusal.value.message


def test_setting_the_same_status_is_already_done(engine, actor_for):
    actor = actor_for("U0VA1")
    create(engine, actor)
    with session_scope(engine) as session, pytest.raises(AlreadyDone, match="T-1 is already open"):
        tasks.set_status(session, actor, 1, "open")


def test_status_changes_are_stored_and_audited(engine, actor_for):
    actor = actor_for("U0VA1")
    create(engine, actor)
    with session_scope(engine) as session:
        tasks.set_status(session, actor, 1, " Waiting ")
    stored = stored_task(engine, actor.team_id, 1)
    assert stored.status == "waiting"
    with session_scope(engine) as session:
        record = session.exec(select(AuditRecord).where(AuditRecord.action == "status")).one()
    assert json.loads(record.old_value) == {"status": "open"}
    assert json.loads(record.new_value) == {"status": "waiting"}


def test_cancelling_finalizes_running_timers(engine, actor_for):
    va1, va2 = actor_for("U0VA1"), actor_for("U0VA2")
    task = create(engine, va1)
    clock.set_now(NOW - timedelta(minutes=5))
    mine, theirs = start(engine, va1, task), start(engine, va2, task)
    clock.set_now(NOW)
    with session_scope(engine) as session:
        result = tasks.set_status(session, va1, 1, "cancelled")
    assert len(result.stopped) == 2
    assert entry_end(engine, mine) == entry_end(engine, theirs) == NOW
    assert stored_task(engine, va1.team_id, 1).status == "cancelled"


def test_waiting_leaves_timers_running(engine, actor_for):
    actor = actor_for("U0VA1")
    task = create(engine, actor)
    entry = start(engine, actor, task)
    with session_scope(engine) as session:
        result = tasks.set_status(session, actor, 1, "waiting")
    assert result.stopped == []
    assert entry_end(engine, entry) is None


def test_reopening_a_done_task_clears_completion(engine, actor_for):
    actor = actor_for("U0VA1")
    create(engine, actor)
    with session_scope(engine) as session:
        tasks.complete_task(session, actor, 1, "done")
    with session_scope(engine) as session:
        tasks.set_status(session, actor, 1, "open")
    stored = stored_task(engine, actor.team_id, 1)
    assert (stored.status, stored.completed_at, stored.completed_by) == ("open", None, None)
    # and it can be completed again
    with session_scope(engine) as session:
        tasks.complete_task(session, actor, 1, "really done")
    assert stored_task(engine, actor.team_id, 1).notes == "really done"


# --------------------------------------------------------------------------- permissions


def test_a_va_may_not_change_another_vas_task(engine, actor_for):
    va1, va2 = actor_for("U0VA1"), actor_for("U0VA2")
    create(engine, va2, "VA2's own work")
    with session_scope(engine) as session, pytest.raises(PermissionDenied, match="T-1"):
        tasks.set_status(session, va1, 1, "cancelled")
    with session_scope(engine) as session, pytest.raises(PermissionDenied, match="T-1"):
        tasks.complete_task(session, va1, 1, "I did it")
    stored = stored_task(engine, va1.team_id, 1)
    assert (stored.status, stored.notes) == ("open", None)


@pytest.mark.parametrize("manager", ["U0SUPER", "U0OWNER"])
def test_a_supervisor_or_owner_may_change_a_vas_task(engine, actor_for, manager):
    va2, boss = actor_for("U0VA2"), actor_for(manager)
    create(engine, va2, "VA2's own work")
    create(engine, va2, "More of VA2's work")
    with session_scope(engine) as session:
        tasks.set_status(session, boss, 1, "waiting")
        tasks.complete_task(session, boss, 2, "Closed on behalf of the VA")
    assert stored_task(engine, va2.team_id, 1).status == "waiting"
    assert stored_task(engine, va2.team_id, 2).completed_by == manager


def test_the_creator_may_change_a_task_they_assigned_to_someone_else(engine, actor_for):
    va1 = actor_for("U0VA1")
    create(engine, va1, "For VA2", assignee_id="U0VA2")
    with session_scope(engine) as session:
        tasks.set_status(session, va1, 1, "waiting")
    assert stored_task(engine, va1.team_id, 1).status == "waiting"


# --------------------------------------------------------------------------- timer targets


def test_task_for_timer_with_free_text_creates_a_task(engine, actor_for):
    actor = actor_for("U0VA1")
    with session_scope(engine) as session:
        task, created = tasks.task_for_timer(session, actor, "  T-shirt order for Globex  ")
    assert created
    stored = stored_task(engine, actor.team_id, task.number)
    assert (stored.title, stored.assignee_id) == ("T-shirt order for Globex", "U0VA1")


@pytest.mark.parametrize("ref", ["T-3", "t-3", "T3", " T-3 "])
def test_task_for_timer_with_a_task_id_finds_it(engine, actor_for, ref):
    actor = actor_for("U0VA1")
    for n in range(4):
        create(engine, actor, f"Task {n + 1}")
    with session_scope(engine) as session:
        task, created = tasks.task_for_timer(session, actor, ref)
        count = len(session.exec(select(Task)).all())
    assert not created
    assert (task.number, task.title) == (3, "Task 3")
    assert count == 4


def test_task_for_timer_with_an_unknown_id_is_not_found(engine, actor_for):
    actor = actor_for("U0VA1")
    with session_scope(engine) as session, pytest.raises(NotFound, match="T-99"):
        tasks.task_for_timer(session, actor, "T-99")
    with session_scope(engine) as session:
        assert session.exec(select(Task)).all() == []


def test_task_for_timer_needs_something(engine, actor_for):
    actor = actor_for("U0VA1")
    with session_scope(engine) as session, pytest.raises(InputError, match="/timer start"):
        tasks.task_for_timer(session, actor, "  ")


# --------------------------------------------------------------------------- lists, details


def test_list_mine_all_and_user(engine, actor_for):
    va1, va2 = actor_for("U0VA1"), actor_for("U0VA2")
    create(engine, va1, "low one", priority="low")
    create(engine, va1, "high one", priority="high")
    create(engine, va1, "due soon", due=date(2026, 3, 5))
    create(engine, va2, "theirs")
    create(engine, va1, "finished")
    with session_scope(engine) as session:
        tasks.complete_task(session, va1, 5, "done")
        mine = [t.title for t in tasks.list_tasks(session, va1, "mine")]
        everyone = [t.number for t in tasks.list_tasks(session, va1, "all")]
        theirs = [t.title for t in tasks.list_tasks(session, va1, "user", "U0VA2")]
    assert mine == ["due soon", "high one", "low one"]
    assert everyone == [3, 2, 4, 1]
    assert theirs == ["theirs"]


def test_list_refuses_unknown_scope(engine, actor_for):
    actor = actor_for("U0VA1")
    with session_scope(engine) as session, pytest.raises(InputError, match="mine, all"):
        tasks.list_tasks(session, actor, "later")


def test_overdue_is_judged_in_the_users_time_zone(engine, actor_for):
    va1, sup = actor_for("U0VA1"), actor_for("U0SUPER")
    create(engine, va1, "due yesterday", due=date(2026, 3, 4))
    create(engine, va1, "due today", due=date(2026, 3, 5))
    create(engine, va1, "no due date")
    # 22:00 in New York on Mar 5 is already Mar 6 in UTC.
    clock.set_now(datetime(2026, 3, 5, 22, 0, tzinfo=NY))
    with session_scope(engine) as session:
        overdue = [t.title for t in tasks.list_tasks(session, va1, "overdue")]
        assert [t.title for t in tasks.list_tasks(session, sup, "overdue")] == overdue
    assert overdue == ["due yesterday"]


def test_task_details_sum_tracked_time_and_show_who_is_running(engine, actor_for):
    va1, va2 = actor_for("U0VA1"), actor_for("U0VA2")
    task = create(engine, va1)
    clock.set_now(NOW - timedelta(hours=2))
    start(engine, va1, task)
    clock.set_now(NOW - timedelta(hours=1))
    with session_scope(engine) as session:
        timers.stop_timer(session, va1)
    start(engine, va2, task)
    clock.set_now(NOW)
    with session_scope(engine) as session:
        tasks.add_followup(session, va1, 1, "Chase the signature", date(2026, 3, 6))
        details = tasks.task_details(session, va1, 1)
    assert details.tracked == timedelta(hours=2)
    assert details.running_by == ["U0VA2"]
    assert [(f.text, f.due, f.author_id) for f in details.followups] == [
        ("Chase the signature", date(2026, 3, 6), "U0VA1")
    ]
    assert details.task.updated_at == datetime(2026, 3, 4, 20, 0, tzinfo=UTC)


def test_a_followup_needs_text(engine, actor_for):
    actor = actor_for("U0VA1")
    create(engine, actor)
    with session_scope(engine) as session, pytest.raises(InputError, match="/task followup T-1"):
        tasks.add_followup(session, actor, 1, "   ")
