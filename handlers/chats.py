"""Client chats in Slack: every message in a client channel opens, joins or answers a
conversation (`bot.services.chats`), a new one is given to a VA with room or queued
(`bot.services.chat_assignment`), and the VA's buttons resolve, claim, mark asynchronous
or transfer it. Everything else Slack sends about channels is ignored."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from bot import clock
from bot.services import chat_assignment, chats, testimonials
from bot.services.chat_assignment import Placement
from bot.services.events import forget_old_now_and_then
from bot.services.people import Actor, roster
from bot.services.rows import saved_id
from bot.slack.desk import Desk
from bot.views.chats import (
    ASYNC_ACTION,
    CLAIM_ACTION,
    OPEN_ACTION,
    RESOLVE_ACTION,
    TRANSFER_ACTION,
    TRANSFER_CALLBACK,
    after_claim,
    assigned_blocks,
    assigned_text,
    resolved_text,
    transfer_modal,
)
from handlers.common import (
    Reply,
    answer_submission,
    clicked,
    desk_of,
    message_permalink,
    refused,
    tell_privately,
)
from handlers.failures import guarded
from handlers.payload import (
    MalformedPayload,
    button_number,
    input_of,
    message_ts,
    number_from,
    state_values,
    team_of,
    text_or_none,
    user_of,
    view_metadata,
)
from store.models import Conversation

logger = logging.getLogger(__name__)


def _external(event: dict, team_id: str) -> bool:
    """Posted by someone of another organization (Slack Connect names their team)."""
    teams = {event.get("user_team"), event.get("source_team")} - {None, ""}
    return any(team != team_id for team in teams)


@guarded
def handle_channel_message(
    event: dict, body: dict, client: WebClient, context: BoltContext
) -> None:
    channel, ts = text_or_none(event.get("channel")), message_ts(event.get("ts"))
    thread_ts = message_ts(event.get("thread_ts"), "thread ts")
    if channel is None or ts is None:
        return
    desk, team_id = desk_of(context), team_of(body)
    message = chats.ChatMessage(
        team_id=team_id,
        channel=channel,
        user=text_or_none(event.get("user")),
        ts=ts,
        thread_ts=thread_ts,
        subtype=text_or_none(event.get("subtype")),
        bot=bool(event.get("bot_id")),
        external=_external(event, team_id),
        text=text_or_none(event.get("text")),
    )
    if message.external and desk.settings.client_for_channel(channel) is None:
        _watch_if_shared(desk, client, team_id, channel)
    forget_old_now_and_then(desk.engine)
    with desk.session() as session:
        outcome = chats.record_message(session, desk.settings, message)
        if outcome is not None and outcome.what != "answered" and message.thread_ts:
            testimonials.keep_answer(session, message)  # a client's, counted the first time
        placement = None
        if outcome is not None and outcome.what == "opened":
            placement = chat_assignment.place(
                session, desk.settings, outcome.conversation, clock.now()
            )
    if placement is not None:
        _announce(desk, client, placement)
    elif outcome is not None and outcome.conversation.assignee_id:
        desk.refresh_homes(team_id, {outcome.conversation.assignee_id})


def _watch_if_shared(desk: Desk, client: WebClient, team_id: str, channel: str) -> None:
    with desk.session() as session:
        if chats.is_connect_channel_known(session, team_id, channel):
            return
    shared, name = desk.shared_channels.lookup(client, team_id, channel)
    if shared:
        with desk.session() as session:
            chats.add_connect_channel(session, desk.settings, team_id, channel, name)


def _announce(desk: Desk, client: WebClient, placement: Placement) -> None:
    """Tell the VA who got a new conversation, or show the VAs that it waits."""
    conversation = placement.conversation
    permalink = message_permalink(client, conversation.channel_id, conversation.thread_ts)
    with desk.session() as session:
        row = chats.keep_permalink(session, conversation, permalink)
        name = chats.client_name(session, row)
        vas = set(roster(session, desk.settings, row.team_id).vas)
    if placement.assignee is not None:
        _dm_holder(client, row, name, placement.assignee, "assigned")
        desk.refresh_homes(row.team_id, {placement.assignee})
        return
    # Queued: it shows on every VA's Home now; the next sla-sweep tells the supervisors.
    desk.refresh_homes(row.team_id, vas)


def _dm_holder(
    client: WebClient, conversation: Conversation, name: str, user_id: str, how: str
) -> None:
    client.chat_postMessage(
        channel=user_id,
        text=assigned_text(conversation, name, clock.now(), how),
        blocks=assigned_blocks(conversation, name, clock.now(), how),
        unfurl_links=False,
    )


def _show_in_place(body: dict, client: WebClient, text: str, blocks: list | None) -> bool:
    """Update the message the button was on (a DM or a channel post); False on the Home."""
    container = body.get("container") or {}
    channel, ts = container.get("channel_id"), container.get("message_ts")
    if not (isinstance(channel, str) and isinstance(ts, str)):
        return False
    try:
        client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks or [])
    except SlackApiError as error:
        logger.warning("could not update a client chat message: %s", error.response.get("error"))
    return True


def _show_claimed_in_place(
    body: dict, client: WebClient, conversation: Conversation, name: str
) -> None:
    """On a post listing several waiting chats (the queue post, a breach alert) only the
    claimed chat's line changes: the others keep their Claim."""
    message = body.get("message") or {}
    blocks = message.get("blocks")
    claimer = user_of(body)
    if not isinstance(blocks, list) or not blocks:
        _show_in_place(body, client, f"<@{claimer}> claimed the client chat from {name}.", None)
        return
    text = message.get("text") if isinstance(message.get("text"), str) else None
    updated = after_claim(blocks, saved_id(conversation), claimer, clock.now())
    _show_in_place(body, client, text or f"<@{claimer}> claimed a client chat.", updated)


def _named(desk: Desk, conversation: Conversation) -> str:
    with desk.session() as session:
        return chats.client_name(session, conversation)


def _vas(desk: Desk, team_id: str) -> set[str]:
    """The VAs whose App Home lists the queue (roles set with /role included)."""
    with desk.session() as session:
        return set(roster(session, desk.settings, team_id).vas)


def _press(body: dict, action: dict, client: WebClient, context: BoltContext, service) -> Any:
    """Run a chat button's service call (session, settings, actor, conversation id, now)
    as its presser; None when it was refused (the presser alone is told why)."""
    desk, conversation_id = desk_of(context), button_number(action)

    def act(session: Session, actor: Actor):
        return service(session, desk.settings, actor, conversation_id, clock.now())

    result = clicked(body, client, context, act)
    return None if refused(result) else result


@guarded
def handle_resolve(ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext):
    ack()
    desk = desk_of(context)
    result = _press(body, action, client, context, chat_assignment.resolve)
    if result is None:
        return
    conversation, next_one = result
    name = _named(desk, conversation)
    text = resolved_text(conversation, name)
    if not _show_in_place(body, client, text, None):
        tell_privately(desk, client, body, user_of(body), text)
    team_id = conversation.team_id
    desk.refresh_homes(team_id, {user_of(body), conversation.assignee_id})
    if next_one is not None:
        _dm_holder(
            client,
            next_one.conversation,
            _named(desk, next_one.conversation),
            next_one.assignee,
            "assigned",
        )
        desk.refresh_homes(team_id, _vas(desk, team_id))


@guarded
def handle_claim(ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext):
    ack()
    desk = desk_of(context)
    conversation = _press(body, action, client, context, chat_assignment.claim)
    if conversation is None:
        return
    name = _named(desk, conversation)
    _dm_holder(client, conversation, name, user_of(body), "claimed")
    if body.get("container", {}).get("type") == "message":
        _show_claimed_in_place(body, client, conversation, name)
    desk.refresh_homes(conversation.team_id, _vas(desk, conversation.team_id) | {user_of(body)})


@guarded
def handle_open(ack: Ack, body: dict, context: BoltContext) -> None:
    """Open is a link: Slack opens the message and still tells the app, which only acks."""
    ack()


@guarded
def handle_mark_async(ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext):
    ack()
    desk = desk_of(context)
    conversation = _press(body, action, client, context, chat_assignment.mark_asynchronous)
    if conversation is None:
        return
    name = _named(desk, conversation)
    now = clock.now()
    text = assigned_text(conversation, name, now)
    if not _show_in_place(body, client, text, assigned_blocks(conversation, name, now)):
        tell_privately(desk, client, body, user_of(body), text)
    desk.refresh_homes(conversation.team_id, {user_of(body)})


@guarded
def handle_transfer_button(
    ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext
):
    ack()
    desk, conversation_id = desk_of(context), button_number(action)
    with desk.session() as session:
        conversation = session.get(Conversation, conversation_id)
        if conversation is None or conversation.team_id != team_of(body):
            raise MalformedPayload("a transfer button for no client chat")
        name = chats.client_name(session, conversation)
        view = transfer_modal(conversation, name)
    client.views_open(trigger_id=body["trigger_id"], view=view)


@guarded
def handle_transfer_submission(ack: Ack, body: dict, client: WebClient, context: BoltContext):
    desk = desk_of(context)
    view = body.get("view")
    conversation_id = number_from(view_metadata(view).get("conversation"), "the client chat")
    to_user = text_or_none(input_of(state_values(view), "to", "selected_user"))
    if to_user is None:
        raise MalformedPayload("a transfer without a person")

    def act(session: Session, actor: Actor) -> Reply:
        conversation = chat_assignment.transfer(
            session, desk.settings, actor, conversation_id, to_user, clock.now()
        )
        name = chats.client_name(session, conversation)

        def tell_new_holder(slack: WebClient) -> None:
            _dm_holder(slack, conversation, name, to_user, "transferred")

        return Reply(
            text=f"Transferred the client chat from {name} to <@{to_user}>.",
            refresh_users={to_user},
            then=tell_new_holder,
        )

    answer_submission(ack, body, client, context, act, "to")


def in_a_channel(event: dict) -> bool:
    return event.get("channel_type") in ("channel", "group")


def register(app: App) -> None:
    app.event("message", matchers=[in_a_channel])(handle_channel_message)
    app.action(RESOLVE_ACTION)(handle_resolve)
    app.action(CLAIM_ACTION)(handle_claim)
    app.action(OPEN_ACTION)(handle_open)
    app.action(ASYNC_ACTION)(handle_mark_async)
    app.action(TRANSFER_ACTION)(handle_transfer_button)
    app.view(TRANSFER_CALLBACK)(handle_transfer_submission)
