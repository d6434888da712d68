"""Out of office: `/ooo` and the App Home's switch (a date picker, and I'm back). The
rule (routines and reminders skip a person away) is in `bot.services.calendars`."""

from __future__ import annotations

from datetime import date

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot import clock
from bot.services.calendars import AWAY_HELP, away_status, set_away
from bot.services.errors import InputError
from bot.services.parsing import parse_date
from bot.services.text import day_text
from bot.views.home import OOO_OFF_ACTION, OOO_UNTIL_ACTION
from handlers.common import Call, Reply, answer_button, dispatch_command
from handlers.failures import guarded
from handlers.payload import MalformedPayload


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


OOO_ACTIONS = {
    "": _ooo_status,
    "until": _ooo_until,
    "off": _ooo_off,
    "back": _ooo_off,
    "help": lambda call: Reply(AWAY_HELP),
}


@guarded
def handle_ooo_command(
    ack: Ack, body: dict, command: dict, client: WebClient, context: BoltContext
) -> None:
    ack()
    text = (command.get("text") or "").strip()
    first = text.split(maxsplit=1)[0].lower() if text else ""
    if first not in OOO_ACTIONS:
        command = {**command, "text": f"until {text}"}  # `/ooo friday`
    dispatch_command(OOO_ACTIONS, AWAY_HELP, context=context, command=command, client=client)


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


def register(app: App) -> None:
    app.command("/ooo")(handle_ooo_command)
    app.action(OOO_UNTIL_ACTION)(handle_ooo_picked)
    app.action(OOO_OFF_ACTION)(handle_ooo_off)
