"""The buttons of a stale-contact list (the digest's, the `cold-leads` checklist's):
**Archive**, **Re-engage**, **Snooze 30 days**. Each runs as its presser (a refusal is
told to them alone); then the list is drawn again where it was, showing what happened to
that contact, the others unchanged."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from bot.services import digest as digests
from bot.services import stale
from bot.services.people import Actor
from bot.slack.desk import Desk
from bot.views import stale as views
from bot.views.digest import DIGEST_PLACE
from handlers.common import clicked, desk_of, refresh_checklist, refused
from handlers.failures import guarded
from handlers.payload import (
    MalformedPayload,
    button_number,
    message_ts,
    number_from,
    team_of,
    user_of,
)
from store.models import Task

logger = logging.getLogger(__name__)

RUN_PLACE = "run-"  # a checklist's list: run-<run id>

Act = Callable[[Session, Actor, int, stale.MessageRef | None], Any]


def _message_of(body: dict) -> stale.MessageRef | None:
    container = body.get("container") or {}
    channel = container.get("channel_id")
    ts = message_ts(container.get("message_ts"))
    if isinstance(channel, str) and channel and ts is not None:
        return stale.MessageRef(channel, ts)
    return None


def _place_of(action: dict) -> str:
    place = views.place_of(str(action.get("block_id") or ""))
    if place is None or not (place == DIGEST_PLACE or place.startswith(RUN_PLACE)):
        raise MalformedPayload("a stale contact's button without its list")
    return place


def _redraw_digest(desk: Desk, client: WebClient, body: dict, message: stale.MessageRef) -> None:
    posted = body.get("message") or {}
    blocks = posted.get("blocks")
    if not isinstance(blocks, list):
        return
    with desk.session() as session:
        listed = digests.stale_part(session, desk.settings, team_of(body), message)
    updated = views.with_stale_part(blocks, DIGEST_PLACE, views.stale_blocks(listed, DIGEST_PLACE))
    if updated is None:
        return
    text = posted.get("text") if isinstance(posted.get("text"), str) else None
    try:
        client.chat_update(
            channel=message.channel_id,
            ts=message.ts,
            text=text or views.stale_count_text(listed),
            blocks=updated,
        )
    except SlackApiError as error:
        logger.warning("could not update the digest's stale list: %s", error.response.get("error"))


def _redraw(
    desk: Desk, client: WebClient, body: dict, place: str, message: stale.MessageRef | None
) -> None:
    if place.startswith(RUN_PLACE):
        run_id = number_from(place[len(RUN_PLACE) :], "checklist id")
        refresh_checklist(desk, client, team_of(body), run_id)
    elif message is not None:
        _redraw_digest(desk, client, body, message)


def _pressed(body: dict, action: dict, client: WebClient, context: BoltContext, act: Act) -> None:
    """Run the button's action on its contact, then draw the list again (after a refusal
    too: it shows the contact as it now stands)."""
    desk = desk_of(context)
    contact_id = button_number(action)
    place = _place_of(action)
    message = _message_of(body)
    result = clicked(
        body, client, context, lambda session, actor: act(session, actor, contact_id, message)
    )
    _redraw(desk, client, body, place, message)
    if not refused(result):
        owners = {result.assignee_id} if isinstance(result, Task) else set()
        desk.refresh_homes(team_of(body), {user_of(body), *owners})


@guarded
def handle_archive(
    ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext
) -> None:
    ack()
    _pressed(
        body,
        action,
        client,
        context,
        lambda session, actor, contact_id, message: stale.archive_contact(
            session, actor, contact_id, message=message
        ),
    )


@guarded
def handle_snooze(
    ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext
) -> None:
    ack()
    _pressed(
        body,
        action,
        client,
        context,
        lambda session, actor, contact_id, message: stale.snooze_contact(
            session, actor, contact_id, message=message
        ),
    )


@guarded
def handle_reengage(
    ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext
) -> None:
    ack()
    settings = desk_of(context).settings
    _pressed(
        body,
        action,
        client,
        context,
        lambda session, actor, contact_id, message: stale.reengage_contact(
            session, settings, actor, contact_id, message=message
        ),
    )


def register(app: App) -> None:
    app.action(views.ARCHIVE_ACTION)(handle_archive)
    app.action(views.REENGAGE_ACTION)(handle_reengage)
    app.action(views.SNOOZE_ACTION)(handle_snooze)
