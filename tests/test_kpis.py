"""KPIs against figures computed by hand, and who may see whose."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot import clock
from bot.services import kpis, periods
from bot.services.errors import InputError, PermissionDenied
from bot.services.tasks import NewTask, create_task
from store.db import session_scope
from store.models import Client, TimeEntry

NY = ZoneInfo("America/New_York")


def ny(*args: int) -> datetime:
    return datetime(*args, tzinfo=NY).astimezone(UTC)


def _entry(session, actor, task, start, end, source="timer", billable=True) -> None:
    session.add(
        TimeEntry(
            team_id=actor.team_id,
            user_id=actor.user_id,
            task_id=task.id,
            started_at=start,
            ended_at=end,
            source=source,
            billable=billable,
            created_at=start,
        )
    )


def _task(session, actor, title, due=None, status="open", completed=None, client_id=None):
    task = create_task(session, actor, NewTask(title=title, due=due, client_id=client_id))
    task.status = status
    if completed is not None:
        task.completed_at, task.completed_by = completed, actor.user_id
    session.add(task)
    session.flush()
    return task


@pytest.fixture
def week_of_work(engine, actor_for):
    """Wednesday 2026-03-04 18:00 in New York; the week runs from Monday 03-02."""
    clock.set_now(ny(2026, 3, 4, 18, 0))
    va = actor_for("U0VA1")
    with session_scope(engine) as session:
        acme = session.exec(select(Client).where(Client.key == "acme")).one()
        a = _task(session, va, "Acme books", client_id=acme.id)
        b = _task(session, va, "Inbox")
        _entry(session, va, a, ny(2026, 3, 2, 9), ny(2026, 3, 2, 11))  # 2 h
        _entry(session, va, b, ny(2026, 3, 3, 10), ny(2026, 3, 3, 11), source="manual")  # 1 h
        _entry(session, va, a, ny(2026, 3, 4, 9), ny(2026, 3, 4, 9, 30), "edited", False)
        _entry(session, va, a, ny(2026, 3, 1, 22), ny(2026, 3, 2, 1))  # 1 h of it this week
        _entry(session, va, b, ny(2026, 3, 4, 17), None)  # running: 1 h so far
        _task(session, va, "On time", date(2026, 3, 2), "done", ny(2026, 3, 2, 15))
        _task(session, va, "Late", date(2026, 3, 3), "done", ny(2026, 3, 4, 10))
        _task(session, va, "Open, due Tue", date(2026, 3, 3))
        _task(session, va, "Cancelled", date(2026, 3, 4), "cancelled")
        _task(session, va, "Overdue from last week", date(2026, 2, 27))
        _task(session, va, "Due Friday", date(2026, 3, 6))
    return va


def test_a_week_of_figures_matches_the_hand_computed_ones(engine, settings, week_of_work):
    with session_scope(engine) as session:
        found = kpis.report(session, settings, week_of_work, "week")
    (card,) = found.cards.values()
    assert (found.period.first, found.period.last) == (date(2026, 3, 2), date(2026, 3, 4))
    # The running timer is not counted, only shown: 1 h so far, started after hours on
    # the same day, so not one to check yet.
    assert card.logged == timedelta(hours=4, minutes=30)
    # Billable: Acme's 2 h and 1 h; not the 30 min marked off, nor the Inbox (no client).
    assert card.billable == timedelta(hours=3)
    assert card.live_timer == timedelta(hours=3)
    assert card.tracking_accuracy == pytest.approx(3 / 4.5)
    (running,) = card.running
    assert (running.elapsed, running.to_check) == (timedelta(hours=1), False)
    assert (card.due, card.done_on_time, card.completion_rate) == (3, 1, pytest.approx(1 / 3))
    assert card.overdue == 2
    assert kpis.by_client(found.cards) == {
        "Acme Corp": timedelta(hours=3, minutes=30),
        kpis.NO_CLIENT: timedelta(hours=1),
    }


def test_billable_hours_leave_out_what_is_marked_off(engine, settings, actor_for):
    """A task switched off, or of a category marked non-billable, counts as logged only."""
    from dataclasses import replace

    from bot.settings.schema import DelegationSettings

    clock.set_now(ny(2026, 3, 4, 18, 0))
    va = actor_for("U0VA1")
    with session_scope(engine) as session:
        acme = session.exec(select(Client).where(Client.key == "acme")).one()
        billed = _task(session, va, "Acme books", client_id=acme.id)
        goodwill = _task(session, va, "Goodwill", client_id=acme.id)
        goodwill.billable = False
        admin = create_task(
            session, va, NewTask(title="Timesheets", client_id=acme.id, category="Internal admin")
        )
        _entry(session, va, billed, ny(2026, 3, 4, 9), ny(2026, 3, 4, 10))
        _entry(session, va, goodwill, ny(2026, 3, 4, 10), ny(2026, 3, 4, 11))
        _entry(session, va, admin, ny(2026, 3, 4, 11), ny(2026, 3, 4, 11, 30))
    off = {"Internal admin": {"phase": "I", "billable": False}}
    settings = replace(settings, delegation=DelegationSettings(categories=off))
    with session_scope(engine) as session:
        (card,) = kpis.report(session, settings, va, "today").cards.values()
    assert (card.logged, card.billable) == (timedelta(hours=2, minutes=30), timedelta(hours=1))


def test_today_counts_only_today(engine, settings, week_of_work):
    with session_scope(engine) as session:
        (card,) = kpis.report(session, settings, week_of_work, "today").cards.values()
    assert card.logged == timedelta(minutes=30)  # 09:00-09:30; the running hour is apart
    assert [timer.elapsed for timer in card.running] == [timedelta(hours=1)]
    assert card.completion_rate is None  # nothing left due today: no data, not 0 %


def test_the_team_report_has_the_roster_and_everyone_who_tracked(
    engine, settings, week_of_work, actor_for
):
    supervisor = actor_for("U0SUPER")
    owner = actor_for("U0OWNER")
    with session_scope(engine) as session:
        task = _task(session, owner, "Owner's own call")
        _entry(session, owner, task, ny(2026, 3, 3, 13), ny(2026, 3, 3, 13, 45))
    with session_scope(engine) as session:
        found = kpis.report(session, settings, supervisor, "week")
    assert found.team and list(found.cards) == ["U0VA1", "U0VA2", "U0OWNER"]
    assert found.cards["U0VA2"].logged == timedelta(0)
    assert found.total.logged == timedelta(hours=5, minutes=15)
    with session_scope(engine) as session:
        one = kpis.report(session, settings, supervisor, "month", user_id="U0VA1")
    assert not one.team and list(one.cards) == ["U0VA1"]


def test_a_va_sees_only_their_own_scorecard(engine, settings, week_of_work, actor_for):
    with session_scope(engine) as session, pytest.raises(PermissionDenied):
        kpis.report(session, settings, actor_for("U0VA2"), "week", user_id="U0VA1")
    with session_scope(engine) as session:
        own = kpis.report(session, settings, week_of_work, "week")
    assert not own.team and list(own.cards) == ["U0VA1"]


@pytest.mark.parametrize("word", ["year", "<!channel>", "yesterday"])
def test_an_unknown_period_says_what_is_accepted(word):
    with pytest.raises(InputError) as refusal:
        periods.period_of(word, NY)
    assert "use today, week or month" in refusal.value.message
    assert "<!" not in refusal.value.message
