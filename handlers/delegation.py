"""`/assign` and the **Assign work** shortcut, the brief form, and every button of the
delegation lifecycle (Acknowledge, Ask a question, Answer, Submit for review, Approve,
Request revisions). The rules are in `bot.services.delegation`; here each step's messages
are rebuilt from the stored state and updated in place."""

from __future__ import annotations

import logging

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from bot.services import delegation
from bot.services.errors import PermissionDenied, VADeskError
from bot.services.people import Actor
from bot.services.rows import saved_id
from bot.slack.desk import Desk
from bot.views import delegation as views
from handlers.common import (
    Call,
    Reply,
    answer_submission,
    clicked,
    desk_of,
    first_time,
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
    input_of,
    message_ts,
    number_from,
    picked_day,
    picked_option,
    state_values,
    team_of,
    text_input,
    user_of,
    view_metadata,
)

logger = logging.getLogger(__name__)

ASSIGN_HELP = (
    "*`/assign`* — delegate work (supervisors and owners)\n"
    "• `/assign` or the *Assign work* shortcut — the brief: VA, title, objective, "
    "deliverables, deadline, resources, category\n"
    "The VA acknowledges or asks a question, submits the deliverables, and you approve or "
    "request revisions, all from the messages VA Desk sends."
)


def _refuse_unless_manager(actor: Actor) -> None:
    if not actor.is_manager:
        raise PermissionDenied("Supervisors and owners assign work; ask one of them.")


def _open_form(call: Call) -> Reply:
    _refuse_unless_manager(call.actor)
    return open_modal(views.assign_modal(call.desk.settings.delegation.phases))


@guarded
def handle_assign_command(
    ack: Ack, body: dict, command: dict, client: WebClient, context: BoltContext
) -> None:
    ack()
    run_command_or_help(_open_form, ASSIGN_HELP, context=context, command=command, client=client)


@guarded
def handle_assign_shortcut(
    ack: Ack, body: dict, shortcut: dict, client: WebClient, context: BoltContext
) -> None:
    ack()
    desk, user_id = desk_of(context), user_of(shortcut)
    try:
        _refuse_unless_manager(desk.actor(team_of(shortcut), user_id, client))
    except VADeskError as refusal:
        tell_privately(desk, client, shortcut, user_id, refusal.message)
        return
    form = views.assign_modal(desk.settings.delegation.phases)
    client.views_open(trigger_id=shortcut.get("trigger_id"), view=form)


def _in_workspace(client: WebClient, user_id: str) -> bool:
    """A person Slack knows, not deactivated and not a bot."""
    try:
        user = client.users_info(user=user_id).get("user") or {}
    except SlackApiError:
        return False
    return not user.get("deleted") and not user.get("is_bot")


def _update(client: WebClient, channel: str | None, ts: str | None, text: str, blocks) -> None:
    if not channel or not ts:
        return
    try:
        client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)
    except SlackApiError as error:
        logger.warning("could not update an assignment message: %s", error.response.get("error"))


def _post(client: WebClient, channel: str, text: str, blocks=None) -> tuple[str, str | None]:
    answer = client.chat_postMessage(channel=channel, text=text, blocks=blocks)
    return answer["channel"], answer.get("ts")


@guarded
def handle_assign_submission(
    ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext
) -> None:
    values = state_values(view)
    desk = desk_of(context)
    assignee = input_of(values, "assignee", "selected_user")
    assignee = assignee if isinstance(assignee, str) and assignee else None
    if assignee and not _in_workspace(client, assignee):
        ack(response_action="errors", errors={"assignee": "Pick someone in this workspace."})
        return
    brief = delegation.Brief(
        assignee_id=assignee,
        title=text_input(values, "title"),
        objective=text_input(values, "objective"),
        deliverables=text_input(values, "deliverables"),
        deadline=picked_day(values, "deadline"),
        resources=text_input(values, "resources"),
        category=picked_option(values, "category"),
        override_reason=text_input(values, "override"),
        recurrence=picked_option(values, "recurrence") or "none",
    )

    def act(session: Session, actor: Actor) -> Reply:
        assignment = delegation.assign(session, desk.settings, actor, brief)
        task = delegation.task_of(session, assignment)

        def send_brief(slack: WebClient) -> str | None:
            try:
                channel, ts = _post(
                    slack,
                    assignment.assignee_id,
                    views.brief_text(assignment, task),
                    views.brief_blocks(assignment, task),
                )
            except SlackApiError as error:
                problem = error.response.get("error")
                logger.warning("brief of assignment %s not sent: %s", assignment.id, problem)
                return views.brief_refused_text(assignment, task, str(problem))
            with desk.session() as later:
                delegation.record_message(later, saved_id(assignment), "va", channel, ts)
            return None

        return Reply(
            f"Assigned *T-{task.number}* to <@{assignment.assignee_id}>; you will hear when "
            "it is acknowledged.",
            refresh_users={assignment.assignee_id},
            then=send_brief,
        )

    answer_submission(ack, body, client, context, act, "title")


def _after_step(desk: Desk, client: WebClient, assignment_id: int, action: str) -> str | None:
    """Show the new state everywhere it is on screen, and tell whoever is waiting; what
    Slack refused to deliver is said (the step itself is saved)."""
    with desk.session() as session:
        news = delegation.step_news(session, desk.settings, assignment_id, action)
    assignment, task = news.assignment, news.task
    brief = views.brief_text(assignment, task), views.brief_blocks(assignment, task)
    _update(client, assignment.va_channel, assignment.va_ts, *brief)
    unsent: list[str] = []
    if news.sent is not None:
        what = f"{views.UNDELIVERED_WHAT[news.sent]} to <@{assignment.assigner_id}>"
        message = views.sent_message(
            news.sent, assignment, task, news.submission, news.submitter_reviews
        )
        posted = _post_or_note(unsent, what, client, assignment.assigner_id, *message)
        with desk.session() as session:  # none: the assignment-chase job sends it again
            delegation.record_message(session, assignment_id, news.sent, *(posted or (None, None)))
    elif news.updated is not None:
        channel = getattr(assignment, f"{news.updated}_channel")
        ts = getattr(assignment, f"{news.updated}_ts")
        _update(client, channel, ts, *views.updated_message(news))
    if news.told is not None:
        told = views.told_text(action, assignment, task, news.note)
        _post_or_note(unsent, f"the news to <@{news.told}>", client, news.told, told)
    desk.refresh_homes(assignment.team_id, {assignment.assignee_id})
    return views.undelivered_text(news, unsent) if unsent else None


def _post_or_note(
    unsent: list[str], what: str, client: WebClient, channel: str, text: str, blocks=None
) -> tuple[str, str | None] | None:
    """Post; when Slack refuses, note `what` was not delivered and return None."""
    try:
        return _post(client, channel, text, blocks)
    except SlackApiError as error:
        problem = error.response.get("error")
        logger.warning("assignment message not delivered (%s): %s", what, problem)
        unsent.append(f"{what} ({problem})")
        return None


def _button(body: dict, action: dict, client: WebClient, context: BoltContext, step: str) -> None:
    """A step without a form runs at once; one with a form opens it after checking that
    the step is allowed (so nobody fills a form in vain)."""
    assignment_id = button_number(action)

    def act(session: Session, actor: Actor):
        if step not in views.STEP_FORMS:
            delegation.step(session, actor, assignment_id, step)
            return None
        assignment = delegation.get_assignment(session, actor.team_id, assignment_id)
        delegation.check_step(session, actor, assignment, step)
        return views.step_modal(step, assignment, delegation.task_of(session, assignment))

    form = clicked(body, client, context, act)
    if refused(form):
        return
    if form is not None:
        client.views_open(trigger_id=body.get("trigger_id"), view=form)
        return
    problem = _after_step(desk_of(context), client, assignment_id, step)
    if problem is not None:
        tell_privately(desk_of(context), client, body, user_of(body), problem)


def _button_listener(step: str):
    @guarded
    def listener(
        ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext
    ) -> None:
        ack()
        _button(body, action, client, context, step)

    listener.__name__ = f"handle_{step}_button"
    return listener


@guarded
def handle_step_submission(
    ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext
) -> None:
    values, meta = state_values(view), view_metadata(view)
    desk = desk_of(context)
    assignment_id = number_from(meta.get("assignment"), "the assignment")
    step = meta.get("action")
    if step not in views.STEP_FORMS:
        raise MalformedPayload("the form's step")
    field = views.STEP_FORMS[step][1]
    note = text_input(values, field)

    def act(session: Session, actor: Actor) -> Reply:
        assignment = delegation.step(session, actor, assignment_id, step, note)
        sent = views.step_sent_text(step, assignment, delegation.task_of(session, assignment))

        def announce(slack: WebClient) -> str | None:
            return _after_step(desk, slack, assignment_id, step)

        return Reply(sent, then=announce)

    answer_submission(ack, body, client, context, act, field)


@guarded
def handle_direct_message(event: dict, body: dict, client: WebClient, context: BoltContext) -> None:
    """The assigner's reply in the thread of a VA's question is the answer."""
    channel, text = event.get("channel"), event.get("text")
    thread_ts = message_ts(event.get("thread_ts"), "thread ts")
    if event.get("bot_id") or event.get("subtype") or not thread_ts or not channel:
        return
    if event.get("channel_type") not in (None, "im") or not isinstance(text, str):
        return
    desk, user_id, team_id = desk_of(context), event.get("user"), team_of(body)
    if not isinstance(user_id, str) or not first_time(body, context):
        return
    try:
        actor = desk.actor(team_id, user_id, client)
        with desk.session() as session:
            answered = delegation.answer_in_thread(session, actor, channel, thread_ts, text)
    except VADeskError as refusal:
        client.chat_postMessage(channel=user_id, text=refusal.message)
        return
    if answered is not None:
        problem = _after_step(desk, client, saved_id(answered), "answer")
        if problem is not None:
            client.chat_postMessage(channel=user_id, text=problem)


@guarded
def handle_show_button(
    ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext
) -> None:
    """Show all: the brief, the open question and the latest submission, whole."""
    ack()
    assignment_id = button_number(action)

    def act(session: Session, actor: Actor):
        assignment = delegation.readable(session, actor, assignment_id)
        task = delegation.task_of(session, assignment)
        submission = delegation.last_note(session, assignment, "submit")
        return views.assignment_modal(assignment, task, submission)

    open_clicked_modal(body, client, context, act)


def in_a_direct_message_thread(event: dict) -> bool:
    """A reply in a DM's thread (a question's): the DMs not in a thread are questions
    to VA Desk (handlers/find.py); Bolt runs only the first listener that matches."""
    return event.get("channel_type") in (None, "im") and bool(event.get("thread_ts"))


def register(app: App) -> None:
    app.command("/assign")(handle_assign_command)
    app.event("message", matchers=[in_a_direct_message_thread])(handle_direct_message)
    app.shortcut(views.ASSIGN_SHORTCUT)(handle_assign_shortcut)
    app.view(views.ASSIGN_CALLBACK)(handle_assign_submission)
    app.view(views.STEP_CALLBACK)(handle_step_submission)
    app.action(views.SHOW_ACTION)(handle_show_button)
    for step, action_id in views.BUTTON_ACTIONS.items():
        app.action(action_id)(_button_listener(step))
