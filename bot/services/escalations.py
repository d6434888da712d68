"""Escalations (SOP: escalate with full context, follow up until resolved): a VA gives the
summary, the actions already taken, background, the question or decision needed, the
urgency and the contact's tag; a supervisor or owner takes it and resolves it with notes.
Open escalations are followed up every 30 business minutes (urgent) or 4 business hours
(normal) of the workspace calendar until resolved."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from bot import clock
from bot.services.calendars import workspace_calendar
from bot.services.errors import AlreadyDone, FieldErrors, InputError, NotFound, PermissionDenied
from bot.services.people import Actor
from bot.services.rows import saved_id
from bot.services.schedules import latest_repeat
from bot.services.text import NOTES_LIMIT, time_token
from store.models import ESCALATION_URGENCIES, Escalation, Task

if TYPE_CHECKING:
    from bot.settings import Settings

FOLLOW_UP_EVERY = {"urgent": timedelta(minutes=30), "normal": timedelta(hours=4)}
TAG_LIMIT = 200


def format_escalation_id(escalation_id: int) -> str:
    return f"ESC-{escalation_id}"


@dataclass(frozen=True)
class EscalationDraft:
    summary: str | None
    actions_taken: str | None
    question: str | None
    background: str | None = None
    urgency: str | None = "normal"
    contact_tag: str | None = None


def escalation_channel(settings: Settings) -> str:
    channel = settings.channels.escalations
    if channel is None:
        raise InputError(
            "Escalations need a channel: set `[channels] escalations` in vadesk.toml "
            "(ask an owner)."
        )
    return channel


def _checked(draft: EscalationDraft) -> dict[str, str]:
    """The draft's problems by field: what the SOP requires, and Slack's limits."""
    errors = {}
    for field, value, what in (
        ("summary", draft.summary, "a summary"),
        ("actions_taken", draft.actions_taken, "the actions already taken"),
        ("question", draft.question, "the question or decision needed"),
    ):
        if not (value or "").strip():
            errors[field] = f"Give {what}: whoever takes it needs the full context."
    for field, value in (
        ("summary", draft.summary),
        ("actions_taken", draft.actions_taken),
        ("question", draft.question),
        ("background", draft.background),
    ):
        if value and len(value) > NOTES_LIMIT:
            errors[field] = f"At most {NOTES_LIMIT:,} characters."
    if draft.urgency not in ESCALATION_URGENCIES:
        errors["urgency"] = "Pick urgent or normal."
    if draft.contact_tag and len(draft.contact_tag) > TAG_LIMIT:
        errors["contact_tag"] = f"At most {TAG_LIMIT} characters."
    return errors


def raise_escalation(
    session: Session,
    settings: Settings,
    actor: Actor,
    draft: EscalationDraft,
    task_number: int | None = None,
    source_permalink: str | None = None,
) -> Escalation:
    escalation_channel(settings)
    errors = _checked(draft)
    if errors:
        raise FieldErrors(errors)
    assert draft.urgency is not None  # _checked refused any other than ESCALATION_URGENCIES
    task_id = None
    if task_number is not None:
        task = session.exec(
            select(Task).where(Task.team_id == actor.team_id, Task.number == task_number)
        ).first()
        if task is None:
            raise NotFound(f"There is no T-{task_number} in this workspace.")
        task_id = task.id
    escalation = Escalation(
        team_id=actor.team_id,
        raised_by=actor.user_id,
        task_id=task_id,
        source_permalink=source_permalink,
        summary=(draft.summary or "").strip(),
        actions_taken=(draft.actions_taken or "").strip(),
        background=(draft.background or "").strip() or None,
        question=(draft.question or "").strip(),
        urgency=draft.urgency,
        contact_tag=(draft.contact_tag or "").strip() or None,
        created_at=clock.now(),
    )
    session.add(escalation)
    session.flush()
    return escalation


def get_escalation(
    session: Session, team_id: str, escalation_id: int, lock: bool = False
) -> Escalation:
    escalation = session.get(Escalation, escalation_id, with_for_update=lock)
    if escalation is None or escalation.team_id != team_id:
        raise NotFound(f"There is no {format_escalation_id(escalation_id)} in this workspace.")
    return escalation


def _check_open(escalation: Escalation) -> None:
    if escalation.resolved_at is not None:
        raise AlreadyDone(
            f"{format_escalation_id(saved_id(escalation))} was already resolved by "
            f"<@{escalation.resolved_by}> {time_token(escalation.resolved_at)}."
        )


def _check_handler(actor: Actor, escalation: Escalation) -> None:
    if not actor.is_manager:
        raise PermissionDenied(
            "Supervisors and owners take and resolve escalations; nothing changed."
        )
    if actor.user_id == escalation.raised_by:
        raise PermissionDenied("You raised this escalation; someone else takes it.")


def take(session: Session, actor: Actor, escalation_id: int) -> Escalation:
    escalation = get_escalation(session, actor.team_id, escalation_id, lock=True)
    _check_open(escalation)
    _check_handler(actor, escalation)
    if escalation.taken_by is not None:
        assert escalation.taken_at is not None  # taken_by and taken_at are set together
        raise AlreadyDone(
            f"{format_escalation_id(saved_id(escalation))} was already taken by "
            f"<@{escalation.taken_by}> {time_token(escalation.taken_at)}."
        )
    escalation.taken_by, escalation.taken_at = actor.user_id, clock.now()
    session.add(escalation)
    return escalation


def check_resolvable(session: Session, actor: Actor, escalation_id: int) -> Escalation:
    """Before the resolution form opens: still open, and theirs to resolve."""
    escalation = get_escalation(session, actor.team_id, escalation_id)
    _check_open(escalation)
    _check_handler(actor, escalation)
    return escalation


def resolve(session: Session, actor: Actor, escalation_id: int, notes: str | None) -> Escalation:
    notes = (notes or "").strip()
    if not notes:
        raise FieldErrors({"resolution": "Say how it was resolved: the VA learns from it."})
    if len(notes) > NOTES_LIMIT:
        raise FieldErrors({"resolution": f"At most {NOTES_LIMIT:,} characters."})
    escalation = get_escalation(session, actor.team_id, escalation_id, lock=True)
    _check_open(escalation)
    _check_handler(actor, escalation)
    now = clock.now()
    if escalation.taken_by is None:  # resolving it takes it too
        escalation.taken_by, escalation.taken_at = actor.user_id, now
    escalation.resolved_by, escalation.resolved_at, escalation.resolution = (
        actor.user_id,
        now,
        notes,
    )
    session.add(escalation)
    return escalation


def record_posted(session: Session, escalation_id: int, channel: str, ts: str | None) -> None:
    escalation = session.get_one(Escalation, escalation_id)
    escalation.channel_id, escalation.message_ts = channel, ts
    session.add(escalation)


@dataclass(frozen=True)
class FollowUp:
    escalation: Escalation
    at: datetime
    count: int  # the how-manieth follow-up


def follow_ups_due(
    session: Session, settings: Settings, team_id: str, since: datetime, until: datetime
) -> list[FollowUp]:
    """The latest follow-up in (since, until] of each open escalation (one whose message
    Slack refused is posted then, instead of followed up)."""
    calendar = workspace_calendar(settings)
    found = []
    open_ones = session.exec(
        select(Escalation).where(
            Escalation.team_id == team_id,
            col(Escalation.resolved_at).is_(None),
        )
    ).all()
    for escalation in open_ones:
        every = FOLLOW_UP_EVERY[escalation.urgency]
        latest = latest_repeat(calendar, escalation.created_at, every, since, until)
        if latest is not None:
            found.append(FollowUp(escalation, *latest))
    return found
