"""Routine checklists ticked in Slack (the template review's Mark reviewed is in
handlers/templates.py)."""

from __future__ import annotations

import logging

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.services import routines
from bot.services.errors import VADeskError
from bot.views.routines import ROUTINE_BLOCK_PREFIX, ROUTINE_TICK_ACTION
from handlers.common import desk_of, refresh_checklist, tell_privately
from handlers.failures import guarded
from handlers.payload import MalformedPayload, number_from, team_of, user_of

logger = logging.getLogger(__name__)


def _ticked_items(action: dict) -> set[int]:
    selected = action.get("selected_options")
    if not isinstance(selected, list):
        raise MalformedPayload("a checklist click without its selection")
    items = set()
    for option in selected:
        value = option.get("value") if isinstance(option, dict) else None
        if not (isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 3):
            raise MalformedPayload("a checklist item")
        items.add(int(value))
    return items


@guarded
def handle_tick(
    ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext
) -> None:
    ack()
    desk, user_id, team_id = desk_of(context), user_of(body), team_of(body)
    block_id = action.get("block_id") or ""
    if not block_id.startswith(ROUTINE_BLOCK_PREFIX):
        raise MalformedPayload("a checklist click without its checklist")
    run_id = number_from(block_id[len(ROUTINE_BLOCK_PREFIX) :], "checklist id")
    ticked = _ticked_items(action)
    try:
        with desk.session() as session:
            result = routines.record_ticks(session, desk.settings, team_id, run_id, user_id, ticked)
            done = result.just_completed
    except VADeskError as refusal:
        tell_privately(desk, client, body, user_id, refusal.message)
        refresh_checklist(desk, client, team_id, run_id)
        desk.refresh_homes(team_id, {user_id})
        return
    refresh_checklist(desk, client, team_id, run_id)
    desk.refresh_homes(team_id, {user_id})
    if done:
        logger.info("checklist %s completed by %s", run_id, user_id)


def register(app: App) -> None:
    app.action(ROUTINE_TICK_ACTION)(handle_tick)
