"""Keep running on a timer nudge; its Stop is the timers' Stop (handlers/timers.py).
When a nudge is due is decided in `bot.services.reminders`."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from sqlmodel import Session

from bot.services import reminders
from bot.services.people import Actor
from bot.views.reminders import KEEP_RUNNING_ACTION
from handlers.common import answer_button
from handlers.failures import guarded
from handlers.payload import button_number


@guarded
def handle_keep_running(
    ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext
) -> None:
    ack()
    entry_id = button_number(action)

    def keep(session: Session, actor: Actor) -> str:
        return reminders.keep_running(session, actor, entry_id)

    answer_button(body, client, context, keep)


def register(app: App) -> None:
    app.action(KEEP_RUNNING_ACTION)(handle_keep_running)
