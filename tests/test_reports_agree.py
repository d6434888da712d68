"""The reports and the timesheet follow one rule for tracked time: finished time counts, a
running timer is shown apart. A timer forgotten from Wednesday 16:00 and still running on
Friday 15:05 must not turn 21.5 h of work into 68 h 35 m in one place and 21.5 h in
another."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest
from matplotlib.text import Text
from sqlmodel import select

from bot import clock
from bot.services import digest as digests
from bot.views.charts import weekly_figure
from store.db import session_scope
from store.models import Task, TimeEntry, Workspace
from tests.scheduling import TEAM, Rig, schedule_settings

NY_VA = "U0VA1"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def week(tmp_path: Path, live_app, database_url) -> Rig:
    """Monday to Wednesday 21.5 h of finished work on T-1 (New York), then a timer started
    on Wednesday at 16:00 and never stopped."""
    live_app.fake.add_user(NY_VA, tz="America/New_York", real_name="Ana Reyes")
    live_app.fake.add_user("U0VA2", tz="America/New_York", real_name="Ben Cruz")
    rig = Rig(
        schedule_settings(tmp_path, database_url, live_app.fake), live_app.engine, live_app.fake
    )
    clock.set_now("2026-11-30T13:00:00Z")  # Monday 08:00 in New York
    with session_scope(rig.engine) as session:
        session.add(Workspace(id=TEAM, created_at=clock.now(), next_task_number=1))
    live_app.command("/task", "add Acme books #acme", user=NY_VA)
    with session_scope(rig.engine) as session:
        task = session.exec(select(Task).where(Task.number == 1)).one()
        for start, end in [
            ("2026-11-30 14:00", "2026-11-30 22:00"),  # Mon 09:00-17:00: 8 h
            ("2026-12-01 14:00", "2026-12-01 22:00"),  # Tue 09:00-17:00: 8 h
            ("2026-12-02 14:00", "2026-12-02 19:30"),  # Wed 09:00-14:30: 5.5 h
        ]:
            session.add(
                TimeEntry(
                    team_id=TEAM,
                    user_id=NY_VA,
                    task_id=task.id,
                    started_at=at(start),
                    ended_at=at(end),
                    source="timer",
                    created_at=at(start),
                )
            )
    clock.set_now("2026-12-02T21:00:00Z")  # Wednesday 16:00
    assert "Timer started on" in live_app.command("/timer", "start T-1", user=NY_VA)["text"]
    return rig


def _shown(reply: dict) -> str:
    return json.dumps(reply.get("blocks", []), ensure_ascii=False)


RUNNING_SINCE_WEDNESDAY = "running on T-1 since <!date^1796245200^"


def test_a_forgotten_timer_is_shown_apart_everywhere_and_counted_nowhere(live_app, week: Rig):
    # Wednesday's digest at 16:30: 5h 30m finished, the half hour of the timer apart,
    # plainly (it is still the working day).
    week.tick("2026-12-02T21:30:00Z", only="daily-digest")
    wednesday = week.posts("C0DIGEST")[-1].params["text"].splitlines()
    assert wednesday[1].startswith(
        f"<@{NY_VA}> · 5h 30m logged (5h 30m billable) + 30m {RUNNING_SINCE_WEDNESDAY}"
    )
    assert (
        wednesday[1]
        .split("|", 1)[1]
        .startswith("2026-12-02 21:00 UTC>, counted when it stops · completion")
    )

    clock.set_now("2026-12-04T20:05:00Z")  # Friday 15:05
    flagged = f"+ 47h 5m {RUNNING_SINCE_WEDNESDAY}"
    own = _shown(live_app.command("/report", "week", user=NY_VA))
    assert f"*Hours logged*\\n21h 30m\\n{flagged}" in own
    assert "not counted: *check it*" in own
    assert "68h" not in own and "47h 5m logged" not in own
    team = _shown(live_app.command("/report", "week", user="U0SUPER"))
    assert f"<@{NY_VA}> · 21h 30m logged (21h 30m billable) {flagged}" in team

    outcomes = week.tick("2026-12-04T20:05:00Z", only="weekly-report")
    assert [o.status for o in outcomes] == ["posted"] * 3
    figures = week.posts("C0DIGEST")[-1]
    lines = figures.params["text"].splitlines()
    assert lines[0] == "Weekly check-in report (2026-11-30 to 2026-12-04)"
    assert lines[1].startswith(f"<@{NY_VA}> · 21h 30m logged (21h 30m billable) {flagged}")
    (team_line,) = [line for line in lines if line.startswith("Team: ")]
    assert team_line.startswith("Team: 21h 30m logged, 21h 30m billable")
    assert f"({flagged}" in team_line
    blocks = json.dumps(figures.json("blocks"))
    assert "*Hours logged*\\n21h 30m\\n+ 47h 5m" in blocks  # the team's totals
    assert "68h" not in blocks

    csv_upload = week.fake.calls("file_upload")[-1]
    rows = csv_upload.body.decode("utf-8-sig").splitlines()[1:]
    assert len(rows) == 3
    assert sum(float(row.split(",")[7]) for row in rows) == pytest.approx(21.5)
    comment = week.fake.calls("files.completeUploadExternal")[-1].params["initial_comment"]
    assert (
        comment
        == "3 time entries, 21.50 h; not included until stopped: 1 running timer (see the report)"
    )

    with session_scope(week.engine) as session:
        period = digests.period_between(
            "week", datetime(2026, 11, 30).date(), datetime(2026, 12, 4).date(), week.settings
        )
        report = digests.build_digest(session, week.settings, TEAM, period)
        chart = digests.weekly_chart_data(session, week.settings, TEAM, report)
    texts = [t.get_text() for t in weekly_figure(chart).findobj(Text)]
    assert "21.5 h\n+ 47.1 h running" in texts
    assert chart.cards[NY_VA].logged.total_seconds() / 3600 == pytest.approx(21.5)

    # Friday's digest at 16:30: nothing finished on Friday, the timer apart.
    week.tick("2026-12-04T21:30:00Z", only="daily-digest")
    friday = week.posts("C0DIGEST")[-1].params["text"].splitlines()
    assert friday[0] == "Daily digest (Fri 2026-12-04)"
    assert friday[1].startswith(
        f"<@{NY_VA}> · 0m logged (0m billable) + 48h 30m {RUNNING_SINCE_WEDNESDAY}"
    )
    assert "not counted: *check it*" in friday[1]


def test_the_weekly_chart_labels_its_bars_days_and_week(live_app, week: Rig, caplog, tmp_path):
    clock.set_now("2026-12-04T20:05:00Z")
    with session_scope(week.engine) as session:
        task = session.exec(select(Task).where(Task.number == 1)).one()
        task.due = datetime(2026, 12, 1).date()
        session.add(task)
    with session_scope(week.engine) as session:
        period = digests.period_between(
            "week", datetime(2026, 11, 30).date(), datetime(2026, 12, 4).date(), week.settings
        )
        report = digests.build_digest(session, week.settings, TEAM, period)
        chart = digests.weekly_chart_data(session, week.settings, TEAM, report)
    with caplog.at_level(logging.DEBUG, logger="matplotlib"):
        caplog.clear()
        figure = weekly_figure(chart)
        figure.savefig(tmp_path / "week.png")
    assert [r for r in caplog.records if r.levelno >= logging.INFO] == []
    texts = [t.get_text() for t in figure.findobj(Text) if t.get_text()]
    assert figure.get_suptitle() == "Weekly check-in: Mon 30 Nov to Fri 04 Dec 2026"
    hours_axes, completion_axes = figure.axes
    assert [t.get_text() for t in hours_axes.get_yticklabels()] == ["Ana Reyes", "U0VA2"]
    assert [t.get_text() for t in completion_axes.get_xticklabels()] == [
        "Mon 30",
        "Tue 01",
        "Wed 02",
        "Thu 03",
        "Fri 04",
    ]
    assert "0 of 1 task" in texts  # Tuesday: one due, not done
    assert texts.count("none due") == 4
    assert "0.0 h" in texts  # U0VA2 tracked nothing: the empty bar is labelled too
    # The legends sit below their plots, off the data.
    for axes in figure.axes:
        legend, plot = axes.get_legend().get_window_extent(), axes.get_window_extent()
        assert legend.y1 < plot.y0
