"""Who holds a client conversation (SOP: at most 4 client chats at once per VA).

A new conversation goes to the client's last VA if they are on shift and have room,
else to the rostered VA on shift with the fewest open ones; with nobody on shift with
room it waits in the queue, and the wait counts against its target. A VA claims from the
queue, resolves, marks a conversation an asynchronous request, or transfers it (tagged
first); a VA freed by a resolve is given the oldest queued conversation.

Every change here happens with the team's placements serialized (a transaction lock on
PostgreSQL; SQLite's one writer), so the cap holds under concurrent claims.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, cast

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, func, select

from bot.services.calendars import away_until, is_away, person_calendar
from bot.services.chats import calendar_of, record_event
from bot.services.errors import VADeskError
from bot.services.people import Actor, roster, zones_of
from bot.services.schedules import add_working_time
from bot.services.text import time_token
from store.models import Conversation
from store.sql import advisory_lock

if TYPE_CHECKING:
    from bot.settings import Settings


@dataclass(frozen=True)
class Placement:
    conversation: Conversation
    assignee: str | None  # None: queued


def serialize_placements(session: Session, team_id: str) -> None:
    """Wait for any other placement, claim or resolve in this team to commit."""
    advisory_lock(session, f"vadesk-chat-placement:{team_id}")


def open_counts(session: Session, team_id: str) -> dict[str, int]:
    rows = session.exec(
        select(col(Conversation.assignee_id), func.count())
        .where(
            Conversation.team_id == team_id,
            col(Conversation.closed_at).is_(None),
            col(Conversation.assignee_id).is_not(None),
        )
        .group_by(Conversation.assignee_id)
    ).all()
    return cast(dict[str, int], dict(rows))  # assignee_id IS NOT NULL in these rows


def has_room(session: Session, settings: Settings, team_id: str, user_id: str) -> bool:
    """Whether the person holds fewer open client chats than the cap."""
    held = session.exec(
        select(func.count())
        .select_from(Conversation)
        .where(
            Conversation.team_id == team_id,
            col(Conversation.closed_at).is_(None),
            Conversation.assignee_id == user_id,
        )
    ).one()
    return held < settings.sla.max_open_chats_per_va


class Shifts:
    """Who of the roster is working at an instant (own hours and zone, not away)."""

    def __init__(self, session: Session, settings: Settings, team_id: str, at: datetime) -> None:
        self._session, self._settings, self._team_id, self._at = session, settings, team_id, at
        self.vas = roster(session, settings, team_id).vas
        self._away = away_until(session, team_id, list(self.vas))
        self._zones = zones_of(session, settings, team_id, self.vas)
        self._known: dict[str, bool] = {}

    def on_shift(self, user_id: str) -> bool:
        if user_id not in self._known:
            calendar = person_calendar(
                self._session, self._settings, self._team_id, user_id, self._zones.get(user_id)
            )
            self._known[user_id] = calendar.is_working_time(self._at) and not is_away(
                self._away, user_id, calendar.local_day(self._at)
            )
        return self._known[user_id]


def choose_va(
    session: Session,
    settings: Settings,
    conversation: Conversation,
    counts: dict[str, int],
    shifts: Shifts,
) -> str | None:
    cap = settings.sla.max_open_chats_per_va
    vas = list(shifts.vas)

    def has_room(va: str) -> bool:
        return counts.get(va, 0) < cap and shifts.on_shift(va)

    last = _last_va_of_client(session, conversation, shifts.vas)
    if last is not None and has_room(last):
        return last
    candidates = [va for va in vas if has_room(va)]
    if not candidates:
        return None
    return min(candidates, key=lambda va: (counts.get(va, 0), vas.index(va)))


def _last_va_of_client(
    session: Session, conversation: Conversation, vas: tuple[str, ...]
) -> str | None:
    """Who held the client's latest other conversation, if that was a rostered VA."""
    same_client = (
        Conversation.client_id == conversation.client_id
        if conversation.client_id is not None
        else Conversation.channel_id == conversation.channel_id
    )
    last = session.exec(
        select(Conversation.assignee_id)
        .where(
            Conversation.team_id == conversation.team_id,
            same_client,
            Conversation.id != conversation.id,
            col(Conversation.assignee_id).is_not(None),
        )
        .order_by(col(Conversation.opened_at).desc())
        .limit(1)
    ).first()
    return last if last in vas else None


def assign(
    session: Session,
    conversation: Conversation,
    va: str,
    now: datetime,
    how: str,
    actor: str | None = None,
    note: str | None = None,
) -> None:
    conversation.assignee_id = va
    conversation.assigned_at = now
    session.add(conversation)
    record_event(session, conversation, how, now, actor or va, note)


def place(
    session: Session, settings: Settings, conversation: Conversation, now: datetime
) -> Placement:
    """Give a new conversation to a VA with room, or queue it."""
    serialize_placements(session, conversation.team_id)
    shifts = Shifts(session, settings, conversation.team_id, now)
    counts = open_counts(session, conversation.team_id)
    va = choose_va(session, settings, conversation, counts, shifts)
    if va is None:
        conversation.queued_at = now
        session.add(conversation)
        record_event(session, conversation, "queued", now)
        return Placement(conversation, None)
    assign(session, conversation, va, now, "assigned", actor="vadesk")
    return Placement(conversation, va)


def _waiting(team_id: str) -> tuple[ColumnElement[bool] | bool, ...]:
    return (
        Conversation.team_id == team_id,
        col(Conversation.closed_at).is_(None),
        col(Conversation.assignee_id).is_(None),
    )


def queued(session: Session, team_id: str, limit: int | None = None) -> list[Conversation]:
    """Conversations waiting for a VA, oldest first (the first `limit` of them)."""
    query = (
        select(Conversation)
        .where(*_waiting(team_id))
        .order_by(col(Conversation.opened_at), col(Conversation.id))
        .limit(limit)
    )
    return list(session.exec(query))


def queue_length(session: Session, team_id: str) -> int:
    return session.exec(
        select(func.count()).select_from(Conversation).where(*_waiting(team_id))
    ).one()


def held_by(session: Session, team_id: str, user_id: str) -> list[Conversation]:
    return list(
        session.exec(
            select(Conversation)
            .where(
                Conversation.team_id == team_id,
                col(Conversation.closed_at).is_(None),
                Conversation.assignee_id == user_id,
            )
            .order_by(col(Conversation.opened_at), col(Conversation.id))
        )
    )


def _locked(session: Session, team_id: str, conversation_id: int) -> Conversation:
    serialize_placements(session, team_id)
    conversation = session.get(Conversation, conversation_id, populate_existing=True)
    if conversation is None or conversation.team_id != team_id:
        raise VADeskError("That client chat no longer exists.")
    return conversation


def _refuse_if_closed(conversation: Conversation) -> None:
    if conversation.closed_at is None:
        return
    how = (
        f"resolved by <@{conversation.closed_by}>"
        if conversation.close_reason == "resolved" and conversation.closed_by
        else "closed after the client went quiet"
    )
    raise VADeskError(
        f"That client chat is already closed ({how}, {time_token(conversation.closed_at)}): "
        "nothing changed."
    )


def _refuse_at_cap(session: Session, settings: Settings, team_id: str, user_id: str) -> None:
    if not has_room(session, settings, team_id, user_id):
        raise VADeskError(
            f"You already hold {settings.sla.max_open_chats_per_va} open client chats, the "
            "most one person holds at once. Resolve one first (App Home or its DM)."
        )


def claim(
    session: Session, settings: Settings, actor: Actor, conversation_id: int, now: datetime
) -> Conversation:
    conversation = _locked(session, actor.team_id, conversation_id)
    _refuse_if_closed(conversation)
    if conversation.assignee_id == actor.user_id:
        raise VADeskError("That client chat is already yours.")
    if conversation.assignee_id is not None:
        raise VADeskError(f"<@{conversation.assignee_id}> has that client chat already.")
    _refuse_at_cap(session, settings, actor.team_id, actor.user_id)
    assign(session, conversation, actor.user_id, now, "claimed")
    return conversation


def _may_act_on(actor: Actor, conversation: Conversation, what: str) -> None:
    if actor.is_manager or conversation.assignee_id == actor.user_id:
        return
    holder = f"<@{conversation.assignee_id}>" if conversation.assignee_id else "nobody yet"
    raise VADeskError(
        f"Only the VA holding it ({holder}), a supervisor or an owner can {what} that client chat."
    )


def resolve(
    session: Session, settings: Settings, actor: Actor, conversation_id: int, now: datetime
) -> tuple[Conversation, Placement | None]:
    """Close the conversation; its VA, now with room, is given the oldest queued one."""
    conversation = _locked(session, actor.team_id, conversation_id)
    _refuse_if_closed(conversation)
    _may_act_on(actor, conversation, "resolve")
    conversation.closed_at = now
    conversation.closed_by = actor.user_id
    conversation.close_reason = "resolved"
    session.add(conversation)
    record_event(session, conversation, "resolved", now, actor.user_id)
    session.flush()
    freed = conversation.assignee_id
    return conversation, _give_oldest_queued(session, settings, actor.team_id, freed, now)


def _give_oldest_queued(
    session: Session, settings: Settings, team_id: str, va: str | None, now: datetime
) -> Placement | None:
    if va is None:
        return None
    shifts = Shifts(session, settings, team_id, now)
    if va not in shifts.vas or not has_room(session, settings, team_id, va):
        return None
    if not shifts.on_shift(va):
        return None
    waiting = queued(session, team_id, 1)
    if not waiting:
        return None
    assign(session, waiting[0], va, now, "assigned", actor="vadesk")
    return Placement(waiting[0], va)


def mark_asynchronous(
    session: Session, settings: Settings, actor: Actor, conversation_id: int, now: datetime
) -> Conversation:
    """An asynchronous request: acknowledged within `[sla] acknowledge_business_hours`
    (4 business hours) instead of the first-response target (15 minutes)."""
    conversation = _locked(session, actor.team_id, conversation_id)
    _refuse_if_closed(conversation)
    _may_act_on(actor, conversation, "mark")
    if conversation.asynchronous:
        raise VADeskError("That client chat is already an asynchronous request.")
    if conversation.first_response_at is not None:
        raise VADeskError("That client chat is already answered: its target no longer applies.")
    if conversation.breached_at is not None:
        minutes = settings.sla.first_response_minutes
        raise VADeskError(
            f"That client chat already missed its {minutes}-minute target; "
            "the breach stays on record."
        )
    calendar = calendar_of(session, settings, conversation)
    conversation.asynchronous = True
    conversation.acknowledge_due = add_working_time(
        calendar,
        conversation.opened_at,
        timedelta(hours=settings.sla.acknowledge_business_hours),
    )
    conversation.near_breach_at = None
    session.add(conversation)
    record_event(session, conversation, "marked_async", now, actor.user_id)
    return conversation


def transfer(
    session: Session,
    settings: Settings,
    actor: Actor,
    conversation_id: int,
    to_user: str,
    now: datetime,
) -> Conversation:
    """Hand the conversation to an owner or another VA; the SOP wants the contact tagged
    first."""
    conversation = _locked(session, actor.team_id, conversation_id)
    _refuse_if_closed(conversation)
    _may_act_on(actor, conversation, "transfer")
    if not conversation.tag:
        raise VADeskError(
            "Tag the contact before a transfer: use *Tag contact* on their message "
            "(the message's ⋮ menu), then transfer again."
        )
    roles = roster(session, settings, actor.team_id)
    if to_user not in (*roles.owners, *roles.vas):
        raise VADeskError(f"<@{to_user}> is not an owner or a rostered VA: pick one of those.")
    if to_user == conversation.assignee_id:
        raise VADeskError(f"<@{to_user}> holds that client chat already.")
    if to_user in roles.vas and not has_room(session, settings, actor.team_id, to_user):
        cap = settings.sla.max_open_chats_per_va
        raise VADeskError(f"<@{to_user}> already holds {cap} open client chats.")
    before = conversation.assignee_id or "the queue"
    note = f"from {before} to {to_user}"
    assign(session, conversation, to_user, now, "transferred", actor.user_id, note)
    return conversation
