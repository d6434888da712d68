"""`/invoice` (draft, list, show, void, help), the draft preview's Finalize, Change period
and Cancel, and the Change period form. Who may invoice is asked again on every click:
a preview shown to an owner is no permission for whoever presses it."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.models.views import View
from sqlmodel import Session

from bot import clock
from bot.scheduling.invoices import invoice_documents
from bot.scheduling.notify import Notifier
from bot.services.billing import drafting, finalizing, invoices, periods
from bot.services.billing.drafts import Draft, DraftRequest
from bot.services.errors import InputError, VADeskError
from bot.services.parsing.invoice_command import split_draft, split_list
from bot.services.people import Actor
from bot.services.rows import saved_id
from bot.services.text import escape, shown
from bot.slack.desk import Desk
from bot.slack.web_client import make_posting_client
from bot.views.invoices import ids
from bot.views.invoices import preview as views
from bot.views.invoices.records import (
    INVOICE_HELP,
    finalized_blocks,
    finalized_text,
    invoice_blocks,
    invoice_list_blocks,
    invoice_text,
    list_text,
    voided_text,
)
from handlers.common import (
    Call,
    Reply,
    answer_submission,
    desk_of,
    dispatch_command,
    open_clicked_modal,
    tell_privately,
)
from handlers.failures import guarded
from handlers.payload import (
    MalformedPayload,
    number_from,
    state_values,
    team_of,
    text_input,
    user_of,
    view_metadata,
)
from store.models import Client, Invoice

DOCUMENTS_FAILED = (
    "{number} is finalized and its time is locked, but sending its PDF or CSV to your DM "
    "failed ({why}). `vadesk export invoice {number} --pdf --out {number}.pdf` (and "
    "`--csv`) writes them."
)


def _may_invoice(call: Call) -> None:
    invoices.check_may_invoice(call.desk.settings, call.actor.role)


def _draft(call: Call) -> Reply:
    _may_invoice(call)
    client_text, period = split_draft(call.text)
    client = drafting.find_client(call.session, call.desk.settings, call.actor.team_id, client_text)
    draft = _draft_for(call.session, call.desk, call.actor, client, period)
    return Reply(views.draft_text(draft), views.draft_blocks(draft))


def _draft_for(session: Session, desk: Desk, actor: Actor, client: Client, period: str) -> Draft:
    today = clock.now().astimezone(actor.zone).date()
    first, last = periods.billing_period(period, today)
    client_id = saved_id(client)
    return drafting.draft_invoice(session, desk.settings, actor.team_id, client_id, first, last)


def _list(call: Call) -> Reply:
    _may_invoice(call)
    client_text, status = split_list(call.text)
    settings, team_id = call.desk.settings, call.actor.team_id
    client = (
        drafting.find_client(call.session, settings, team_id, client_text) if client_text else None
    )
    found = invoices.list_invoices(call.session, team_id, client.id if client else None, status)
    name = client.name if client else None
    return Reply(list_text(len(found), status, name), invoice_list_blocks(found, status, name))


def _number(text: str, usage: str) -> tuple[str, str]:
    number, _, rest = text.strip().partition(" ")
    if not number:
        raise InputError(usage)
    return number, rest.strip()


def _show(call: Call) -> Reply:
    _may_invoice(call)
    number, _ = _number(call.text, "Name the invoice: `/invoice show INV-2026-0007`.")
    invoice = invoices.invoice_by_number(call.session, call.actor.team_id, number)
    lines = invoices.invoice_lines(call.session, saved_id(invoice))
    return Reply(invoice_text(invoice), invoice_blocks(invoice, lines))


def _void(call: Call) -> Reply:
    invoices.check_may_void(call.actor.role)
    usage = "Say which invoice and why: `/invoice void INV-2026-0007 &lt;reason&gt;`."
    number, reason = _number(call.text, usage)
    if not reason:
        raise InputError(usage)
    invoice = invoices.void_invoice(
        call.session, call.actor.team_id, call.actor.user_id, number, reason
    )
    return Reply(voided_text(invoice))


def _help(call: Call) -> Reply:
    _may_invoice(call)
    return Reply(INVOICE_HELP)


INVOICE_ACTIONS = {
    "draft": _draft,
    "list": _list,
    "show": _show,
    "void": _void,
    "help": _help,
    "": _help,
}


@guarded
def handle_invoice_command(
    ack: Ack, body: dict, command: dict, client: WebClient, context: BoltContext
) -> None:
    ack()
    dispatch_command(INVOICE_ACTIONS, INVOICE_HELP, context=context, command=command, client=client)


def _request_of(action: dict) -> tuple[DraftRequest, str]:
    read = views.read_draft_value(action.get("value") if isinstance(action, dict) else None)
    if read is None:
        raise MalformedPayload("the preview's button")
    return read


def _replace_preview(desk: Desk, body: dict, text: str, blocks: list | None = None) -> bool:
    """Show `text` (and blocks) where the preview was: only its presser sees it."""
    response_url = body.get("response_url")
    if not isinstance(response_url, str) or not response_url:
        return False
    message: dict = {"text": text, "replace_original": True, "response_type": "ephemeral"}
    if blocks:
        message["blocks"] = [block.to_dict() for block in blocks]
    return desk.replies.send(response_url, message)


def _channel_name(desk: Desk, client: WebClient, team_id: str, client_id: int) -> str | None:
    """The client channel's name, which the invoice prints (asked of Slack before the
    finalize's transaction; None if Slack does not say)."""
    with desk.session() as session:
        found = drafting.workspace_client(session, team_id, client_id)
        channel = found.channel_id if found is not None else None
    if channel is None:
        return None
    return desk.shared_channels.lookup(client, team_id, channel)[1]


@guarded
def handle_finalize_button(
    ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext
) -> None:
    """Finalize: an owner's alone, then the draft billed exactly as shown;
    the PDF and the CSV go to the presser's DM."""
    ack()
    desk, user_id, team_id = desk_of(context), user_of(body), team_of(body)
    request, fingerprint = _request_of(action)
    try:  # not `clicked`: DraftChanged must leave the unit of work rolled back, then redraw
        actor = desk.actor(team_id, user_id, client)
        invoices.check_may_finalize(actor.role)
        channel = _channel_name(desk, client, team_id, request.client_id)
        with desk.session() as session:
            invoice = finalizing.finalize_draft(
                session, desk.settings, team_id, user_id, request, fingerprint, channel
            )
    except finalizing.DraftChanged as changed:  # rolled back: nothing numbered or locked
        draft = changed.draft
        notice = f":warning: {escape(changed.message)}"
        if not _replace_preview(
            desk, body, views.draft_text(draft), views.draft_blocks(draft, notice)
        ):
            tell_privately(desk, client, body, user_id, notice)
        return
    except VADeskError as refusal:
        tell_privately(desk, client, body, user_id, refusal.message)
        return
    _replace_preview(desk, body, finalized_text(invoice), finalized_blocks(invoice))
    _send_documents(desk, client, body, invoice, user_id)
    desk.refresh_homes(team_id, {user_id})


def _send_documents(
    desk: Desk, client: WebClient, body: dict, invoice: Invoice, user_id: str
) -> None:
    """The PDF and the CSV to the owner's DM, claimed once each; a failure is told to
    the owner with how to write the files by hand (the invoice stays finalized)."""
    settings = desk.settings
    notifier = Notifier(
        make_posting_client(settings.bot_token, settings.slack_api_url), desk.engine
    )
    outcomes = notifier.deliver(invoice_documents(settings, invoice, user_id))
    failed = [o for o in outcomes if o.status not in ("posted", "already posted")]
    if failed:
        why = "; ".join(f"{o.status} {o.detail}".strip() for o in failed)
        tell_privately(
            desk,
            client,
            body,
            user_id,
            DOCUMENTS_FAILED.format(number=escape(invoice.number), why=shown(why, 300)),
        )


@guarded
def handle_change_period_button(
    ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext
) -> None:
    """Change period: a form with the preview's period, to type another."""
    ack()
    request, _ = _request_of(action)
    settings = desk_of(context).settings
    response_url = body.get("response_url") if isinstance(body.get("response_url"), str) else None

    def build(session: Session, actor: Actor) -> View:
        invoices.check_may_invoice(settings, actor.role)
        found = drafting.workspace_client(session, actor.team_id, request.client_id)
        if found is None:
            raise MalformedPayload("the preview's client")
        return views.period_modal(request, found.name, response_url)

    open_clicked_modal(body, client, context, build)


@guarded
def handle_period_submission(
    ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext
) -> None:
    """The Change period form: the draft again for the period typed, in place of the
    preview (or in the DM when the preview can no longer be replaced)."""
    desk = desk_of(context)
    meta = view_metadata(view)
    client_id = number_from(meta.get("client"), "the form's client")
    response_url = meta.get("response_url") if isinstance(meta.get("response_url"), str) else ""
    typed = text_input(state_values(view), views.PERIOD_BLOCK) or ""

    def redraw(session: Session, actor: Actor) -> Reply:
        invoices.check_may_invoice(desk.settings, actor.role)
        found = drafting.workspace_client(session, actor.team_id, client_id)
        if found is None:
            raise MalformedPayload("the form's client")
        draft = _draft_for(session, desk, actor, found, typed)  # a refusal shows on the field
        text, blocks = views.draft_text(draft), views.draft_blocks(draft)

        def show(web: WebClient) -> None:
            if _replace_preview(desk, {"response_url": response_url}, text, blocks):
                return None
            web.chat_postMessage(channel=actor.user_id, text=text, blocks=blocks)
            return None

        return Reply("", then=show)

    answer_submission(ack, body, client, context, redraw, refusal_field=views.PERIOD_BLOCK)


@guarded
def handle_cancel_button(
    ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext
) -> None:
    """Cancel: the preview goes; a draft locked nothing, so nothing else changes."""
    ack()
    _request_of(action)
    desk = desk_of(context)
    if not _replace_preview(desk, body, views.CANCELLED_TEXT):
        tell_privately(desk, client, body, user_of(body), views.CANCELLED_TEXT)


def register(app: App) -> None:
    app.command("/invoice")(handle_invoice_command)
    app.action(ids.FINALIZE_ACTION)(handle_finalize_button)
    app.action(ids.CHANGE_PERIOD_ACTION)(handle_change_period_button)
    app.action(ids.CANCEL_ACTION)(handle_cancel_button)
    app.view(ids.PERIOD_CALLBACK)(handle_period_submission)
