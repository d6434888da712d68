"""`/template`: the approved templates, the preview form that posts one personalized in
the channel (as the VA's reply to the client), and **Mark reviewed** on the monthly
template review."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from bot.services import templates
from bot.services.parsing import split_command
from bot.services.people import Actor
from bot.services.text import day_text
from bot.slack.desk import Desk, profile_lookup
from bot.views import templates as views
from handlers.common import (
    Call,
    Reply,
    answer_submission,
    clicked,
    desk_of,
    dispatch_command,
    open_modal,
    refresh_checklist,
    refused,
    run_command,
)
from handlers.failures import guarded
from handlers.payload import (
    MalformedPayload,
    number_from,
    state_values,
    team_of,
    text_input,
    view_metadata,
)

logger = logging.getLogger(__name__)

CHANNEL_RE = re.compile(r"^[CGD][A-Z0-9]{1,30}$")


def _list(call: Call) -> Reply:
    settings = call.desk.settings
    statuses = templates.list_templates(call.session, settings, call.actor.team_id)
    today = templates.today_for_reviews(settings)
    return Reply(views.list_text(statuses), views.list_blocks(statuses, today))


def _reviewed(call: Call) -> Reply:
    review = templates.mark_reviewed(call.session, call.desk.settings, call.actor, call.text)
    return Reply(
        f"Marked *{review.name}* reviewed on {day_text(review.reviewed_on)}; the monthly "
        "review leaves it out for 30 days."
    )


def _preview(channel: str, client: WebClient):
    def open_preview(call: Call) -> Reply:
        filled = templates.fill_template(
            call.session,
            call.desk.settings,
            call.actor,
            split_command(call.text)[0],
            channel,
            profile_lookup(client),
        )
        return open_modal(views.preview_modal(filled))

    return open_preview


TEMPLATE_ACTIONS = {
    "": _list,
    "list": _list,
    "reviewed": _reviewed,
    "help": lambda call: Reply(views.TEMPLATE_HELP),
}


@guarded
def handle_template_command(
    ack: Ack, body: dict, command: dict, client: WebClient, context: BoltContext
) -> None:
    """A word of TEMPLATE_ACTIONS runs it; anything else is a template's name to preview."""
    ack()
    text = command.get("text") or ""
    word, _ = split_command(text)
    if word in TEMPLATE_ACTIONS:
        dispatch_command(
            TEMPLATE_ACTIONS, views.TEMPLATE_HELP, context=context, command=command, client=client
        )
        return
    channel = command.get("channel_id")
    if not isinstance(channel, str) or not channel:
        raise MalformedPayload("a command without its channel")
    run_command(
        _preview(channel, client), context=context, command=command, client=client, text=text
    )


def post_as_reply(
    desk: Desk,
    slack: WebClient,
    actor: Actor,
    name: str,
    channel: str,
    text: str,
    *,
    on_posted: Callable[[Session, str], None] | None = None,
    on_refused: Callable[[Session], None] | None = None,
) -> str:
    """Post the text in the channel for the VA, then count it as their reply there; what
    to tell them. `on_posted` records more about the post (its ts) in the same unit of
    work; `on_refused` undoes what was kept for a post Slack refused."""
    shown, blocks = views.posted_message(text, actor.user_id)
    try:
        answer = slack.chat_postMessage(channel=channel, text=shown, blocks=blocks)
    except SlackApiError as error:
        problem = error.response.get("error")
        logger.warning("template %s not posted in %s: %s", name, channel, problem)
        if on_refused is not None:
            with desk.session() as session:
                on_refused(session)
        return views.refused_post_text(name, channel, problem)
    with desk.session() as session:
        posted = templates.record_posted(
            session, desk.settings, actor.team_id, actor.user_id, channel, answer["ts"]
        )
        if on_posted is not None:
            on_posted(session, answer["ts"])
        client_name, _ = templates.client_of_channel(session, desk.settings, actor.team_id, channel)
    return views.posted_text(name, channel, posted, client_name)


@guarded
def handle_post_submission(
    ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext
) -> None:
    values, meta = state_values(view), view_metadata(view)
    desk = desk_of(context)
    name, channel = meta.get("template"), meta.get("channel")
    if not isinstance(name, str) or not isinstance(channel, str) or not CHANNEL_RE.match(channel):
        raise MalformedPayload("the form's channel or template")
    text = text_input(values, templates.TEXT_FIELD)

    def act(session: Session, actor: Actor) -> Reply:
        checked = templates.checked_post(text)
        return Reply(then=lambda slack: post_as_reply(desk, slack, actor, name, channel, checked))

    answer_submission(ack, body, client, context, act, templates.TEXT_FIELD)


def _review_run(action: dict) -> int:
    block_id = action.get("block_id") or ""
    if not block_id.startswith(views.REVIEW_BLOCK_PREFIX):
        raise MalformedPayload("a review button without its checklist")
    run_id, _, _ = block_id[len(views.REVIEW_BLOCK_PREFIX) :].partition(":")
    return number_from(run_id, "checklist id")


@guarded
def handle_mark_reviewed(
    ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext
) -> None:
    ack()
    desk = desk_of(context)
    run_id = _review_run(action)
    name = action.get("value")
    if not isinstance(name, str) or not name:
        raise MalformedPayload("a review button without its template")

    def mark(session: Session, actor: Actor):
        return templates.mark_reviewed(session, desk.settings, actor, name)

    if refused(clicked(body, client, context, mark)):
        return
    refresh_checklist(desk, client, team_of(body), run_id)


def register(app: App) -> None:
    app.command("/template")(handle_template_command)
    app.view(views.POST_CALLBACK)(handle_post_submission)
    app.action(views.MARK_REVIEWED_ACTION)(handle_mark_reviewed)
