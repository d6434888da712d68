"""The billing timesheet: finished time entries as CSV rows a spreadsheet opens cleanly,
with their raw time (rounding is an invoice's, applied when one is drafted) and whether
each is billable by the one rule (`bot.services.billing.billable`)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, TextIO
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from bot.services.billing.billable import is_billable
from bot.services.billing.terms import non_billable_categories
from bot.services.errors import InputError
from bot.services.parsing import format_task_id
from bot.services.people import display_name, user_zone
from bot.services.rows import saved_id
from bot.services.text import spreadsheet_safe
from bot.services.tracked import FINISHED, RunningTimer
from store.models import Client, Task, TimeEntry, User

if TYPE_CHECKING:
    from bot.settings import Settings

COLUMNS = (
    "date",
    "va",
    "client",
    "task_id",
    "title",
    "start",
    "end",
    "hours",
    "billable",
    "source",
    "notes",
    "timezone",
    "entry_id",
    "va_user_id",
    "start_utc",
    "end_utc",
)


@dataclass(frozen=True)
class TimesheetRow:
    day: date
    va: str
    client: str
    task_id: str
    title: str
    start: datetime
    end: datetime
    hours: float
    billable: bool
    source: str
    notes: str
    zone: ZoneInfo
    entry_id: int
    user_id: str


def decimal_hours(duration: timedelta) -> float:
    """The raw time as decimal hours to four places (0.36 s): never rounded to a billing
    increment, which only an invoice applies."""
    return round(duration.total_seconds() / 3600, 4)


def _clients(team_id: str | None) -> SelectOfScalar[Client]:
    query = select(Client)
    return query if team_id is None else query.where(Client.team_id == team_id)


def _client_filter(
    session: Session, settings: Settings, text: str, team_id: str | None
) -> list[int]:
    """The clients `--client` names; a configured one nobody has worked for yet (no row)
    names none, and its timesheet is empty."""
    wanted = text.strip().lower()

    def named(key: str, name: str, channel: str | None) -> bool:
        return wanted in (key.lower(), name.lower(), (channel or "").lower())

    matches = [
        saved_id(c) for c in session.exec(_clients(team_id)) if named(c.key, c.name, c.channel_id)
    ]
    configured = any(named(c.key, c.name, c.channel) for c in settings.clients)
    if not matches and not configured:
        raise InputError(f"No client called '{text}'; use a client key, name or channel id.")
    return matches


def _check_user(session: Session, settings: Settings, user_id: str, team_id: str | None) -> None:
    """A `--user` nobody knows is refused, like an unknown client: an empty timesheet for a
    mistyped id would read as "no time tracked"."""
    roles = settings.roles
    if user_id in (*roles.vas, *roles.supervisors, *roles.owners):
        return
    query = select(User.id).where(User.id == user_id)
    if team_id is not None:
        query = query.where(User.team_id == team_id)
    if session.exec(query.limit(1)).first() is None:
        raise InputError(
            f"No one with the Slack member ID '{user_id}' uses VA Desk; "
            "use a member ID such as U0123ABCD (Slack: profile → ⋮ → Copy member ID)."
        )


def timesheet_rows(
    session: Session,
    settings: Settings,
    first_day: date,
    last_day: date,
    client: str | None = None,
    user_id: str | None = None,
    team_id: str | None = None,
    days_in: ZoneInfo | None = None,
) -> list[TimesheetRow]:
    """Finished entries whose local start date lies in [first_day, last_day]: one
    workspace's (a scheduled report), or the whole database's (an operator's export).
    Dates are each VA's own, or with `days_in` everyone's in that zone (the days a report's
    figures count); times are shown in each VA's zone. Running timers are not billed yet
    (`bot.services.tracked`)."""
    if last_day < first_day:
        raise InputError("--to is before --from.")
    window_start = datetime.combine(first_day - timedelta(days=1), time(0), tzinfo=ZoneInfo("UTC"))
    window_end = datetime.combine(last_day + timedelta(days=2), time(0), tzinfo=ZoneInfo("UTC"))
    query = (
        select(TimeEntry, Task)
        .join(Task, col(Task.id) == TimeEntry.task_id)
        .where(
            FINISHED,
            TimeEntry.started_at >= window_start,
            TimeEntry.started_at < window_end,
        )
        .order_by(col(TimeEntry.started_at), col(TimeEntry.id))
    )
    if team_id is not None:
        query = query.where(TimeEntry.team_id == team_id)
    if user_id:
        _check_user(session, settings, user_id, team_id)
        query = query.where(TimeEntry.user_id == user_id)
    if client:
        query = query.where(
            col(Task.client_id).in_(_client_filter(session, settings, client, team_id))
        )
    clients = {c.id: c.name for c in session.exec(_clients(team_id))}
    # Each VA's zone and name once: the session does not keep the user rows it loads
    # (its identity map holds them weakly), so asking per row asked the database twice.
    people: dict[tuple[str, str], tuple[ZoneInfo, str]] = {}
    off = non_billable_categories(settings)
    rows = []
    for entry, task in session.exec(query):
        assert entry.ended_at is not None  # the query's FINISHED
        person = (entry.team_id, entry.user_id)
        if person not in people:
            people[person] = (
                user_zone(session, settings, *person),
                display_name(session, *person),
            )
        zone, va = people[person]
        start = entry.started_at.astimezone(zone)
        if not first_day <= entry.started_at.astimezone(days_in or zone).date() <= last_day:
            continue
        rows.append(
            TimesheetRow(
                day=start.date(),
                va=va,
                client=clients.get(task.client_id, ""),
                task_id=format_task_id(task.number),
                title=task.title,
                start=start,
                end=entry.ended_at.astimezone(zone),
                hours=decimal_hours(entry.ended_at - entry.started_at),
                billable=is_billable(task, entry, off),
                source=entry.source,
                notes=entry.notes or "",
                zone=zone,
                entry_id=saved_id(entry),
                user_id=entry.user_id,
            )
        )
    return rows


def timesheet_comment(rows: list[TimesheetRow], running: list[RunningTimer]) -> str:
    """What a posted timesheet holds, and the running timers it leaves out."""
    comment = f"{len(rows)} time entries, {sum(row.hours for row in rows):.2f} h"
    if not running:
        return comment
    timers = f"{len(running)} running timer{'s' if len(running) != 1 else ''}"
    return f"{comment}; not included until stopped: {timers} (see the report)"


def _utc_text(instant: datetime) -> str:
    """The unambiguous instant: local times repeat on the night clocks fall back."""
    return instant.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ")


def write_csv(rows: list[TimesheetRow], stream: TextIO) -> None:
    writer = csv.writer(stream)
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(
            [
                row.day.isoformat(),
                spreadsheet_safe(row.va),
                spreadsheet_safe(row.client),
                row.task_id,
                spreadsheet_safe(row.title),
                row.start.strftime("%Y-%m-%d %H:%M"),
                row.end.strftime("%Y-%m-%d %H:%M"),
                f"{row.hours:.4f}",
                "yes" if row.billable else "no",
                row.source,
                spreadsheet_safe(row.notes),
                row.zone.key,
                row.entry_id,
                row.user_id,
                _utc_text(row.start),
                _utc_text(row.end),
            ]
        )
