"""Client chats (SOP: answer every client chat within 15 minutes during business hours).

A message from a client in a client channel opens a conversation, or joins the open one:
the same thread, or top-level while one is open in the channel. A client is anyone who
is not on the team and not a bot; in a Slack Connect channel that is not configured as a
client's, only people of another organization. The first reply by someone on the team
(top-level or in the thread) stops its first-response clock. The clock counts business
minutes only, on the client's schedule (its hours, days and time zone, else the
workspace's; holidays skip), from the message's own ts. Edits, deletions, joins and bot
messages never open or stop a clock, and each message counts once however often Slack
delivers it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, cast
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from bot.services.calendars import workspace_calendar
from bot.services.contact_writers import contact_for_writer, touch_slack_users
from bot.services.people import (
    CONNECT_KEY_PREFIX,
    client_for_channel,
    ensure_workspace,
    roster,
)
from bot.services.rows import saved_id
from bot.services.schedules import Calendar, add_working_time, working_time_between
from bot.services.text import readable
from store.models import ChannelMessage, Client, ContactTag, Conversation, ConversationEvent
from store.sql import advisory_lock, insert_once, insert_or_ignore

if TYPE_CHECKING:
    from bot.settings import Settings
    from bot.settings.schema import ClientSettings

# Message subtypes that are someone writing: a file with a comment, a thread reply also
# sent to the channel. Every other subtype (edits, deletions, joins, topics) never counts.
WRITTEN_SUBTYPES = frozenset({"file_share", "thread_broadcast", "me_message"})
# Characters of the opening message kept for alerts (they show the first 150 or so).
OPENING_KEPT = 500


@dataclass(frozen=True)
class ChatMessage:
    team_id: str
    channel: str
    user: str | None
    ts: str
    thread_ts: str | None = None
    subtype: str | None = None
    bot: bool = False
    external: bool = False  # posted by a member of another organization (Slack Connect)
    text: str | None = None  # as Slack sends it (markup and entities)


@dataclass(frozen=True)
class ClientChannel:
    """A channel whose messages are client chats, and the clock they run on."""

    client_id: int | None
    calendar: Calendar
    connect_only: bool  # a Slack Connect channel: only external members are clients


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


def client_channel(
    session: Session, settings: Settings, team_id: str, channel_id: str
) -> ClientChannel | None:
    """The configured client of this channel, or the Slack Connect client made for it."""
    configured = settings.client_for_channel(channel_id)
    row = client_for_channel(session, team_id, channel_id)
    if configured is not None and row is None:  # a workspace seen for the first time
        ensure_workspace(session, settings, team_id)
        row = client_for_channel(session, team_id, channel_id)
    if configured is not None:
        return ClientChannel(row.id if row else None, client_calendar(settings, configured), False)
    if row is not None and row.key.startswith(CONNECT_KEY_PREFIX):
        return ClientChannel(row.id, workspace_calendar(settings), True)
    return None


def calendar_of(session: Session, settings: Settings, conversation: Conversation) -> Calendar:
    configured = settings.client_for_channel(conversation.channel_id)
    if configured is not None:
        return client_calendar(settings, configured)
    return workspace_calendar(settings)


def is_connect_channel_known(session: Session, team_id: str, channel_id: str) -> bool:
    return client_for_channel(session, team_id, channel_id) is not None


def add_connect_channel(
    session: Session, settings: Settings, team_id: str, channel_id: str, name: str | None
) -> None:
    """Watch a Slack Connect channel an external member posted in, as a client of its own
    on the workspace's schedule (named after the channel)."""
    ensure_workspace(session, settings, team_id)
    insert_once(
        session,
        Client(
            team_id=team_id,
            key=f"{CONNECT_KEY_PREFIX}{channel_id.lower()}",
            name=f"#{name}" if name else channel_id,
            channel_id=channel_id,
        ),
    )


def on_the_team(session: Session, settings: Settings, team_id: str, user_id: str) -> bool:
    return user_id in roster(session, settings, team_id)


def target_due(conversation: Conversation) -> datetime:
    """When the conversation must be answered: 15 business minutes, or 4 business hours
    for one marked an asynchronous request."""
    if conversation.asynchronous and conversation.acknowledge_due is not None:
        return conversation.acknowledge_due
    return conversation.first_response_due


def record_event(
    session: Session,
    conversation: Conversation,
    kind: str,
    at: datetime,
    actor_id: str | None = None,
    note: str | None = None,
) -> None:
    session.add(
        ConversationEvent(
            conversation_id=saved_id(conversation),
            kind=kind,
            at=at,
            actor_id=actor_id,
            note=note,
        )
    )


@dataclass(frozen=True)
class ChatOutcome:
    conversation: Conversation
    what: str  # opened | joined | answered


def record_message(
    session: Session, settings: Settings, message: ChatMessage
) -> ChatOutcome | None:
    """Open, join or answer a conversation; None for anything that does not count."""
    if message.bot or not message.user:
        return None
    if message.subtype is not None and message.subtype not in WRITTEN_SUBTYPES:
        return None
    where = client_channel(session, settings, message.team_id, message.channel)
    if where is None:
        return None
    team_member = on_the_team(session, settings, message.team_id, message.user)
    if not team_member and where.connect_only and not message.external:
        return None  # a colleague outside the roster, in a shared channel
    if not _first_time(session, message):
        return None
    one_channel_at_a_time(session, message.team_id, message.channel)
    at = instant_of(message.ts)
    if not team_member:  # the client is a contact (made the first time they write), touched
        contact_for_writer(
            session, settings, message.team_id, message.user, where.client_id, None, at
        )
    open_here = list(
        session.exec(
            select(Conversation)
            .where(
                Conversation.team_id == message.team_id,
                Conversation.channel_id == message.channel,
                col(Conversation.closed_at).is_(None),
            )
            .order_by(col(Conversation.opened_at))
        )
    )
    if not team_member:
        open_here = [
            c for c in open_here if not close_if_idle(session, settings, c, where.calendar, at)
        ]
    in_thread = [c for c in open_here if message.thread_ts and c.thread_ts == message.thread_ts]
    replied_to = in_thread or ([] if message.thread_ts else open_here)
    if team_member:
        return _answer(session, replied_to, message, where.calendar, at)
    if replied_to:
        conversation = replied_to[0]
        if at < conversation.opened_at and conversation.first_response_at is None:
            # Slack delivered a later message first: the clock starts at the earliest.
            conversation.opened_at = at
            conversation.first_response_due = add_working_time(
                where.calendar, at, timedelta(minutes=settings.sla.first_response_minutes)
            )
        if at >= conversation.last_client_at:
            conversation.last_client_at = at
            conversation.last_client_id = message.user
        session.add(conversation)
        return ChatOutcome(conversation, "joined")
    conversation = Conversation(
        team_id=message.team_id,
        client_id=where.client_id,
        channel_id=message.channel,
        thread_ts=message.thread_ts or message.ts,
        opened_by=message.user,
        opened_at=at,
        first_response_due=add_working_time(
            where.calendar, at, timedelta(minutes=settings.sla.first_response_minutes)
        ),
        last_client_at=at,
        last_client_id=message.user,
        tag=contact_tag(session, message.team_id, message.user),
    )
    session.add(conversation)
    session.flush()
    record_event(session, conversation, "opened", at, message.user, _opening(message.text))
    return ChatOutcome(conversation, "opened")


def _opening(text: str | None) -> str | None:
    """The start of the client's first message as a person reads it, kept with the
    conversation's "opened" step so alerts can quote it."""
    if not text:
        return None
    return readable(text, lambda _user_id: None)[:OPENING_KEPT].strip() or None


def opening_texts(session: Session, conversation_ids: list[int]) -> dict[int, str]:
    """The start of the message that opened each conversation (where Slack sent text)."""
    rows = session.exec(
        select(ConversationEvent.conversation_id, col(ConversationEvent.note)).where(
            col(ConversationEvent.conversation_id).in_(conversation_ids),
            ConversationEvent.kind == "opened",
            col(ConversationEvent.note).is_not(None),
        )
    )
    return cast(dict[int, str], dict(rows.all()))  # note IS NOT NULL in these rows


def contact_tag(session: Session, team_id: str, contact_id: str) -> str | None:
    """The contact's current tag (the latest one given), if any."""
    return session.exec(
        select(ContactTag.tag)
        .where(ContactTag.team_id == team_id, ContactTag.contact_id == contact_id)
        .order_by(col(ContactTag.tagged_at).desc(), col(ContactTag.id).desc())
        .limit(1)
    ).first()


def one_channel_at_a_time(session: Session, team_id: str, channel_id: str) -> None:
    """Two messages of one channel counted at once would both find no conversation open
    and open two: on PostgreSQL the second waits here for the first to commit (SQLite's
    one writer already orders them)."""
    advisory_lock(session, f"vadesk-chat-channel:{team_id}:{channel_id}")


def _first_time(session: Session, message: ChatMessage) -> bool:
    """Note the message as counted; False when it already was (a redelivered event)."""
    values = {"team_id": message.team_id, "channel_id": message.channel, "ts": message.ts}
    return insert_or_ignore(session, ChannelMessage, values, returning="ts") is not None


def _answer(
    session: Session,
    replied_to: list[Conversation],
    message: ChatMessage,
    calendar: Calendar,
    at: datetime,
) -> ChatOutcome | None:
    outcome = None
    touch_slack_users(session, message.team_id, {c.opened_by for c in replied_to}, at)
    for conversation in replied_to:
        conversation.last_team_at = max(conversation.last_team_at or at, at)
        if conversation.first_response_at is None and at >= conversation.opened_at:
            conversation.first_response_at = at
            conversation.first_responder = message.user
            spent = working_time_between(calendar, conversation.opened_at, at)
            conversation.response_minutes = round(spent / timedelta(minutes=1), 2)
            record_event(session, conversation, "first_response", at, message.user)
            outcome = outcome or ChatOutcome(conversation, "answered")
        session.add(conversation)
    return outcome


def idle_close_at(
    settings: Settings, conversation: Conversation, calendar: Calendar
) -> datetime | None:
    """When an answered conversation the client has been quiet in since the team's last
    reply closes by itself; None for one still waiting on the team."""
    answered = conversation.last_team_at
    if conversation.first_response_at is None or answered is None:
        return None
    if conversation.last_client_at > answered:
        return None
    return add_working_time(
        calendar, answered, timedelta(minutes=settings.sla.close_after_idle_minutes)
    )


def close_if_idle(
    session: Session,
    settings: Settings,
    conversation: Conversation,
    calendar: Calendar,
    now: datetime,
) -> bool:
    """Close the conversation if it went idle by `now` (at the instant it did); True when
    it is closed, by this call or by another one first."""
    closes = idle_close_at(settings, conversation, calendar)
    if closes is None or closes > now:
        return False
    changed = session.exec(
        sa.update(Conversation)
        .where(col(Conversation.id) == conversation.id, col(Conversation.closed_at).is_(None))
        .values(closed_at=closes, close_reason="idle")
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed:
        set_committed_value(conversation, "closed_at", closes)
        set_committed_value(conversation, "close_reason", "idle")
        record_event(session, conversation, "closed_idle", closes)
    return True


def keep_permalink(
    session: Session, conversation: Conversation, permalink: str | None
) -> Conversation:
    """Keep the link to the client's opening message (its alerts, the Homes' Open), on the
    conversation's row as this unit of work reads it."""
    row = session.get_one(Conversation, conversation.id)
    row.permalink = permalink
    session.add(row)
    return row


def client_names(session: Session, team_id: str) -> dict[int, str]:
    """Each client's name by id, for showing conversations."""
    rows = session.exec(select(col(Client.id), Client.name).where(Client.team_id == team_id))
    return cast(dict[int, str], dict(rows.all()))  # a primary key is never NULL


def client_name(session: Session, conversation: Conversation) -> str:
    client = session.get(Client, conversation.client_id) if conversation.client_id else None
    return client.name if client else conversation.channel_id
