"""Shortcuts: "Create task" on a message (prefilled, keeps permalink and client) and "New task"."""

from __future__ import annotations

import logging

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.desk import Desk
from bot.services import people
from bot.services.tasks import NewTask
from bot.views.tasks import CREATE_TASK_SHORTCUT, NEW_TASK_SHORTCUT, new_task_modal
from handlers.common import desk_of, message_permalink
from handlers.failures import guarded
from handlers.payload import MalformedPayload, team_of

logger = logging.getLogger(__name__)

TITLE_FROM_MESSAGE_LIMIT = 150


def open_new_task_modal(
    client: WebClient,
    desk: Desk,
    team_id: str,
    trigger_id: str,
    prefill: NewTask | None = None,
    metadata: dict | None = None,
    typed_in: str | None = None,
) -> None:
    """Open the New task modal straight away: trigger ids expire after 3 seconds. Opened
    in a client's channel (`typed_in`), the task is that client's unless changed."""
    with desk.session() as session:
        people.ensure_workspace(session, desk.settings, team_id)
        clients = people.list_clients(session, team_id)
        channel_client = people.client_for_channel(session, team_id, typed_in)
    if prefill is None and channel_client is not None:
        prefill = NewTask(title="", client_id=channel_client.id)
        metadata = {**(metadata or {}), "channel": typed_in}
    client.views_open(trigger_id=trigger_id, view=new_task_modal(clients, prefill, metadata))


@guarded
def handle_message_shortcut(
    ack: Ack, body: dict, shortcut: dict, client: WebClient, context: BoltContext
) -> None:
    ack()
    desk, team_id = desk_of(context), team_of(shortcut)
    channel_id = (shortcut.get("channel") or {}).get("id")
    message = shortcut.get("message")
    if not isinstance(channel_id, str) or not isinstance(message, dict):
        raise MalformedPayload("a message shortcut without its message")
    text = message.get("text")
    text = text.strip() if isinstance(text, str) else ""
    with desk.session() as session:
        people.ensure_workspace(session, desk.settings, team_id)
        client_row = people.client_for_channel(session, team_id, channel_id)
    prefill = NewTask(
        title=text.splitlines()[0][:TITLE_FROM_MESSAGE_LIMIT] if text else "",
        description=text or None,
        client_id=client_row.id if client_row else None,
    )
    permalink = message_permalink(
        client, channel_id, message.get("ts", shortcut.get("message_ts", ""))
    )
    metadata = {"channel": channel_id, "permalink": permalink}
    open_new_task_modal(client, desk, team_id, shortcut.get("trigger_id"), prefill, metadata)


@guarded
def handle_global_shortcut(
    ack: Ack, body: dict, shortcut: dict, client: WebClient, context: BoltContext
) -> None:
    ack()
    open_new_task_modal(client, desk_of(context), team_of(shortcut), shortcut.get("trigger_id"))


def register(app: App) -> None:
    app.message_shortcut(CREATE_TASK_SHORTCUT)(handle_message_shortcut)
    app.shortcut(NEW_TASK_SHORTCUT)(handle_global_shortcut)
