"""`/role`: the team's roles and trust phases; an owner changes them."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.services import roles
from bot.services.errors import InputError
from bot.services.parsing import extract_user_id
from handlers.common import Call, Reply, dispatch_command
from handlers.failures import guarded

ROLE_HELP = (
    "*`/role`* — roles and trust phases\n"
    "• `/role` or `/role list` — everyone's role and phase\n"
    "• `/role @maria supervisor` — set a role: owner, supervisor or va (owners only)\n"
    "• `/role @maria phase II` — set a trust phase: I, II or III (owners only)\n"
    "Changes are audited and take the place of what vadesk.toml says for that person."
)


def _list(call: Call) -> Reply:
    people = roles.team(call.session, call.desk.settings, call.actor.team_id)
    lines = [
        f"<@{p.user_id}> · {p.role} · phase {p.phase}{' (set in Slack)' if p.set_in_slack else ''}"
        for p in people
    ]
    return Reply("\n".join(["*Roles and trust phases*", *lines]))


def _change(call: Call) -> Reply:
    user_id = extract_user_id(call.text)
    words = [w for w in call.text.split() if not w.startswith("<@")]
    if user_id is None or not words:
        raise InputError("Say who and what: `/role @maria supervisor` or `/role @maria phase II`.")
    settings = call.desk.settings
    if words[0].lower() == "phase" and len(words) == 2:
        text = roles.set_phase(call.session, settings, call.actor, user_id, words[1])
    elif len(words) == 1:
        text = roles.set_role(call.session, settings, call.actor, user_id, words[0])
    else:
        raise InputError("Say who and what: `/role @maria supervisor` or `/role @maria phase II`.")
    call.desk.forget_actor(call.actor.team_id, user_id)
    return Reply(text)


ROLE_ACTIONS = {"": _list, "list": _list, "set": _change, "help": lambda call: Reply(ROLE_HELP)}


@guarded
def handle_role_command(
    ack: Ack, body: dict, command: dict, client: WebClient, context: BoltContext
) -> None:
    ack()
    text = (command.get("text") or "").strip()
    if text.startswith("<@"):  # `/role @maria supervisor`
        command = {**command, "text": f"set {text}"}
    dispatch_command(ROLE_ACTIONS, ROLE_HELP, context=context, command=command, client=client)


def register(app: App) -> None:
    app.command("/role")(handle_role_command)
