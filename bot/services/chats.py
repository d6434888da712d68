"""Client chats (SOP: answer every client chat within 15 minutes during business hours).

A message from a client in a client channel (anyone who is not on the team and not a
bot) opens a conversation, or joins the open one: the same thread, or top-level while
one is open in the channel. The first reply by someone on the team (top-level or in the
thread) stops its first-response clock. The clock counts business minutes only, on the
client's schedule (its hours, days and time zone, else the workspace's; holidays skip),
from the message's own ts. Edits, deletions, joins and bot messages never open or stop
a clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from bot.config import Settings
from bot.services.people import client_for_channel, ensure_workspace
from bot.services.schedules import Calendar, add_working_time, working_time_between
from bot.settings_models import ClientSettings
from store.models import Conversation, User


@dataclass(frozen=True)
class ChatMessage:
    team_id: str
    channel: str
    user: str | None
    ts: str
    thread_ts: str | None = None
    subtype: str | None = None
    bot: bool = False


def instant_of(ts: str) -> datetime:
    return datetime.fromtimestamp(float(ts), UTC)


def client_calendar(settings: Settings, client: ClientSettings) -> Calendar:
    workspace = settings.workspace
    hours = client.business_hours or workspace.business_hours
    return Calendar(
        zone=ZoneInfo(client.timezone or workspace.timezone),
        start=hours[0],
        end=hours[1],
        days=client.business_days if client.business_days is not None else workspace.business_days,
        holidays=frozenset(workspace.holidays),
    )


def on_the_team(session: Session, settings: Settings, team_id: str, user_id: str) -> bool:
    roles = settings.roles
    if user_id in (*roles.owners, *roles.supervisors, *roles.vas):
        return True
    user = session.get(User, (team_id, user_id))
    return bool(user and user.role_override)


@dataclass(frozen=True)
class ChatOutcome:
    conversation: Conversation
    what: str  # opened | joined | answered


def record_message(
    session: Session, settings: Settings, message: ChatMessage
) -> ChatOutcome | None:
    """Open, join or answer a conversation; None for anything that does not count."""
    configured = settings.client_for_channel(message.channel)
    if configured is None or message.bot or message.subtype or not message.user:
        return None
    ensure_workspace(session, settings, message.team_id)
    at = instant_of(message.ts)
    calendar = client_calendar(settings, configured)
    open_here = session.exec(
        select(Conversation)
        .where(
            Conversation.team_id == message.team_id,
            Conversation.channel_id == message.channel,
            Conversation.closed_at.is_(None),
        )
        .order_by(Conversation.opened_at)
    ).all()
    team_member = on_the_team(session, settings, message.team_id, message.user)
    if not team_member:
        idle = timedelta(minutes=settings.sla.close_after_idle_minutes)
        open_here = [c for c in open_here if not _closed_when_idle(c, calendar, idle, at, session)]
    in_thread = [c for c in open_here if message.thread_ts and c.thread_ts == message.thread_ts]
    if team_member:
        replied_to = in_thread or ([] if message.thread_ts else open_here)
        outcome = None
        for conversation in replied_to:
            conversation.last_team_at = max(conversation.last_team_at or at, at)
            if conversation.first_response_at is None and at >= conversation.opened_at:
                conversation.first_response_at = at
                conversation.first_responder = message.user
                spent = working_time_between(calendar, conversation.opened_at, at)
                conversation.response_minutes = round(spent / timedelta(minutes=1), 2)
                outcome = outcome or ChatOutcome(conversation, "answered")
            session.add(conversation)
        return outcome
    joined = in_thread or ([] if message.thread_ts else open_here)
    if joined:
        conversation = joined[0]
        conversation.last_client_at = max(conversation.last_client_at, at)
        session.add(conversation)
        return ChatOutcome(conversation, "joined")
    client_row = client_for_channel(session, message.team_id, message.channel)
    conversation = Conversation(
        team_id=message.team_id,
        client_id=client_row.id if client_row else None,
        channel_id=message.channel,
        thread_ts=message.thread_ts or message.ts,
        opened_by=message.user,
        opened_at=at,
        first_response_due=add_working_time(
            calendar, at, timedelta(minutes=settings.sla.first_response_minutes)
        ),
        last_client_at=at,
    )
    session.add(conversation)
    session.flush()
    return ChatOutcome(conversation, "opened")


def _closed_when_idle(
    conversation: Conversation, calendar: Calendar, idle: timedelta, now: datetime, session
) -> bool:
    """Close an answered conversation the client has been quiet in since the team's last
    reply."""
    answered = conversation.last_team_at
    if conversation.first_response_at is None or answered is None:
        return False
    if conversation.last_client_at > answered:
        return False
    if working_time_between(calendar, answered, now) < idle:
        return False
    conversation.closed_at = add_working_time(calendar, answered, idle)
    session.add(conversation)
    return True
