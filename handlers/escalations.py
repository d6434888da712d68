"""`/escalate [T-n]`, the **Escalate** message shortcut, the escalation form, and the
channel message's **Take it** and **Resolved**."""

from __future__ import annotations

import logging

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from bot.services import escalations
from bot.services.errors import VADeskError
from bot.services.parsing import parse_task_id
from bot.services.people import Actor
from bot.services.rows import saved_id
from bot.services.tasks import get_task
from bot.slack.desk import Desk
from bot.views import escalations as views
from handlers.common import (
    Call,
    Reply,
    answer_submission,
    clicked,
    desk_of,
    message_permalink,
    open_clicked_modal,
    open_modal,
    refused,
    run_command_or_help,
    tell_privately,
)
from handlers.failures import guarded
from handlers.payload import (
    MalformedPayload,
    button_number,
    number_from,
    picked_option,
    state_values,
    text_input,
    user_of,
    view_metadata,
)
from store.models import Escalation, Task

logger = logging.getLogger(__name__)

ESCALATE_HELP = (
    "*`/escalate`* — escalate with full context (summary, actions already taken, "
    "background, the question or decision needed, urgency, the contact's tag)\n"
    "• `/escalate` or `/escalate T-12` — open the form (linked to the task)\n"
    "• the *Escalate* shortcut on a message — the same, linked to that message\n"
    "It goes to the escalation channel, where a supervisor or owner takes and resolves it; "
    "open escalations are followed up until they are."
)


def _open_form(call: Call) -> Reply:
    escalations.escalation_channel(call.desk.settings)
    metadata: dict = {}
    if call.text.strip():
        task = get_task(call.session, call.actor.team_id, parse_task_id(call.text))
        metadata["task"] = task.number
    return open_modal(views.escalate_modal(metadata))


@guarded
def handle_escalate_command(
    ack: Ack, body: dict, command: dict, client: WebClient, context: BoltContext
) -> None:
    ack()
    run_command_or_help(_open_form, ESCALATE_HELP, context=context, command=command, client=client)


@guarded
def handle_escalate_shortcut(
    ack: Ack, body: dict, shortcut: dict, client: WebClient, context: BoltContext
) -> None:
    ack()
    desk, user_id = desk_of(context), user_of(shortcut)
    channel_id = (shortcut.get("channel") or {}).get("id")
    message = shortcut.get("message")
    if not isinstance(channel_id, str) or not isinstance(message, dict):
        raise MalformedPayload("a message shortcut without its message")
    try:
        escalations.escalation_channel(desk.settings)
    except VADeskError as refusal:
        tell_privately(desk, client, shortcut, user_id, refusal.message)
        return
    given = message.get("text")
    text = given if isinstance(given, str) else ""
    permalink = message_permalink(client, channel_id, message.get("ts", ""))
    view = views.escalate_modal({"permalink": permalink}, summary=text.strip() or None)
    client.views_open(trigger_id=shortcut.get("trigger_id"), view=view)


def _post(desk: Desk, client: WebClient, escalation: Escalation, task: Task | None) -> str | None:
    """Post (or update) the escalation's message in the channel; a failure is said, with
    what was saved (a message never posted is posted by the next follow-up)."""
    blocks = views.escalation_blocks(escalation, task)
    text = views.escalation_text(escalation)
    ref = escalations.format_escalation_id(saved_id(escalation))
    try:
        if escalation.message_ts:
            assert escalation.channel_id is not None  # recorded with message_ts
            client.chat_update(
                channel=escalation.channel_id, ts=escalation.message_ts, text=text, blocks=blocks
            )
            return None
        channel = escalations.escalation_channel(desk.settings)
        answer = client.chat_postMessage(channel=channel, text=text, blocks=blocks)
    except SlackApiError as error:
        problem = error.response.get("error")
        logger.warning("escalation %s not posted: %s", escalation.id, problem)
        if escalation.message_ts:
            return (
                f"*{ref}* is saved, but Slack refused to update its message in the "
                f"escalation channel ({problem}); it shows the state before."
            )
        return (
            f"Saved as *{ref}*, but Slack refused the post to the escalation channel "
            f"({problem}), so nobody there has seen it yet: tell a supervisor. VA Desk posts "
            "it again with its first follow-up."
        )
    with desk.session() as session:
        escalations.record_posted(
            session, saved_id(escalation), answer["channel"], answer.get("ts")
        )
    return None


def _task_of(session: Session, escalation: Escalation) -> Task | None:
    return session.get(Task, escalation.task_id) if escalation.task_id else None


@guarded
def handle_escalate_submission(
    ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext
) -> None:
    values, meta = state_values(view), view_metadata(view)
    desk = desk_of(context)
    task_number = meta.get("task")
    permalink = meta.get("permalink")
    draft = escalations.EscalationDraft(
        summary=text_input(values, "summary"),
        actions_taken=text_input(values, "actions_taken"),
        question=text_input(values, "question"),
        background=text_input(values, "background"),
        urgency=picked_option(values, "urgency"),
        contact_tag=text_input(values, "contact_tag"),
    )

    def act(session: Session, actor: Actor) -> Reply:
        escalation = escalations.raise_escalation(
            session,
            desk.settings,
            actor,
            draft,
            number_from(task_number, "the task") if task_number is not None else None,
            permalink if isinstance(permalink, str) else None,
        )
        task = _task_of(session, escalation)
        channel = escalations.escalation_channel(desk.settings)
        return Reply(
            views.raised_text(escalation, channel),
            then=lambda slack: _post(desk, slack, escalation, task),
        )

    answer_submission(ack, body, client, context, act, "summary")


def _changed(body: dict, client: WebClient, context: BoltContext, change, tell_raiser) -> None:
    """Run a state change; update the channel message in place and tell the VA who raised
    it (a refusal is told to the presser alone)."""

    def act(session: Session, actor: Actor):
        escalation = change(session, actor)
        return escalation, _task_of(session, escalation)

    result = clicked(body, client, context, act)
    if refused(result):
        return
    escalation, task = result
    problem = _post(desk_of(context), client, escalation, task)
    try:
        client.chat_postMessage(channel=escalation.raised_by, text=tell_raiser(escalation))
    except SlackApiError as error:
        logger.warning(
            "escalation %s: raiser not told: %s", escalation.id, error.response.get("error")
        )
        problem = (problem + "\n" if problem else "") + (
            f"It is saved, but Slack refused to tell <@{escalation.raised_by}> "
            f"({error.response.get('error')}); tell them yourself."
        )
    if problem is not None:
        tell_privately(desk_of(context), client, body, user_of(body), problem)


@guarded
def handle_take(
    ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext
) -> None:
    ack()
    escalation_id = button_number(action)
    _changed(
        body,
        client,
        context,
        lambda session, actor: escalations.take(session, actor, escalation_id),
        views.taken_text,
    )


@guarded
def handle_resolve_button(
    ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext
) -> None:
    ack()
    escalation_id = button_number(action)
    open_clicked_modal(
        body,
        client,
        context,
        lambda session, actor: views.resolve_modal(
            escalations.check_resolvable(session, actor, escalation_id)
        ),
    )


@guarded
def handle_resolve_submission(
    ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext
) -> None:
    values, meta = state_values(view), view_metadata(view)
    desk = desk_of(context)
    escalation_id = number_from(meta.get("escalation"), "the escalation")
    notes = text_input(values, "resolution")

    def act(session: Session, actor: Actor) -> Reply:
        escalation = escalations.resolve(session, actor, escalation_id, notes)
        task = _task_of(session, escalation)

        def announce(slack: WebClient) -> str | None:
            problem = _post(desk, slack, escalation, task)
            slack.chat_postMessage(
                channel=escalation.raised_by, text=views.resolved_text(escalation)
            )
            return f"{resolved}\n{problem}" if problem else None

        ref = escalations.format_escalation_id(saved_id(escalation))
        resolved = f"Resolved *{ref}*; <@{escalation.raised_by}> is told."
        return Reply(resolved, then=announce)

    answer_submission(ack, body, client, context, act, "resolution")


@guarded
def handle_show(
    ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext
) -> None:
    """Show all: the whole escalation, when the channel message shows it cut."""
    ack()
    escalation_id = button_number(action)
    open_clicked_modal(
        body,
        client,
        context,
        lambda session, actor: views.escalation_modal(
            escalations.get_escalation(session, actor.team_id, escalation_id)
        ),
    )


def register(app: App) -> None:
    app.command("/escalate")(handle_escalate_command)
    app.message_shortcut(views.ESCALATE_SHORTCUT)(handle_escalate_shortcut)
    app.view(views.ESCALATE_CALLBACK)(handle_escalate_submission)
    app.view(views.RESOLVE_CALLBACK)(handle_resolve_submission)
    app.action(views.TAKE_ACTION)(handle_take)
    app.action(views.RESOLVE_ACTION)(handle_resolve_button)
    app.action(views.SHOW_ACTION)(handle_show)
