"""Whose working time is when: a person's calendar (their working hours in their own
zone, the workspace's business days and holidays), the workspace's, and out of office."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, cast
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from bot import clock
from bot.services.errors import InputError
from bot.services.people import Actor, user_zone
from bot.services.schedules import Calendar
from bot.services.text import day_text
from store.models import User

if TYPE_CHECKING:
    from bot.settings import Settings


def workspace_calendar(settings: Settings) -> Calendar:
    workspace = settings.workspace
    return Calendar(
        zone=ZoneInfo(workspace.timezone),
        start=workspace.business_hours[0],
        end=workspace.business_hours[1],
        days=workspace.business_days,
        holidays=frozenset(workspace.holidays),
    )


def person_calendar(
    session: Session, settings: Settings, team_id: str, user_id: str, zone: ZoneInfo | None = None
) -> Calendar:
    """The person's working hours (or the business hours) in their own zone (read from
    the database unless the caller read it already, `zone`)."""
    workspace = settings.workspace
    hours = settings.user_settings(user_id).working_hours or workspace.business_hours
    return Calendar(
        zone=zone or user_zone(session, settings, team_id, user_id),
        start=hours[0],
        end=hours[1],
        days=workspace.business_days,
        holidays=frozenset(workspace.holidays),
    )


def away_until(session: Session, team_id: str, user_ids: list[str]) -> dict[str, date]:
    """Who is out of office, up to and including which day."""
    rows = session.exec(
        select(User.id, col(User.away_until)).where(
            User.team_id == team_id, col(User.id).in_(user_ids), col(User.away_until).is_not(None)
        )
    ).all()
    return cast(dict[str, date], dict(rows))  # away_until IS NOT NULL in these rows


def is_away(away: dict[str, date], user_id: str, day: date) -> bool:
    return user_id in away and day <= away[user_id]


MAX_AWAY_DAYS = 366
AWAY_HELP = (
    "*`/ooo`* — out of office: no routines or reminders while you are away\n"
    "• `/ooo until <date>` — away up to and including that day (`friday`, `2026-12-31`)\n"
    "• `/ooo off` — back in the office\n"
    "• `/ooo` — where you stand\n"
    "The App Home has the same switch."
)


def set_away(session: Session, actor: Actor, until: date | None) -> str:
    """Mark the person out of office up to `until` (inclusive), or back with None."""
    user = session.get_one(User, (actor.team_id, actor.user_id))
    today = clock.now().astimezone(actor.zone).date()
    if until is not None:
        if until < today:
            raise InputError(f"{day_text(until)} has passed; give today or a later day.")
        if until > today + timedelta(days=MAX_AWAY_DAYS):
            raise InputError(f"Out of office can be set up to {MAX_AWAY_DAYS} days ahead.")
    was = user.away_until if user.away_until and user.away_until >= today else None
    user.away_until = until
    session.add(user)
    if until is None:
        return (
            "Welcome back: routines and reminders reach you again."
            if was
            else "You are not out of office; nothing changed."
        )
    return (
        f"Out of office up to and including {day_text(until)}: no routines or "
        "reminders until then. `/ooo off` when you are back earlier."
    )


def away_status(session: Session, actor: Actor) -> date | None:
    """The last day the person is away, or None when they are in."""
    user = session.get_one(User, (actor.team_id, actor.user_id))
    today = clock.now().astimezone(actor.zone).date()
    if user is None or user.away_until is None or user.away_until < today:
        return None
    return user.away_until
