"""Whose working time is when: a person's calendar (their working hours in their own
zone, the workspace's business days and holidays), the workspace's, and out of office."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from bot.config import Settings
from bot.services.people import user_zone
from bot.services.schedules import Calendar
from store.models import User


def workspace_calendar(settings: Settings) -> Calendar:
    workspace = settings.workspace
    return Calendar(
        zone=ZoneInfo(workspace.timezone),
        start=workspace.business_hours[0],
        end=workspace.business_hours[1],
        days=workspace.business_days,
        holidays=frozenset(workspace.holidays),
    )


def person_calendar(session: Session, settings: Settings, team_id: str, user_id: str) -> Calendar:
    """The person's working hours (or the business hours) in their own zone."""
    workspace = settings.workspace
    hours = settings.user_settings(user_id).working_hours or workspace.business_hours
    return Calendar(
        zone=user_zone(session, settings, team_id, user_id),
        start=hours[0],
        end=hours[1],
        days=workspace.business_days,
        holidays=frozenset(workspace.holidays),
    )


def away_until(session: Session, team_id: str, user_ids: list[str]) -> dict[str, date]:
    """Who is out of office, up to and including which day."""
    rows = session.exec(
        select(User.id, User.away_until).where(
            User.team_id == team_id, User.id.in_(user_ids), User.away_until.is_not(None)
        )
    ).all()
    return dict(rows)


def is_away(away: dict[str, date], user_id: str, day: date) -> bool:
    return user_id in away and day <= away[user_id]
