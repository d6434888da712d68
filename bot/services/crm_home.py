"""The contacts part of the App Home: for supervisors and owners, the pipeline's figures
per stage and how many contacts are stale (the digest lists them with their buttons);
for whoever owns contacts, the ones whose next step is due today or overdue in their own
time zone, oldest due first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy.sql import ColumnElement
from sqlmodel import Session, col, func, select

from bot.services.people import Actor
from bot.services.pipeline import Summary, pipeline_summary
from bot.services.stale import stale_count
from store.models import Contact

if TYPE_CHECKING:
    from bot.settings import Settings

HOME_CONTACT_LIMIT = 10  # contacts with a next step due, on one section
HOME_OLDEST_PER_STAGE = 0  # the Home gives each stage's figures; `/pipeline` its oldest


@dataclass(frozen=True)
class ContactsHome:
    today: date  # the person's own day
    due: list[Contact]  # theirs, next step due by today, oldest due first
    more_due: int
    stale: int | None  # None: not a supervisor or owner
    pipeline: Summary | None = None  # None: not a supervisor or owner


def _due_by(
    team_id: str, user_id: str, today: date, since: date | None = None
) -> list[ColumnElement[bool]]:
    due = [
        col(Contact.team_id) == team_id,
        col(Contact.owner_id) == user_id,
        col(Contact.next_step_due) <= today,
        col(Contact.archived_at).is_(None),
    ]
    if since is not None:
        due.append(col(Contact.next_step_due) >= since)
    return due


def next_steps_due(
    session: Session,
    team_id: str,
    user_id: str,
    today: date,
    limit: int,
    since: date | None = None,
) -> tuple[list[Contact], int]:
    """The person's contacts (not archived) whose next step is due on or before `today`
    (and on or after `since`, when given: the agenda's days), oldest due first, at most
    `limit`; and how many there are in all."""
    due = list(
        session.exec(
            select(Contact)
            .where(*_due_by(team_id, user_id, today, since))
            .order_by(col(Contact.next_step_due), col(Contact.id))
            .limit(limit)
        )
    )
    if len(due) < limit:
        return due, len(due)
    total = session.exec(
        select(func.count()).select_from(Contact).where(*_due_by(team_id, user_id, today, since))
    ).one()
    return due, total


def contacts_home(
    session: Session, settings: Settings, actor: Actor, now: datetime
) -> ContactsHome:
    today = now.astimezone(actor.zone).date()
    due, total = next_steps_due(session, actor.team_id, actor.user_id, today, HOME_CONTACT_LIMIT)
    if not actor.is_manager:
        return ContactsHome(today=today, due=due, more_due=total - len(due), stale=None)
    return ContactsHome(
        today=today,
        due=due,
        more_due=total - len(due),
        stale=stale_count(session, settings, actor.team_id, now),
        pipeline=pipeline_summary(session, settings, actor.team_id, HOME_OLDEST_PER_STAGE),
    )
