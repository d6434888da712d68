"""Routine checklists ticked in Slack, out of office (`/ooo` and the App Home switch),
and "Keep running" on a timer nudge."""

from __future__ import annotations

import logging
from datetime import date

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from sqlmodel import Session

from bot import clock
from bot.services import reminders, routines
from bot.services.calendars import AWAY_HELP, away_status, set_away
from bot.services.errors import InputError, VADeskError
from bot.services.parsing import parse_date
from bot.services.people import Actor
from bot.services.text import day_text
from bot.views.home import OOO_OFF_ACTION, OOO_UNTIL_ACTION
from bot.views.reminders import KEEP_RUNNING_ACTION
from bot.views.routines import (
    ROUTINE_BLOCK_PREFIX,
    ROUTINE_TICK_ACTION,
)
from handlers.common import (
    Call,
    Reply,
    answer_button,
    desk_of,
    dispatch_command,
    refresh_checklist,
    tell_privately,
)
from handlers.failures import guarded
from handlers.payload import MalformedPayload, button_number, number_from, team_of, user_of

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


# -- out of office ---------------------------------------------------------------------


def _ooo_until(call: Call) -> Reply:
    words = call.text.strip()
    if not words:
        raise InputError("Say until when: `/ooo until friday` or `/ooo until 2026-12-31`.")
    today = clock.now().astimezone(call.actor.zone).date()
    until = parse_date(words, today=today, direction="future")
    return Reply(set_away(call.session, call.actor, until))


def _ooo_off(call: Call) -> Reply:
    return Reply(set_away(call.session, call.actor, None))


def _ooo_status(call: Call) -> Reply:
    if call.text.strip():
        return _ooo_until(call)
    until = away_status(call.session, call.actor)
    where = (
        f"You are out of office up to and including {day_text(until)}."
        if until
        else "You are in the office: routines and reminders reach you."
    )
    return Reply(f"{where}\n{AWAY_HELP}")


@guarded
def handle_ooo_command(
    ack: Ack, body: dict, command: dict, client: WebClient, context: BoltContext
) -> None:
    ack()
    text = (command.get("text") or "").strip()
    first = text.split(maxsplit=1)[0].lower() if text else ""
    actions = {
        "": _ooo_status,
        "until": _ooo_until,
        "off": _ooo_off,
        "back": _ooo_off,
        "help": lambda call: Reply(AWAY_HELP),
    }
    if first not in actions:
        command = {**command, "text": f"until {text}"}  # `/ooo friday`
    dispatch_command(actions, AWAY_HELP, context=context, command=command, client=client)


@guarded
def handle_ooo_picked(
    ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext
) -> None:
    ack()
    picked = action.get("selected_date")
    try:
        until = date.fromisoformat(picked) if isinstance(picked, str) else None
    except ValueError:
        until = None
    if until is None:
        raise MalformedPayload("a date picker without its date")
    answer_button(body, client, context, lambda s, a: set_away(s, a, until))


@guarded
def handle_ooo_off(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    ack()
    answer_button(body, client, context, lambda s, a: set_away(s, a, None))


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
    app.action(ROUTINE_TICK_ACTION)(handle_tick)
    app.command("/ooo")(handle_ooo_command)
    app.action(OOO_UNTIL_ACTION)(handle_ooo_picked)
    app.action(OOO_OFF_ACTION)(handle_ooo_off)
    app.action(KEEP_RUNNING_ACTION)(handle_keep_running)
