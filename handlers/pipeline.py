"""`/pipeline` (the summary, a stage's list, `move`) and the stage menu of a contact's
card, whose pick opens the move form (note or lost reason, amount, expected close)."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from sqlmodel import Session

from bot.services import contacts, pipeline
from bot.services.parsing import split_command, take_move_options
from bot.services.people import Actor
from bot.views import pipeline as views
from bot.views.contacts import CONTACT_MOVE_ACTION, STAGE_VALUE_SEPARATOR
from handlers.common import (
    Call,
    Reply,
    answer_submission,
    desk_of,
    dispatch_command,
    open_clicked_modal,
    run_command,
)
from handlers.failures import guarded
from handlers.payload import (
    MalformedPayload,
    number_from,
    picked_day,
    state_values,
    text_input,
    text_or_none,
    view_metadata,
)


def _summary(call: Call) -> Reply:
    settings = call.desk.settings
    summary = pipeline.pipeline_summary(call.session, settings, call.actor.team_id)
    return Reply(
        views.summary_text(summary), views.summary_blocks(summary, settings.billing.currency)
    )


def _stage(call: Call) -> Reply:
    settings = call.desk.settings
    listed = pipeline.stage_list(call.session, settings, call.actor.team_id, call.text)
    return Reply(
        views.stage_list_text(listed), views.stage_list_blocks(listed, settings.billing.currency)
    )


def _moved_reply(move: pipeline.Move) -> Reply:
    owner = move.contact.owner_id
    return Reply(views.moved_text(move), refresh_users={owner} if owner else set())


def _move(call: Call) -> Reply:
    settings = call.desk.settings
    options = take_move_options(call.text, today=pipeline.today_of(call.actor))
    amount = pipeline.parse_amount(settings, options.amount) if options.amount else None
    words = pipeline.read_move(call.session, settings, call.actor.team_id, options.text)
    move = pipeline.move_contact(
        call.session,
        settings,
        call.actor,
        words.contact,
        words.stage,
        words.note,
        amount_minor=amount,
        expected_close=options.close,
    )
    return _moved_reply(move)


def _help(call: Call) -> Reply:
    return Reply(views.pipeline_help(call.desk.settings.pipeline.stages))


PIPELINE_ACTIONS = {"": _summary, "move": _move, "help": _help}


@guarded
def handle_pipeline_command(
    ack: Ack, body: dict, command: dict, client: WebClient, context: BoltContext
) -> None:
    """A word of PIPELINE_ACTIONS runs it; anything else is a stage to list."""
    ack()
    desk = desk_of(context)
    text = command.get("text") or ""
    if split_command(text)[0] in PIPELINE_ACTIONS:
        help_text = views.pipeline_help(desk.settings.pipeline.stages)
        dispatch_command(
            PIPELINE_ACTIONS, help_text, context=context, command=command, client=client
        )
        return
    run_command(_stage, context=context, command=command, client=client, text=text)


def _picked_move(action: dict) -> tuple[int, str]:
    """The contact and stage of a stage menu's option: `<contact id>|<stage name>`."""
    option = action.get("selected_option")
    value = option.get("value") if isinstance(option, dict) else None
    if not isinstance(value, str):
        raise MalformedPayload("a stage menu without its choice")
    contact_id, separator, stage = value.partition(STAGE_VALUE_SEPARATOR)
    if not separator or not stage.strip():
        raise MalformedPayload("a stage menu's choice without its stage")
    return number_from(contact_id, "the contact"), stage


@guarded
def handle_move_menu(
    ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext
) -> None:
    """A stage picked on a contact's card: the move form, if the presser may move it."""
    ack()
    desk = desk_of(context)
    contact_id, stage_name = _picked_move(action)

    def build(session: Session, actor: Actor):
        contact = contacts.get_contact(session, actor.team_id, contact_id)
        stage = pipeline.check_move(desk.settings, actor, contact, stage_name)
        return views.move_modal(contact, stage, desk.settings.billing.currency)

    open_clicked_modal(body, client, context, build)


@guarded
def handle_move_submission(
    ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext
) -> None:
    values, meta = state_values(view), view_metadata(view)
    desk = desk_of(context)
    contact_id = number_from(meta.get("contact"), "the form's contact")
    stage = text_or_none(meta.get("stage"))
    if stage is None:
        raise MalformedPayload("the form's stage")
    note = text_input(values, pipeline.NOTE_FIELD)
    amount = text_input(values, pipeline.AMOUNT_FIELD)
    close = picked_day(values, pipeline.CLOSE_FIELD)

    def act(session: Session, actor: Actor) -> Reply:
        move = pipeline.move_from_form(
            session, desk.settings, actor, contact_id, stage, note, amount, close
        )
        return _moved_reply(move)

    answer_submission(ack, body, client, context, act, pipeline.NOTE_FIELD)


def register(app: App) -> None:
    app.command("/pipeline")(handle_pipeline_command)
    app.action(CONTACT_MOVE_ACTION)(handle_move_menu)
    app.view(views.MOVE_CALLBACK)(handle_move_submission)
