"""`/agenda [today|tomorrow|week|YYYY-MM-DD] [@person]`: a person's day (or seven) over
their own midnights, as they, their supervisors and owners, or the phase III VA who
supports them may see it. The rules are bot/services/agenda/; the message,
bot/views/agenda.py."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.services.agenda.viewing import asked_agenda
from bot.views.agenda import AGENDA_HELP, agenda_blocks, agenda_text
from handlers.common import Call, Reply, run_command_or_help
from handlers.failures import guarded


def _agenda(call: Call) -> Reply:
    agenda = asked_agenda(call.session, call.desk.settings, call.actor, call.text)
    viewer = call.actor.user_id
    return Reply(agenda_text(agenda, viewer), agenda_blocks(agenda, viewer))


@guarded
def handle_agenda_command(
    ack: Ack, body: dict, command: dict, client: WebClient, context: BoltContext
) -> None:
    ack()
    run_command_or_help(_agenda, AGENDA_HELP, context=context, command=command, client=client)


def register(app: App) -> None:
    app.command("/agenda")(handle_agenda_command)
