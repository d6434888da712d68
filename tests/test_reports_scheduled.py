"""The daily digest against figures computed by hand, the weekly CEO report with its
chart and timesheet (and a failed upload), and a 429 in the middle of a fan-out."""

from __future__ import annotations

import json
import logging
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from bot import clock
from bot.scheduling.notify import Message, Outgoing
from bot.services import people, routines
from store.db import session_scope
from store.models import (
    Assignment,
    Client,
    Delivery,
    Escalation,
    RoutineRun,
    Task,
    TimeEntry,
    User,
    Workspace,
)
from tests.scheduling import MANILA_VA, NY_VA, TEAM, Rig, posted_to, schedule_settings


@pytest.fixture
def rig(tmp_path: Path, engine, database_url, fake_slack) -> Rig:
    fake_slack.add_user(NY_VA, tz="America/New_York")
    fake_slack.add_user(MANILA_VA, tz="America/New_York")
    return Rig(schedule_settings(tmp_path, database_url, fake_slack), engine, fake_slack)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _task(
    number: int, assignee: str, due: date, status: str = "open", done_at=None, client_id=None
) -> Task:
    return Task(
        client_id=client_id,
        team_id=TEAM,
        number=number,
        title=f"Task {number}",
        status=status,
        assignee_id=assignee,
        creator_id=assignee,
        due=due,
        created_at=at("2026-11-20 14:00"),
        updated_at=at("2026-11-20 14:00"),
        completed_at=done_at,
    )


def _entry(user: str, task_id: int, start: str, end: str, source: str = "timer") -> TimeEntry:
    return TimeEntry(
        team_id=TEAM,
        user_id=user,
        task_id=task_id,
        started_at=at(start),
        ended_at=at(end),
        source=source,
        created_at=at(start),
    )


def _monday_of_work(rig: Rig) -> None:
    """Monday 2026-11-30 in New York, by hand:
    - U0VA1: 2 tasks due today, 1 done on time; 1 overdue (due Friday); 2h timer + 30m
      manual = 2h 30m logged, accuracy 2/2.5 = 80%; morning complete, 10:00 check not;
      billable 2h: T-1 is Acme's, T-2 has no client (its 30m could never be invoiced).
    - U0VA2: 1 task due today, done; 1h by timer (100%), on Acme's T-4; no routines ticked."""
    monday = date(2026, 11, 30)
    clock.set_now("2026-11-30T13:00:00Z")
    with session_scope(rig.engine) as session:
        session.add(Workspace(id=TEAM, created_at=clock.now(), next_task_number=6))
        session.flush()
        people.sync_configured_clients(session, rig.settings, TEAM)
        acme = session.exec(select(Client).where(Client.key == "acme")).one().id
        tasks = [
            _task(1, NY_VA, monday, "done", at("2026-11-30 16:00"), acme),
            _task(2, NY_VA, monday),
            _task(3, NY_VA, date(2026, 11, 27)),
            _task(4, MANILA_VA, monday, "done", at("2026-11-30 19:00"), acme),
        ]
        session.add_all(tasks)
        session.flush()
        session.add_all(
            [
                _entry(NY_VA, tasks[0].id, "2026-11-30 14:00", "2026-11-30 16:00"),
                _entry(NY_VA, tasks[1].id, "2026-11-30 17:00", "2026-11-30 17:30", "manual"),
                _entry(MANILA_VA, tasks[3].id, "2026-11-30 18:00", "2026-11-30 19:00"),
            ]
        )
    rig.tick("2026-11-30T14:05:00Z", only="routine:morning")
    rig.tick("2026-11-30T15:00:30Z", only="routine:hourly")
    with session_scope(rig.engine) as session:
        morning = session.exec(
            select(RoutineRun).where(RoutineRun.owner_id == NY_VA, RoutineRun.routine == "morning")
        ).one()
        routines.record_ticks(session, rig.settings, TEAM, morning.id, NY_VA, {0, 1, 2, 3})


def test_the_daily_digest_matches_the_figures_computed_by_hand(rig: Rig):
    _monday_of_work(rig)
    with session_scope(rig.engine) as session:
        session.add(
            Escalation(
                team_id=TEAM,
                raised_by=NY_VA,
                summary="Refund?",
                actions_taken="Checked",
                question="Refund or not?",
                urgency="urgent",
                created_at=at("2026-11-30 15:00"),
            )
        )
        task_2 = session.exec(select(Task).where(Task.number == 2)).one()
        session.add(
            Assignment(
                team_id=TEAM,
                task_id=task_2.id,
                assigner_id="U0OWNER",
                assignee_id=NY_VA,
                objective="Zero unread",
                deliverables="Summary",
                deadline=date(2026, 11, 30),
                created_at=at("2026-11-30 14:00"),
            )
        )
    outcomes = rig.tick("2026-11-30T21:30:30Z", only="daily-digest")  # 16:30 in New York
    assert posted_to(outcomes) == [("daily-digest", "C0DIGEST")]
    (digest,) = rig.posts("C0DIGEST")
    lines = digest.params["text"].splitlines()
    assert lines[0] == "Daily digest (Mon 2026-11-30)"
    assert lines[1] == (
        "<@U0VA1> · 2h 30m logged (2h billable) · completion 50% (1/2 on time) (below "
        "target) · accuracy 80% · overdue 1 (below target) · routines 50% (1/2) (below target)"
    )
    assert lines[2] == (
        "<@U0VA2> · 1h logged (1h billable) · completion 100% (1/1 on time) · "
        "accuracy 100% · overdue 0 · routines 0% (0/2) (below target)"
    )
    assert lines[3] == "Team: 3h 30m logged, 3h billable, 1 overdue, 3 unfinished routines"
    blocks = json.dumps(digest.json("blocks"))
    assert "Overdue: *T-3*" in blocks
    assert "Unfinished routine: *Hourly check* for <@U0VA1>" in blocks
    assert "67% (2/3 on time)" in blocks  # the team's completion
    assert "Open escalation: *ESC-1* (urgent) from <@U0VA1>" in blocks and "not taken" in blocks
    assert "Not acknowledged: *T-2* for <@U0VA1>, assigned by <@U0OWNER>" in blocks
    assert (
        "Billable time without a client, so never invoiced: *T-2* (Task 2) 30m; internal "
        "work? `/task billable T-2 off`"
    ) in blocks
    assert "*T-1* (Task 1)" not in blocks and "*T-4* (Task 4)" not in blocks
    # Once only, and not before its time the next day.
    assert posted_to(rig.tick("2026-11-30T21:40:00Z", only="daily-digest")) == []
    assert posted_to(rig.tick("2026-12-01T21:00:00Z", only="daily-digest")) == []


def test_a_digest_missed_while_down_is_posted_once_until_the_next_is_due(rig: Rig):
    _monday_of_work(rig)
    # Down at Monday's 16:30 slot, back at 17:30: the working day is over, the digest
    # is still the latest one, so it goes out once, with Monday's figures.
    outcomes = rig.tick("2026-11-30T22:30:00Z", only="daily-digest")
    assert posted_to(outcomes) == [("daily-digest", "C0DIGEST")]
    (digest,) = rig.posts("C0DIGEST")
    assert digest.params["text"].startswith("Daily digest (Mon 2026-11-30)")
    assert posted_to(rig.tick("2026-12-01T14:00:00Z", only="daily-digest")) == []
    # Down from Tuesday morning to Wednesday 10:00: only Tuesday's digest, the latest, is
    # posted; Monday's was already sent and is stale anyway.
    assert posted_to(rig.tick("2026-12-02T15:00:00Z", only="daily-digest")) == [
        ("daily-digest", "C0DIGEST")
    ]
    assert rig.posts("C0DIGEST")[-1].params["text"].startswith("Daily digest (Tue 2026-12-01)")
    assert len(rig.posts("C0DIGEST")) == 2
    # Once Wednesday's is due, Tuesday's is stale: down over Wednesday's slot and back on
    # Thursday morning, Wednesday's (the latest) is posted, never Tuesday's again.
    assert posted_to(rig.tick("2026-12-03T13:00:00Z", only="daily-digest")) == [
        ("daily-digest", "C0DIGEST")
    ]
    assert rig.posts("C0DIGEST")[-1].params["text"].startswith("Daily digest (Wed 2026-12-02)")


def test_a_weekly_report_missed_on_friday_is_posted_on_monday_once(rig: Rig):
    _monday_of_work(rig)
    outcomes = rig.tick("2026-12-07T14:00:00Z", only="weekly-report")  # Monday 09:00 NY
    assert [o.status for o in outcomes] == ["posted"] * 3
    (figures,) = rig.posts("C0DIGEST")
    assert figures.params["text"].startswith("Weekly check-in report (2026-11-30 to 2026-12-04)")
    assert posted_to(rig.tick("2026-12-07T15:00:00Z", only="weekly-report")) == []
    # A report whose next one is already due is never posted: back after two Fridays
    # missed, only the later week's goes out.
    assert [o.status for o in rig.tick("2026-12-19T14:00:00Z", only="weekly-report")] == [
        "posted"
    ] * 3
    assert (
        rig.posts("C0DIGEST")[-1]
        .params["text"]
        .startswith("Weekly check-in report (2026-12-14 to 2026-12-18)")
    )


def test_a_fresh_install_does_not_open_with_reports_from_before_it(rig: Rig):
    clock.set_now("2026-12-02T15:00:00Z")  # Wednesday 10:00 in New York
    with session_scope(rig.engine) as session:
        session.add(Workspace(id=TEAM, created_at=clock.now(), next_task_number=1))
    assert rig.tick("2026-12-02T15:00:00Z", only="daily-digest") == []
    assert rig.tick("2026-12-02T15:00:00Z", only="weekly-report") == []
    # Its own first digest goes out at 16:30 as usual.
    assert posted_to(rig.tick("2026-12-02T21:30:30Z", only="daily-digest")) == [
        ("daily-digest", "C0DIGEST")
    ]


def test_the_weekly_report_posts_figures_a_chart_and_the_timesheet(rig: Rig):
    _monday_of_work(rig)
    outcomes = rig.tick("2026-12-04T20:00:30Z", only="weekly-report")  # Fri 15:00 NY
    assert [o.status for o in outcomes] == ["posted"] * 3
    (figures,) = rig.posts("C0DIGEST")
    assert figures.params["text"].startswith("Weekly check-in report (2026-11-30 to 2026-12-04)")
    uploads = rig.fake.calls("file_upload")
    assert len(uploads) == 2
    assert uploads[0].body.startswith(b"\x89PNG")
    csv_text = uploads[1].body.decode("utf-8-sig")
    assert csv_text.startswith("date,va,client,task_id,title,start")
    assert csv_text.count("\n") == 4  # header and three entries
    completed = rig.fake.calls("files.completeUploadExternal")
    assert [c.params["channel_id"] for c in completed] == ["C0DIGEST", "C0DIGEST"]
    assert "3 time entries, 3.50 h" in completed[1].params["initial_comment"]


def test_a_failed_chart_upload_still_leaves_the_figures_and_the_timesheet(rig: Rig):
    _monday_of_work(rig)
    rig.fake.fail_next("files.getUploadURLExternal", error="not_allowed_token_type")
    outcomes = rig.tick("2026-12-04T20:00:30Z", only="weekly-report")
    assert [(o.outgoing.recipient, o.status) for o in outcomes] == [
        ("C0DIGEST", "posted"),
        ("C0DIGEST:chart", "failed"),
        ("C0DIGEST:timesheet", "posted"),
    ]
    assert "Weekly check-in report" in rig.posts("C0DIGEST")[0].params["text"]
    with session_scope(rig.engine) as session:
        chart = session.exec(select(Delivery).where(Delivery.recipient == "C0DIGEST:chart")).one()
    assert chart.error == "not_allowed_token_type" and chart.posted_at is None


def test_a_429_in_the_middle_of_a_fan_out_waits_and_goes_on(rig: Rig):
    seen = []

    def answer(call):
        seen.append(call.params["channel"])
        if len(seen) == 3:  # the fourth message is refused once with a 429
            rig.fake.fail_next("chat.postMessage", status=429, retry_after=1)
        return {"ok": True, "channel": "D" + call.params["channel"], "ts": f"1.{len(seen)}"}

    rig.fake.set_response("chat.postMessage", answer)
    clock.set_now("2026-11-30T14:00:00Z")
    people = [f"U0FAN{n}" for n in range(6)]
    outgoings = [
        Outgoing(TEAM, "fan-out", clock.now(), who, who, lambda _s, who=who: Message(f"hi {who}"))
        for who in people
    ]
    outcomes = rig.notifier().deliver(outgoings)
    assert [o.status for o in outcomes] == ["posted"] * 6
    statuses = [c.status for c in rig.fake.calls("chat.postMessage")]
    assert statuses.count(429) == 1 and statuses.count(200) == 6
    assert sorted(seen) == sorted(people)  # each posted once: none lost, none doubled
    assert all(d.posted_at and d.message_ts for d in rig.deliveries())
    # A rerun (a retry of the whole job) posts nothing more.
    assert {o.status for o in rig.notifier().deliver(outgoings)} == {"already posted"}
    assert len(seen) == 6


def test_dry_run_prints_and_keeps_nothing(rig: Rig, capsys):
    import io

    from bot.scheduling.notify import DryRun

    clock.set_now("2026-11-30T14:05:00Z")
    out = io.StringIO()
    scheduler = rig.scheduler()
    outcomes = scheduler.run_due(DryRun(rig.engine, out), clock.now(), only="routine:morning")
    assert {o.status for o in outcomes} == {"would post"}
    printed = out.getvalue()
    assert "-- routine:morning to @User U0VA1 (slot" in printed
    assert "[ ] Check client chats" in printed
    assert rig.posts() == [] and rig.deliveries() == []
    with session_scope(rig.engine) as session:
        assert session.exec(select(RoutineRun)).all() == []
        assert session.exec(select(User)).all() != []  # people were learned, nothing posted


def test_a_job_that_fails_does_not_hold_up_the_others(rig: Rig, monkeypatch, caplog):
    from bot.scheduling.digest import DigestJob

    def broken(self, ctx, team_id, since, until):
        raise RuntimeError("broken digest")

    monkeypatch.setattr(DigestJob, "due", broken)
    outcomes = rig.tick("2026-11-30T14:05:00Z")
    assert ("routine:morning", NY_VA) in posted_to(outcomes)
    errors = {r.getMessage(): r for r in caplog.records if r.levelno >= logging.ERROR}
    line = errors["job daily-digest failed to say what is due: RuntimeError: broken digest"]
    assert line.exc_info is None  # one line; the traceback only at DEBUG


def test_a_message_slack_refuses_is_recorded_as_failed_and_not_retried(rig: Rig):
    rig.fake.fail_next("chat.postMessage", error="channel_not_found")
    clock.set_now("2026-11-30T14:00:00Z")
    outgoing = Outgoing(TEAM, "one-off", clock.now(), "C0GONE", "C0GONE", lambda _s: Message("x"))
    (outcome,) = rig.notifier().deliver([outgoing])
    assert (outcome.status, outcome.detail) == ("failed", "channel_not_found")
    (delivery,) = rig.deliveries()
    assert delivery.error == "channel_not_found" and delivery.posted_at is None
    assert [o.status for o in rig.notifier().deliver([outgoing])] == ["already posted"]


def test_the_weekly_report_names_the_unbilled_hours_per_client(rig: Rig):
    _monday_of_work(rig)  # Acme's T-1 (2h) and T-4 (1h); T-2 has no client
    rig.tick("2026-11-30T21:30:30Z", only="daily-digest")
    rig.tick("2026-12-04T20:00:30Z", only="weekly-report")
    daily, figures = rig.posts("C0DIGEST")
    assert "Unbilled" not in daily.params["text"]
    assert "Unbilled (billable, on no invoice yet): Acme Corp 3.00 h" in figures.params["text"]
    blocks = json.dumps(figures.json("blocks"), ensure_ascii=False)
    assert "*Unbilled* (billable, on no invoice yet): Acme Corp 3.00 h" in blocks
