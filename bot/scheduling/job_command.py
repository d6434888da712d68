"""`vadesk job`: the scheduler of a run by hand and where it sends, then the report: every
job with its next run, or what one job's run became (exactly what the scheduler would have
sent), and why nothing was due."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from bot.scheduling.notify import DryRun, Notifier
from bot.scheduling.scheduler import TICK_SECONDS, Scheduler, Sender
from bot.services.agenda.check import check_feeds
from bot.services.errors import VADeskError
from bot.settings import Settings
from bot.slack.web_client import make_posting_client, make_web_client


def scheduler_for(settings: Settings, engine: Engine, team_id: str | None) -> tuple[Scheduler, str]:
    """The scheduler and the workspace it runs for: `team_id` when Slack named it, else
    the one the database knows; a sentence when there is none yet."""
    client = make_web_client(settings.bot_token, settings.slack_api_url)
    scheduler = Scheduler(settings, engine, client, team_id=team_id)
    team_ids = scheduler.team_ids()
    if not team_ids:
        raise VADeskError(
            "no Slack workspace is known yet: set SLACK_BOT_TOKEN (auth.test names it), "
            "or use VA Desk in Slack once"
        )
    return scheduler, team_ids[0]


def sender_for(settings: Settings, engine: Engine, *, dry_run: bool) -> Sender:
    """Slack itself, or (a dry run) standard output with nothing posted or kept."""
    if dry_run:
        return DryRun(engine, sys.stdout)
    return Notifier(make_posting_client(settings.bot_token, settings.slack_api_url), engine)


def print_upcoming(scheduler: Scheduler, now: datetime) -> None:
    print(f"{'job':<26} {'next run (UTC)':<18} what")
    for upcoming in scheduler.upcoming(now):
        when = f"{upcoming.next_run:%Y-%m-%d %H:%M}" if upcoming.next_run else "-"
        print(f"{upcoming.name:<26} {when:<18} {upcoming.summary}")


def run_by_hand(
    scheduler: Scheduler, sender: Sender, now: datetime, name: str, *, refresh: bool
) -> int:
    """Send what the job `name` has due at `now` and say what became of each message: the
    exit status is 1 when one failed or is unconfirmed. A chore does all its work now."""
    if scheduler.job(name).chore:
        return run_chore_by_hand(scheduler, now, name, dry_run=isinstance(sender, DryRun))
    outcomes = scheduler.run_due(sender, now, only=name, refresh=refresh)
    if not outcomes:
        print(nothing_due(scheduler, name, now))
        return 0
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
        if outcome.status in ("failed", "unconfirmed"):
            print(f"{outcome.status}: {outcome.outgoing.recipient}: {outcome.detail}")
    print(f"{name}: " + ", ".join(f"{n} {status}" for status, n in counts.items()))
    return 1 if counts.get("failed") or counts.get("unconfirmed") else 0


def nothing_due(scheduler: Scheduler, name: str, now: datetime) -> str:
    (upcoming,) = [u for u in scheduler.upcoming(now) if u.name == name]
    nothing = f"Nothing of {name} is due at {now:%Y-%m-%d %H:%M} UTC"
    if upcoming.next_run is None:
        reason = scheduler.job(name).unscheduled_reason(scheduler.context)
        return f"{nothing}; it is not scheduled: {reason}."
    if upcoming.next_run <= now + timedelta(seconds=TICK_SECONDS):
        return f"{nothing}; it looks again at every tick (every {TICK_SECONDS} s)."
    return f"{nothing}; next run: {upcoming.next_run:%Y-%m-%d %H:%M} UTC."


def run_chore_by_hand(scheduler: Scheduler, now: datetime, name: str, *, dry_run: bool) -> int:
    """The calendar refresh by hand: every feed read now and stored (a dry run reads them
    and stores nothing), one line each; the exit status is 1 when one failed."""
    if dry_run:
        checks = check_feeds(scheduler.context.settings)
        lines = [
            f"{c.key} ({c.shown}): {'would store' if c.ok else 'failed'}: {c.detail}"
            for c in checks
        ]
    else:
        lines = scheduler.run_chores(now, only=name, force=True)
    for line in lines:
        print(line)
    if not lines:
        reason = scheduler.job(name).unscheduled_reason(scheduler.context)
        print(f"{name}: nothing to do: {reason}.")
    failed = sum(1 for line in lines if "): failed" in line)
    print(f"{name}: {len(lines)} feed(s), {failed} failed")
    return 1 if failed else 0
