"""`vadesk job` and `vadesk scheduler` as subprocesses: the list of jobs with their next
run, an unknown name, a dry run, two processes running one job at once, catch-up."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from tests.conftest import BOT_TOKEN
from tests.fakeslack import FakeSlack
from tests.scheduling import SCHEDULE_TOML
from tests.vadesk_process import one_line, run_vadesk, vadesk_argv, vadesk_env


def _env(tmp_path: Path, database_url: str, fake: FakeSlack, **more: str) -> dict[str, str]:
    (tmp_path / "vadesk.toml").write_text(SCHEDULE_TOML, encoding="utf-8")
    return vadesk_env(
        database_url,
        SLACK_API_URL=fake.base_url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        VADESK_CONFIG=str(tmp_path / "vadesk.toml"),
        **more,
    )


def test_job_list_shows_every_job_with_its_next_run(tmp_path, engine, database_url, fake_slack):
    env = _env(tmp_path, database_url, fake_slack)
    result = run_vadesk("job", "--list", "--now", "2026-11-27T20:00:00Z", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = {line.split()[0]: line for line in result.stdout.splitlines()[1:]}
    assert "2026-11-30 14:00" in rows["routine:morning"]  # Monday 09:00 in New York
    assert "2026-11-27 21:30" in rows["daily-digest"]  # today 16:30
    assert "2026-12-04 20:00" in rows["weekly-report"]  # Friday 15:00
    assert "2026-12-01 19:00" in rows["routine:sop-review"]  # first working day, 14:00
    assert set(rows) >= {"reminders", "routine:hourly", "routine:end-of-day"}


def test_an_unknown_job_lists_the_valid_ones(tmp_path, engine, database_url, fake_slack):
    env = _env(tmp_path, database_url, fake_slack)
    result = run_vadesk("job", "routine:lunch", env=env, cwd=tmp_path)
    assert result.returncode == 2
    line = one_line(result.stderr)
    assert line.startswith("vadesk: unknown job 'routine:lunch'; the jobs are: routine:morning")
    assert "daily-digest, weekly-report, reminders" in line


def test_dry_run_prints_what_would_be_posted_and_posts_nothing(
    tmp_path, engine, database_url, fake_slack
):
    env = _env(tmp_path, database_url, fake_slack)
    result = run_vadesk(
        "job",
        "routine:morning",
        "--now",
        "2026-11-30T14:05:00Z",
        "--dry-run",
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "-- routine:morning to @U0VA1" in result.stdout
    assert "Morning routine: 0 of 4 done" in result.stdout
    assert "<@" not in result.stdout and "&amp;" not in result.stdout  # as a person reads it
    assert "routine:morning: 2 would post" in result.stdout
    assert fake_slack.calls("chat.postMessage") == []


def test_nothing_due_says_when_the_job_runs_next(tmp_path, engine, database_url, fake_slack):
    env = _env(tmp_path, database_url, fake_slack)
    result = run_vadesk(
        "job", "daily-digest", "--now", "2026-11-30T15:00:00Z", env=env, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "Nothing of daily-digest is due at 2026-11-30 15:00 UTC; next run: 2026-11-30 21:30 UTC."
    )
    assert len(fake_slack.calls("auth.test")) == 1  # the token check names the workspace


def test_a_job_checked_every_tick_says_so_instead_of_a_next_run_of_now(
    tmp_path, engine, database_url, fake_slack
):
    env = _env(tmp_path, database_url, fake_slack)
    result = run_vadesk("job", "reminders", "--now", "2026-11-30T15:56:00Z", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "Nothing of reminders is due at 2026-11-30 15:56 UTC; "
        "it looks again at every tick (every 30 s)."
    )


def test_a_digest_without_a_channel_says_why_it_is_not_scheduled(
    tmp_path, engine, database_url, fake_slack
):
    env = _env(tmp_path, database_url, fake_slack)
    toml = tmp_path / "vadesk.toml"
    toml.write_text(SCHEDULE_TOML.replace('digest = "C0DIGEST"', ""), encoding="utf-8")
    result = run_vadesk(
        "job", "daily-digest", "--now", "2026-11-30T15:00:00Z", env=env, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "Nothing of daily-digest is due at 2026-11-30 15:00 UTC; it is not scheduled: "
        "[channels] digest in vadesk.toml names no channel to post it to."
    )


def test_the_weekly_report_logs_no_matplotlib_chatter(tmp_path, engine, database_url, fake_slack):
    env = _env(tmp_path, database_url, fake_slack)
    result = run_vadesk(
        "job", "weekly-report", "--now", "2026-12-04T20:00:30Z", env=env, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert "weekly-report: 3 posted" in result.stdout
    assert "matplotlib" not in result.stderr and "categorical units" not in result.stderr


def test_two_processes_running_one_job_at_once_post_it_once(
    tmp_path, engine, database_url, fake_slack
):
    fake_slack.add_user("U0VA2", tz="America/New_York")
    env = _env(tmp_path, database_url, fake_slack)
    argv = vadesk_argv("job", "routine:morning", "--now", "2026-11-30T14:05:00Z")
    processes = [
        subprocess.Popen(
            argv, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outputs = [process.communicate(timeout=60) for process in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    channels = sorted(c.params["channel"] for c in fake_slack.calls("chat.postMessage"))
    assert channels == ["U0VA1", "U0VA2"]  # each VA once, whichever process claimed it


def test_the_scheduler_catches_up_once_at_start_and_stops_on_sigterm(
    tmp_path, engine, database_url, fake_slack
):
    fake_slack.add_user("U0VA2", tz="America/New_York")
    # The app was down all morning: at 11:40 in New York the morning routine, the Monday
    # audit and the 11:00 hourly check go out once each per VA, and the owner's day once.
    env = _env(tmp_path, database_url, fake_slack, VADESK_NOW="2026-11-30T16:40:00Z")
    process = subprocess.Popen(
        vadesk_argv("scheduler"), env=env, cwd=tmp_path, stderr=subprocess.PIPE, text=True
    )
    try:
        fake_slack.wait_for("chat.postMessage", 7, timeout=30)
        time.sleep(1.0)
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    texts = sorted(c.params["text"].splitlines()[0] for c in fake_slack.calls("chat.postMessage"))
    assert len(texts) == 7
    assert texts == sorted(
        ["Hourly check: 0 of 3 done", "Monday audit: 0 of 2 done", "Morning routine: 0 of 4 done"]
        * 2
        + ["Your day: 0 of 2 done"]
    )


def test_sla_sweep_runs_from_the_command_line_once(tmp_path, engine, database_url, fake_slack):
    from bot import clock
    from bot.services import chat_assignment, chats
    from store.db import session_scope
    from tests.scheduling import schedule_settings

    settings = schedule_settings(tmp_path, database_url, fake_slack)
    clock.set_now("2026-11-30T15:00:00Z")  # Monday 10:00 in New York
    message = chats.ChatMessage("T0TEAM", "C0ACME", "U0CLIENT", "1796050800.000000")
    with session_scope(engine) as session:
        outcome = chats.record_message(session, settings, message)
        chat_assignment.place(session, settings, outcome.conversation, clock.now())
    clock.set_now(None)
    env = _env(tmp_path, database_url, fake_slack)
    argv = ("job", "sla-sweep", "--now", "2026-11-30T15:20:00Z")
    result = run_vadesk(*argv, "--dry-run", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "-- sla-sweep to C0DIGEST" in result.stdout and "passed its first-response" in (
        result.stdout
    )
    assert fake_slack.calls("chat.postMessage") == []
    assert run_vadesk(*argv, env=env, cwd=tmp_path).returncode == 0
    assert run_vadesk(*argv, env=env, cwd=tmp_path).returncode == 0
    posted = [c.params["channel"] for c in fake_slack.calls("chat.postMessage")]
    assert posted == ["C0DIGEST"]  # the breach, once (the near breach is past: not sent)
