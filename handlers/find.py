"""`/find <words>`, a question in a DM to VA Desk ("where are we on the Jones closing?")
and one asked by mentioning it: one match is answered with the contact's or client's card,
several with a list to pick from (**Open** shows the card in the list's place), none with
how to add them. The search is bot/services/search.py; the card, the contacts' picture.

A DM in a thread is delegation's (an assigner's answer to a VA's question), a DM not in a
thread is a question: the two listeners' matchers never both match, since Bolt runs only
the first listener that does."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from bot.services import search
from bot.services.contact_picture import build_picture
from bot.services.errors import VADeskError
from bot.services.people import Actor
from bot.services.text import unescape
from bot.settings import Settings
from bot.views import find as views
from bot.views.contacts import card_blocks, card_text
from handlers.common import (
    Call,
    Reply,
    clicked,
    desk_of,
    first_time,
    refused,
    run_command_or_help,
    tell_privately,
)
from handlers.failures import guarded
from handlers.payload import message_ts, team_of, text_or_none, user_of
from store.models import Contact

logger = logging.getLogger(__name__)

_MENTION = re.compile(r"<@([A-Z0-9]+)(?:\|[^>]*)?>")


def answer(
    session: Session, settings: Settings, actor: Actor, words: str, asked: bool = False
) -> Reply:
    """The reply to a search: the card of the one match, the list of several, or none."""
    result = search.find(session, settings, actor, words)
    if not result.matches:
        return Reply(views.none_text(result, asked))
    if len(result.matches) == 1:
        return _card(
            session, settings, actor, search.picked(session, actor, result.matches[0].pick)
        )
    return Reply(views.list_text(result), views.list_blocks(result))


def _card(session: Session, settings: Settings, actor: Actor, record: Any) -> Reply:
    if isinstance(record, Contact):
        picture = build_picture(session, settings, actor, contact=record)
    else:
        picture = build_picture(session, settings, actor, client=record)
    return Reply(card_text(picture), card_blocks(picture, settings))


def _find(call: Call) -> Reply:
    if not call.text.strip():
        return Reply(search.FIND_USAGE)
    words = search.question_words(call.text)
    return answer(call.session, call.desk.settings, call.actor, words)


@guarded
def handle_find_command(
    ack: Ack, body: dict, command: dict, client: WebClient, context: BoltContext
) -> None:
    ack()
    run_command_or_help(_find, views.FIND_HELP, context=context, command=command, client=client)


def _external(event: dict, team_id: str) -> bool:
    """Written by someone of another organization (Slack Connect names their team)."""
    teams = {event.get("user_team"), event.get("source_team")} - {None, ""}
    return any(team != team_id for team in teams)


def _question(event: dict, bot_user_id: str | None) -> str:
    """What was asked: the message without VA Desk's own mention, as the person typed it."""
    text = text_or_none(event.get("text")) or ""
    if bot_user_id:
        text = _MENTION.sub(lambda m: "" if m.group(1) == bot_user_id else m.group(0), text)
    else:
        text = _MENTION.sub("", text, count=1)
    return unescape(" ".join(text.split()))


def _ask(
    event: dict, body: dict, client: WebClient, context: BoltContext, channel: str
) -> Reply | None:
    """Answer a question as its writer may see it; None when VA Desk does not answer
    them (someone of another organization, or a client in a client channel)."""
    desk, team_id, user_id = desk_of(context), team_of(body), text_or_none(event.get("user"))
    if user_id is None or not first_time(body, context):
        return None
    with desk.session() as session:
        allowed = search.may_ask(
            session,
            desk.settings,
            team_id,
            user_id,
            channel,
            external=_external(event, team_id),
        )
    if not allowed:
        return None
    question = _question(event, context.bot_user_id)
    if question.lower() == "help":
        return Reply(views.FIND_HELP)
    try:
        actor = desk.actor(team_id, user_id, client)
        with desk.session() as session:
            return answer(session, desk.settings, actor, search.question_words(question), True)
    except VADeskError as refusal:
        return Reply(refusal.message)


def _worth_answering(event: dict) -> str | None:
    """The channel of a message a person wrote (not a bot, an edit or a join)."""
    if event.get("bot_id") or event.get("subtype"):
        return None
    return text_or_none(event.get("channel"))


@guarded
def handle_direct_question(
    event: dict, body: dict, client: WebClient, context: BoltContext
) -> None:
    """A DM to VA Desk, not in a thread: answered in the DM."""
    channel = _worth_answering(event)
    if channel is None:
        return
    reply = _ask(event, body, client, context, channel)
    if reply is not None:
        client.chat_postMessage(channel=channel, text=reply.text, blocks=reply.blocks)


@guarded
def handle_mention(event: dict, body: dict, client: WebClient, context: BoltContext) -> None:
    """An @mention in a channel: answered to its writer alone (a client channel's other
    members never see the card), in the thread it was asked in."""
    channel = _worth_answering(event)
    if channel is None or channel.startswith("D"):  # a DM is answered as a DM
        return
    reply = _ask(event, body, client, context, channel)
    user_id = text_or_none(event.get("user"))
    if reply is None or user_id is None:
        return
    thread = message_ts(event.get("thread_ts"), "thread ts")
    client.chat_postEphemeral(
        channel=channel, user=user_id, text=reply.text, blocks=reply.blocks, thread_ts=thread
    )


@guarded
def handle_pick(
    ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext
) -> None:
    """**Open** on the list: the card of the match picked, in the list's place."""
    ack()
    desk, pick = desk_of(context), text_or_none(action.get("value")) or ""

    def act(session: Session, actor: Actor) -> Reply:
        return _card(session, desk.settings, actor, search.picked(session, actor, pick))

    card = clicked(body, client, context, act)
    if refused(card):
        return
    _replace(desk, client, body, card)


def _replace(desk: Any, client: WebClient, body: dict, card: Reply) -> None:
    blocks = [block.to_dict() for block in card.blocks or []]
    response_url = body.get("response_url")
    if isinstance(response_url, str) and response_url:
        message = {"text": card.text, "blocks": blocks, "replace_original": True}
        if body.get("container", {}).get("is_ephemeral"):
            message["response_type"] = "ephemeral"
        if desk.replies.send(response_url, message):
            return
    channel = text_or_none((body.get("channel") or {}).get("id"))
    ts = text_or_none((body.get("container") or {}).get("message_ts"))
    if channel is None or ts is None:
        tell_privately(desk, client, body, user_of(body), card.text)
        return
    try:
        client.chat_update(channel=channel, ts=ts, text=card.text, blocks=blocks)
    except SlackApiError as error:
        logger.warning("could not show a card in place: %s", error.response.get("error"))
        tell_privately(desk, client, body, user_of(body), card.text)


def in_a_direct_message_not_in_a_thread(event: dict) -> bool:
    return event.get("channel_type") in (None, "im") and not event.get("thread_ts")


def register(app: App) -> None:
    app.command("/find")(handle_find_command)
    app.event("message", matchers=[in_a_direct_message_not_in_a_thread])(handle_direct_question)
    app.event("app_mention")(handle_mention)
    app.action(views.FIND_PICK_ACTION)(handle_pick)
