"""A client's click on the CSAT prompt: recorded, and the prompt shows the rating."""

from __future__ import annotations

import logging
import re

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services import csat
from bot.services.errors import VADeskError
from bot.views.csat import RATE_ACTIONS, prompt_blocks, prompt_text
from handlers.common import desk_of, tell_privately
from handlers.failures import guarded
from handlers.payload import MalformedPayload, number_from, team_of, user_of
from store.models import Task

logger = logging.getLogger(__name__)


@guarded
def handle_rating(
    ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext
) -> None:
    ack()
    desk, user_id, team_id = desk_of(context), user_of(body), team_of(body)
    value = action.get("value")
    match = re.fullmatch(r"(\d{1,10}):([1-5])", value) if isinstance(value, str) else None
    if match is None:
        raise MalformedPayload("a rating button without its rating")
    prompt_id = number_from(match[1], "the prompt")
    try:
        with desk.session() as session:
            prompt = csat.rate(session, desk.settings, team_id, prompt_id, user_id, int(match[2]))
            task = session.get_one(Task, prompt.task_id)
    except VADeskError as refusal:
        tell_privately(desk, client, body, user_id, refusal.message)
        return
    if prompt.message_ts is None:  # its post's ts was never stored: no message to update
        logger.warning("could not update CSAT prompt %s: its message is not known", prompt_id)
        return
    try:
        client.chat_update(
            channel=prompt.channel_id,
            ts=prompt.message_ts,
            text=prompt_text(prompt, task),
            blocks=prompt_blocks(prompt, task),
        )
    except SlackApiError as error:
        logger.warning(
            "could not update CSAT prompt %s: %s", prompt_id, error.response.get("error")
        )


def register(app: App) -> None:
    app.action(RATE_ACTIONS)(handle_rating)
