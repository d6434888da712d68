"""Pieces several listeners share: the desk, commands and forms in one unit of work,
refusals as replies, clicks answered to their presser, permalinks and checklists."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.views import View
from sqlmodel import Session

from bot.failure_log import log_failure
from bot.routine_extras import routine_extra
from bot.services import routines
from bot.services.errors import FieldErrors, VADeskError
from bot.services.events import first_delivery
from bot.services.parsing import split_command
from bot.services.people import Actor
from bot.services.text import shown, unescape
from bot.slack.desk import Desk
from bot.views.routines import checklist_blocks, checklist_text
from handlers.payload import state_values, team_of, user_of

logger = logging.getLogger(__name__)


@dataclass
class Reply:
    """What a command answers (a message, or a modal to open), and whose App Home
    needs publishing again."""

    text: str = ""
    blocks: list | None = None
    refresh_users: set[str] = field(default_factory=set)
    modal: View | None = None
    # After a form's unit of work is committed: Slack calls that must not run before it
    # (a post to a channel); returns the text to tell the person instead, if it changes.
    then: Callable[[WebClient], str | None] | None = None


@dataclass
class Call:
    """One command as services see it: the session, the person, the rest of the text."""

    session: Session
    actor: Actor
    text: str
    desk: Desk
    channel_id: str | None = None  # where the command was typed


def open_modal(view: View) -> Reply:
    """A subcommand whose answer is a modal; it opens once the database work is done."""
    return Reply(modal=view)


def channel_of(command: dict) -> str | None:
    """The channel a command was typed in (Slack always says; a bad value is none)."""
    channel = command.get("channel_id")
    return channel if isinstance(channel, str) and channel else None


def desk_of(context: BoltContext) -> Desk:
    return context["desk"]


def run_command(
    action: Callable[[Call], Reply],
    *,
    context: BoltContext,
    command: dict,
    client: WebClient,
    text: str,
) -> Reply | None:
    """Run one subcommand in a unit of work; refusals come back as the reply text.
    Anything else that fails is answered by the listener's guard (handlers/failures.py)."""
    desk = desk_of(context)
    try:
        actor = desk.actor(team_of(command), user_of(command), client)
        with desk.session() as session:
            call = Call(session, actor, unescape(text), desk, channel_of(command))
            reply = action(call)
    except VADeskError as refusal:
        desk.reply(command.get("response_url"), refusal.message)
        return None
    if reply.modal is not None:
        client.views_open(trigger_id=command["trigger_id"], view=reply.modal)
    else:
        desk.reply(command.get("response_url"), reply.text, reply.blocks)
    reply.refresh_users.add(command["user_id"])
    return reply


def run_command_or_help(
    action: Callable[[Call], Reply],
    help_text: str,
    *,
    context: BoltContext,
    command: dict,
    client: WebClient,
) -> None:
    """A command of one action: `help` shows its grammar, anything else runs it."""
    text = command.get("text") or ""
    if text.strip().lower() == "help":
        desk_of(context).reply(command.get("response_url"), help_text)
        return
    run_command(action, context=context, command=command, client=client, text=text)


def dispatch_command(
    actions: Mapping[str, Callable[[Call], Reply]],
    help_text: str,
    *,
    context: BoltContext,
    command: dict,
    client: WebClient,
) -> None:
    """Route `/<command> <word> <rest>` to its action; anything unknown gets the help."""
    desk = desk_of(context)
    word, rest = split_command(command.get("text") or "")
    action = actions.get(word)
    if action is None:
        word_shown = shown(word, 40)
        unknown = f"I don't know `{command['command']} {word_shown}`.\n" if word else ""
        desk.reply(command.get("response_url"), unknown + help_text)
        return
    reply = run_command(action, context=context, command=command, client=client, text=rest)
    if reply is not None:
        desk.refresh_homes(command["team_id"], reply.refresh_users)


def answer_submission(
    ack: Callable,
    body: dict,
    client: WebClient,
    context: BoltContext,
    act: Callable[[Session, Actor], Reply],
    refusal_field: str,
) -> None:
    """Run a modal's service call before acknowledging, so refusals show inline on the
    form (on `refusal_field` unless they name their own); the outcome goes to the DM."""
    desk, user_id, team_id = desk_of(context), user_of(body), team_of(body)
    try:
        actor = desk.actor(team_id, user_id, client)
        with desk.session() as session:
            reply = act(session, actor)
    except FieldErrors as refusal:
        ack(response_action="errors", errors=refusal.errors)
        return
    except VADeskError as refusal:
        fields = state_values(body.get("view"))
        field_id = refusal_field if refusal_field in fields else next(iter(fields), None)
        if field_id is None:
            raise  # no field to show it on: the guard acknowledges and tells the user
        ack(response_action="errors", errors={field_id: refusal.message})
        return
    ack()
    text = reply.text
    if reply.then is not None:
        try:
            text = reply.then(client) or text
        except Exception as error:  # committed: never "nothing was saved"
            log_failure(logger, error, "a form was saved, but its messages failed")
            why = error.response.get("error") if isinstance(error, SlackApiError) else None
            text = AFTER_SAVE_FAILED.format(done=reply.text, why=why or type(error).__name__)
    if text:  # none when the outcome was shown where the form was opened from
        client.chat_postMessage(channel=user_id, text=text)
    desk.refresh_homes(team_id, reply.refresh_users | {user_id})


AFTER_SAVE_FAILED = (
    "{done}\n:warning: That is saved, but sending the messages that go with it failed "
    "({why}), so not everyone has been told yet; tell whoever runs VA Desk."
)
_REFUSED = object()


def clicked(
    body: dict, client: WebClient, context: BoltContext, act: Callable[[Session, Actor], Any]
) -> Any:
    """Run a click's service call in one unit of work as its presser; a refusal is told
    to the presser alone and comes back as `refused(result)` true."""
    desk, user_id = desk_of(context), user_of(body)
    try:
        actor = desk.actor(team_of(body), user_id, client)
        with desk.session() as session:
            return act(session, actor)
    except VADeskError as refusal:
        tell_privately(desk, client, body, user_id, refusal.message)
        return _REFUSED


def refused(result: Any) -> bool:
    return result is _REFUSED


def open_clicked_modal(
    body: dict, client: WebClient, context: BoltContext, build: Callable[[Session, Actor], Any]
) -> None:
    """A button that opens a modal: build it as the presser (a refusal is told to them
    alone) and open it on the click's trigger."""
    view = clicked(body, client, context, build)
    if not refused(view):
        client.views_open(trigger_id=body.get("trigger_id"), view=view)


def first_time(body: dict, context: BoltContext) -> bool:
    """False for an event Slack delivers again (it retries what it thinks was missed).
    Checked by the listener once it runs, so acknowledging never waits for the database."""
    event_id = body.get("event_id")
    return not isinstance(event_id, str) or first_delivery(desk_of(context).engine, event_id)


def tell_privately(desk: Desk, client: WebClient, body: dict, user_id: str, text: str) -> None:
    """Answer a click only its presser sees: through the message's response URL, or in
    the app's DM when there is none (App Home)."""
    response_url = body.get("response_url")
    if isinstance(response_url, str) and response_url:
        desk.replies.send(
            response_url, {"text": text, "response_type": "ephemeral", "replace_original": False}
        )
    else:
        client.chat_postMessage(channel=user_id, text=text)


def answer_button(
    body: dict, client: WebClient, context: BoltContext, act: Callable[[Session, Actor], str]
) -> None:
    """Run a button's service call, tell the user the outcome in the app's DM (App Home
    buttons have no response URL), republish their home."""
    desk, user_id, team_id = desk_of(context), user_of(body), team_of(body)
    try:
        actor = desk.actor(team_id, user_id, client)
        with desk.session() as session:
            message = act(session, actor)
    except VADeskError as refusal:
        message = refusal.message
    client.chat_postMessage(channel=user_id, text=message)
    desk.refresh_homes(team_id, {user_id})


def message_permalink(client: WebClient, channel_id: str, ts: str) -> str | None:
    try:
        return client.chat_getPermalink(channel=channel_id, message_ts=ts).get("permalink")
    except SlackApiError as error:
        logger.warning("chat.getPermalink failed: %s", error.response.get("error"))
        return None


def refresh_checklist(desk: Desk, client: WebClient, team_id: str, run_id: int) -> None:
    """Show the checklist as recorded, wherever it was posted (a refused click too); the
    template review's list shows the reviews marked since it was posted."""
    with desk.session() as session:
        run = routines.get_run(session, team_id, run_id)
        if run is None or not run.channel_id or not run.message_ts:
            return
        items = routines.run_items(run)
        ticks = routines.ticks_of(session, run_id)
        morning = routines.morning_tasks_of(session, desk.settings, run)
        extra = routine_extra(session, desk.settings, run)
    try:
        client.chat_update(
            channel=run.channel_id,
            ts=run.message_ts,
            text=checklist_text(run, items, ticks),
            blocks=checklist_blocks(run, items, ticks, morning, extra),
        )
    except SlackApiError as error:
        logger.warning("could not update checklist %s: %s", run_id, error.response.get("error"))
