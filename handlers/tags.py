"""The **Tag contact** message shortcut and its form: the message's author (a client
contact), the open conversation the message belongs to and, if named, a task get a tag
of the taxonomy. `#tag` in `/task` and `/report` is read in handlers/tasks.py and
handlers/reports.py."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from sqlmodel import Session

from bot.services import tags
from bot.services.errors import InputError, VADeskError
from bot.services.people import Actor
from bot.views import tags as views
from handlers.common import Reply, answer_submission, desk_of, tell_privately
from handlers.failures import guarded
from handlers.payload import (
    MalformedPayload,
    picked_option,
    state_values,
    team_of,
    text_input,
    text_or_none,
    user_of,
    view_metadata,
)


@guarded
def handle_tag_shortcut(
    ack: Ack, body: dict, shortcut: dict, client: WebClient, context: BoltContext
) -> None:
    ack()
    desk, user_id, team_id = desk_of(context), user_of(shortcut), team_of(shortcut)
    channel_id = text_or_none((shortcut.get("channel") or {}).get("id"))
    message = shortcut.get("message")
    if channel_id is None or not isinstance(message, dict):
        raise MalformedPayload("a message shortcut without its message")
    ts = text_or_none(message.get("ts")) or text_or_none(shortcut.get("message_ts"))
    if ts is None:
        raise MalformedPayload("a message shortcut without the message's ts")
    author = text_or_none(message.get("user"))
    bot = bool(message.get("bot_id")) or message.get("subtype") == "bot_message"
    try:
        if not desk.settings.tags:
            raise InputError(
                "No tags are set up: an owner lists them under `[tags]` in vadesk.toml."
            )
        with desk.session() as session:
            contact = tags.check_contact(session, desk.settings, team_id, author, bot)
            current = tags.contact_tag(session, team_id, contact)
    except VADeskError as refusal:
        tell_privately(desk, client, shortcut, user_id, refusal.message)
        return
    metadata = {"contact": contact, "channel": channel_id, "ts": ts}
    thread_ts = text_or_none(message.get("thread_ts"))
    if thread_ts is not None:
        metadata["thread_ts"] = thread_ts
    view = views.tag_contact_modal(desk.settings.tags, contact, current, metadata)
    client.views_open(trigger_id=shortcut.get("trigger_id"), view=view)


@guarded
def handle_tag_submission(
    ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext
) -> None:
    values, meta = state_values(view), view_metadata(view)
    desk = desk_of(context)
    contact, channel_id, ts = (text_or_none(meta.get(key)) for key in ("contact", "channel", "ts"))
    if contact is None or channel_id is None or ts is None:
        raise MalformedPayload("the form's message")
    written = picked_option(values, "tag") or text_input(values, "tag")
    task_ref = text_input(values, "task")

    def act(session: Session, actor: Actor) -> Reply:
        tagged = tags.tag_from_message(
            session,
            desk.settings,
            actor,
            contact_id=contact,
            channel_id=channel_id,
            message_ts=ts,
            thread_ts=text_or_none(meta.get("thread_ts")),
            written_tag=written,
            task_ref=task_ref,
        )
        refresh = {tagged.task.assignee_id} if tagged.task and tagged.task.assignee_id else set()
        return Reply(views.tagged_text(tagged, channel_id), refresh_users=refresh)

    answer_submission(ack, body, client, context, act, "tag")


def register(app: App) -> None:
    app.message_shortcut(views.TAG_CONTACT_SHORTCUT)(handle_tag_shortcut)
    app.view(views.TAG_CONTACT_CALLBACK)(handle_tag_submission)
