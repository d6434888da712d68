"""**Request testimonial** on the weekly testimonials list: the preview of the
`testimonial` template for the client's channel, and its submission, posted as the VA's
reply the way `/template` posts (handlers/templates.py), recorded so the client is not
asked again. The client's answer in its thread is kept by handlers/chats.py."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from sqlmodel import Session

from bot.services import templates, testimonials
from bot.services.people import Actor
from bot.slack.desk import profile_lookup
from bot.views import testimonials as views
from handlers.common import (
    Reply,
    answer_submission,
    desk_of,
    open_clicked_modal,
    refresh_checklist,
)
from handlers.failures import guarded
from handlers.payload import (
    MalformedPayload,
    button_number,
    number_from,
    state_values,
    text_input,
    view_metadata,
)
from handlers.templates import post_as_reply


def _run_of(action: dict) -> int:
    """The checklist the list is on (its block id: `testimonials:<run>:<index>`)."""
    block_id = action.get("block_id") or ""
    if not block_id.startswith(views.LIST_BLOCK_PREFIX):
        raise MalformedPayload("a testimonial button without its checklist")
    run_id, _, _ = block_id[len(views.LIST_BLOCK_PREFIX) :].partition(":")
    return number_from(run_id, "checklist id")


@guarded
def handle_request_button(
    ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext
) -> None:
    ack()
    desk = desk_of(context)
    client_id, run_id = button_number(action), _run_of(action)
    lookup = profile_lookup(client)

    def build(session: Session, actor: Actor):
        preview = testimonials.preview_request(session, desk.settings, actor, client_id, lookup)
        return views.request_modal(preview, client_id, run_id)

    open_clicked_modal(body, client, context, build)


@guarded
def handle_request_submission(
    ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext
) -> None:
    values, meta = state_values(view), view_metadata(view)
    desk = desk_of(context)
    client_id = number_from(meta.get("client"), "the form's client")
    run_id = number_from(meta["run"], "the form's checklist") if meta.get("run") else None
    text = text_input(values, templates.TEXT_FIELD)
    lookup = profile_lookup(client)

    def act(session: Session, actor: Actor) -> Reply:
        checked = templates.checked_post(text)
        claim = testimonials.claim_request(session, desk.settings, actor, client_id, lookup)
        refused: list[bool] = []

        def withdraw(unit: Session) -> None:
            testimonials.withdraw(unit, claim.event_id)
            refused.append(True)

        def post(slack: WebClient) -> str:
            said = post_as_reply(
                desk,
                slack,
                actor,
                testimonials.TEMPLATE,
                claim.channel,
                checked,
                on_posted=lambda unit, ts: testimonials.mark_posted(unit, claim.event_id, ts),
                on_refused=withdraw,
            )
            if run_id is not None:
                refresh_checklist(desk, slack, actor.team_id, run_id)
            return said if refused else views.requested_text(said, claim.contact_name)

        return Reply(then=post)

    answer_submission(ack, body, client, context, act, templates.TEXT_FIELD)


def register(app: App) -> None:
    app.action(views.REQUEST_ACTION)(handle_request_button)
    app.view(views.REQUEST_CALLBACK)(handle_request_submission)
