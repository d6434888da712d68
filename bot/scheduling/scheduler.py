"""The scheduler: one frequent tick that asks every job which slots fell due since a
day ago, and sends each recipient's latest one if it is still worth sending.

Slots are computed in each recipient's own calendar (a VA's routine in the VA's zone and
working hours, the digest in the workspace's), so APScheduler only has to tick. Sending
the *latest* due slot per recipient, only while it is useful, is the catch-up rule: a run
missed while the app was down is sent once at start, not once per missed slot, and not
at all once it is stale: a checklist once its day is over, a digest or weekly report once
the next one is due. Each message is claimed in the database before it is posted
(`bot.scheduling.notify`), so any number of processes may tick: every slot goes out once.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from apscheduler.schedulers.background import BackgroundScheduler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import select

from bot import clock
from bot.failure_log import log_failure
from bot.observe.metrics import Metrics
from bot.scheduling.appointment_reminders import AppointmentRemindersJob
from bot.scheduling.calendars import CalendarRefreshJob
from bot.scheduling.chat_targets import SlaSweepJob
from bot.scheduling.csat import CsatPromptJob
from bot.scheduling.delegation import AssignmentChaseJob, AssignmentRecurrenceJob
from bot.scheduling.digest import DigestJob, WeeklyReportJob
from bot.scheduling.escalations import EscalationFollowUpJob
from bot.scheduling.jobs import Due, Job, JobContext
from bot.scheduling.notify import Notifier, Outcome, Outgoing
from bot.scheduling.reminders import RemindersJob
from bot.scheduling.routines import RoutineJob
from bot.services.people import (
    ProfileLookup,
    resolve_actor,
    roster,
    stale_profiles,
)
from bot.settings import Settings
from bot.slack.desk import profile_lookup
from bot.slack.web_client import make_posting_client
from store.db import session_scope
from store.heartbeat import record_tick
from store.models import Workspace

logger = logging.getLogger(__name__)

TICK_SECONDS = 30
# Far enough back to find any checklist or reminder still useful now (until its day ends);
# reports look further back on their own (`latest_report_slot`).
LOOKBACK = timedelta(hours=26)
AUTH_RETRY_SECONDS = 600.0
PROFILES_PER_TICK = 20
PROFILE_RETRY_SECONDS = 3600.0
# Which scheduler wrote a beat, for whoever reads /healthz with several of them running.
PROCESS = f"{socket.gethostname()}:{os.getpid()}"


class Sender(Protocol):
    def deliver(self, outgoings: list[Outgoing]) -> list[Outcome]: ...


class UnknownJob(ValueError):
    def __init__(self, name: str, valid: list[str]) -> None:
        super().__init__(f"unknown job {name!r}; the jobs are: {', '.join(valid)}")


@dataclass(frozen=True)
class Upcoming:
    name: str
    summary: str
    next_run: datetime | None


def all_jobs(settings: Settings) -> dict[str, Job]:
    """Every job by name: the routines in effect, the reports, reminders (of timers and
    of appointments), escalation follow-ups, delegation, CSAT prompts, the SLA sweep and
    the calendar refresh."""
    jobs: list[Job] = [RoutineJob(routine) for routine in settings.routines]
    jobs += [
        DigestJob(),
        WeeklyReportJob(),
        RemindersJob(),
        AppointmentRemindersJob(),
        EscalationFollowUpJob(),
        AssignmentChaseJob(),
        AssignmentRecurrenceJob(),
        CsatPromptJob(),
        SlaSweepJob(),
        CalendarRefreshJob(),
    ]
    return {job.name: job for job in jobs}


def latest_useful(dues: list[Due], now: datetime) -> list[Due]:
    """Per (job, team, recipient), the latest slot, if it is still useful now."""
    latest: dict[tuple[str, str, str], Due] = {}
    for due in dues:
        key = (due.job, due.team_id, due.recipient)
        if key not in latest or due.slot.at > latest[key].slot.at:
            latest[key] = due
    return [due for due in latest.values() if now < due.slot.useful_until]


class Scheduler:
    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        client: WebClient,
        team_id: str | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        """`team_id`: the bot token's workspace when the caller already asked auth.test;
        `metrics`: where the ticks' durations are observed."""
        self.metrics = metrics
        self.context = JobContext(settings, engine)
        self.jobs: dict[str, Job] = all_jobs(settings)
        self._client = client
        self._team_from_slack: str | None = team_id
        self._auth_retry_at = 0.0
        self._ask_again_at: dict[str, float] = {}
        self._not_yet_known: dict[str, set[str]] = {}
        self._background: BackgroundScheduler | None = None
        self._idle = threading.Condition()
        self._busy = False
        self._chores_busy = False

    # -- what is due -------------------------------------------------------------------

    def job(self, name: str) -> Job:
        if name not in self.jobs:
            raise UnknownJob(name, list(self.jobs))
        return self.jobs[name]

    def team_ids(self) -> list[str]:
        """The workspace VA Desk is installed in: the bot token's (auth.test, asked once;
        after a failure, again at most every AUTH_RETRY_SECONDS). Until Slack has said
        (no token, as in a dry run, or Slack unreachable), the one workspace the database
        knows; none when it knows several, since which one is ours cannot be told."""
        if (
            self._team_from_slack is None
            and self.context.settings.bot_token
            and time.monotonic() >= self._auth_retry_at
        ):
            try:
                self._team_from_slack = self._client.auth_test().get("team_id") or ""
            except (SlackApiError, OSError) as error:
                self._auth_retry_at = time.monotonic() + AUTH_RETRY_SECONDS
                logger.warning("auth.test failed; scheduling for the known workspace: %s", error)
        if self._team_from_slack:
            return [self._team_from_slack]
        with session_scope(self.context.engine) as session:
            known = list(session.exec(select(Workspace.id).limit(2)).all())
        return known if len(known) == 1 else []

    def refresh_people(self, team_id: str) -> None:
        """Learn (once a day) the Slack time zone of everyone routines go to: a few people
        a tick, stopping at the first failure, so a slow or unreachable Slack holds a tick
        up for one call at most; someone Slack could not tell about is asked again an hour
        later.

        Whoever was never learned and is still to be asked waits for their own messages
        (`due_messages`): sent in the workspace's zone first and in their own once known,
        a morning checklist would come twice on their first day."""
        settings = self.context.settings
        with session_scope(self.context.engine) as session:
            everyone = list(roster(session, settings, team_id).everyone)
            stale, unknown = stale_profiles(session, team_id, everyone)
        now = time.monotonic()
        due = [u for u in stale if self._ask_again_at.get(u, 0.0) <= now]
        lookup = profile_lookup(self._client)
        learned: set[str] = set()
        for user_id in due[:PROFILES_PER_TICK]:
            profile = lookup(user_id)  # asked between transactions
            if profile is None:  # Slack refused or is unreachable: no more asking this tick
                self._ask_again_at[user_id] = time.monotonic() + PROFILE_RETRY_SECONDS
                break
            with session_scope(self.context.engine) as session:
                resolve_actor(session, settings, team_id, user_id, _answering(profile))
            learned.add(user_id)
        held = {u for u in unknown if self._ask_again_at.get(u, 0.0) > time.monotonic()}
        self._not_yet_known[team_id] = unknown - learned - held

    def due_messages(self, now: datetime, only: str | None = None) -> list[Outgoing]:
        """The messages the jobs (or the one named) have to send at `now`."""
        jobs = [self.job(only)] if only else list(self.jobs.values())
        outgoings: list[Outgoing] = []
        for team_id in self.team_ids():
            for job in jobs:
                if job.chore:
                    continue
                waiting = self._not_yet_known.get(team_id, set())
                try:
                    dues = job.due(self.context, team_id, now - LOOKBACK, now)
                    for due in latest_useful(dues, now):
                        if due.recipient not in waiting:
                            outgoings += job.messages(self.context, due)
                except Exception as error:  # one broken job does not hold up the others
                    log_failure(logger, error, "job %s failed to say what is due", job.name)
        return outgoings

    def run_chores(self, now: datetime, only: str | None = None, force: bool = False) -> list[str]:
        """The chores' work (or the one named): what each did, one line per thing."""
        jobs = [self.job(only)] if only else list(self.jobs.values())
        lines: list[str] = []
        for team_id in self.team_ids():
            for job in jobs:
                if not job.chore:
                    continue
                try:
                    lines += job.run(self.context, team_id, now, force)
                except Exception as error:  # one broken chore does not hold up the rest
                    log_failure(logger, error, "job %s failed", job.name)
        return lines

    def run_due(
        self,
        sender: Sender,
        now: datetime | None = None,
        only: str | None = None,
        refresh: bool = True,
        chores: bool = True,
    ) -> list[Outcome]:
        """One tick: what `vadesk job` and tests call. In the background the chores tick
        on their own (`start`), so a slow calendar never holds up a reminder."""
        now = now or clock.now()
        if refresh:
            for team_id in self.team_ids():
                self.refresh_people(team_id)
        if chores:
            self.run_chores(now, only)
        return sender.deliver(self.due_messages(now, only))

    def upcoming(self, after: datetime) -> list[Upcoming]:
        teams = self.team_ids()
        result = []
        for job in self.jobs.values():
            runs = [job.next_run(self.context, team_id, after) for team_id in teams]
            found = [run for run in runs if run is not None]
            result.append(Upcoming(job.name, job.summary, min(found, default=None)))
        return result

    # -- running in the background ------------------------------------------------------

    def start(self, notifier: Notifier, tick_seconds: float = TICK_SECONDS) -> None:
        """Tick now (catching up what was missed while down), then every tick_seconds."""
        self._background = BackgroundScheduler(timezone=UTC)
        # Posts and chores tick apart, so a slow calendar never holds up a reminder.
        for run, job_id, args in (
            (self._tick, "vadesk-tick", [notifier]),
            (self._chore_tick, "vadesk-chores", []),
        ):
            self._background.add_job(
                run,
                "interval",
                args=args,
                seconds=tick_seconds,
                id=job_id,
                replace_existing=True,
                max_instances=1,
                coalesce=True,
                next_run_time=datetime.now(UTC),
            )
        self._background.start()
        logger.info("scheduler started: %d jobs, a tick every %g s", len(self.jobs), tick_seconds)

    def _chore_tick(self) -> None:
        with self._idle:
            self._chores_busy = True
        try:
            self._beat("chores", lambda: self.run_chores(clock.now()))
        finally:
            with self._idle:
                self._chores_busy = False
                self._idle.notify_all()

    def _tick(self, notifier: Notifier) -> None:
        def post_what_is_due() -> None:
            outcomes = self.run_due(notifier, chores=False)
            posted = sum(1 for outcome in outcomes if outcome.status == "posted")
            if posted:
                logger.info("scheduler posted %d message(s)", posted)

        with self._idle:
            self._busy = True
        try:
            self._beat("posts", post_what_is_due)
        finally:
            with self._idle:
                self._busy = False
                self._idle.notify_all()

    def _beat(self, tick: str, run: Callable[[], object]) -> None:
        """Run one background tick and write its beat (start, end, whether it failed) to
        the database, where /healthz on any replica reads it. Wall-clock times: the beat
        says when the process ticked, whatever `bot.clock` is pinned to."""
        started, began = datetime.now(UTC), time.perf_counter()
        ok = False
        try:
            run()
            ok = True
        except Exception as error:
            log_failure(logger, error, "scheduler %s tick failed; the next tick tries again", tick)
        seconds = time.perf_counter() - began
        finished = started + timedelta(seconds=seconds)
        if self.metrics is not None:
            self.metrics.tick_seconds.labels(tick).observe(seconds)
        try:
            record_tick(self.context.engine, tick, started, finished, ok, PROCESS)
        except SQLAlchemyError as error:
            log_failure(logger, error, "could not record the scheduler's %s tick", tick)

    def stop(self, timeout: float = 10.0) -> bool:
        """Take no more ticks; wait up to `timeout` for the one in progress."""
        if self._background is None:
            return True
        self._background.shutdown(wait=False)
        with self._idle:
            return self._idle.wait_for(lambda: not (self._busy or self._chores_busy), timeout)


def _answering(profile: dict) -> ProfileLookup:
    """A lookup that answers with the profile Slack already gave."""
    return lambda _user_id: profile


def start_scheduler(
    settings: Settings, engine: Engine, client: WebClient, metrics: Metrics | None = None
) -> Scheduler:
    """The scheduler of `run`, `serve` and `vadesk scheduler`, ticking in the background;
    with `metrics`, its ticks and posts are counted there."""
    scheduler = Scheduler(settings, engine, client, metrics=metrics)
    poster = make_posting_client(settings.bot_token, settings.slack_api_url, metrics)
    scheduler.start(Notifier(poster, engine))
    return scheduler
