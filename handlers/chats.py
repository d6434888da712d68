"""Messages in client channels: each one opens, joins or answers a client conversation
(`bot.services.chats`). Everything else Slack sends about channels is ignored."""

from __future__ import annotations

from slack_bolt import App, BoltContext

from bot.services import chats
from handlers.common import desk_of
from handlers.failures import guarded
from handlers.payload import team_of


@guarded
def handle_channel_message(event: dict, body: dict, context: BoltContext) -> None:
    channel, ts = event.get("channel"), event.get("ts")
    if not isinstance(channel, str) or not isinstance(ts, str):
        return
    desk = desk_of(context)
    user = event.get("user")
    message = chats.ChatMessage(
        team_id=team_of(body),
        channel=channel,
        user=user if isinstance(user, str) else None,
        ts=ts,
        thread_ts=event.get("thread_ts") if isinstance(event.get("thread_ts"), str) else None,
        subtype=event.get("subtype"),
        bot=bool(event.get("bot_id")),
    )
    with desk.session() as session:
        chats.record_message(session, desk.settings, message)


def in_a_channel(event: dict) -> bool:
    return event.get("channel_type") in ("channel", "group")


def register(app: App) -> None:
    app.event("message", matchers=[in_a_channel])(handle_channel_message)
