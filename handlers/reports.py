"""`/report [today|week|month] [@user] [#tag]`: the KPI scorecard, scoped by role, and
by a tag when one is named."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.services import digest, kpis, tags
from bot.services.parsing import extract_user_id, take_tag
from bot.views.finished import SHOW_FINISHED_ACTION, finished_modal
from bot.views.reports import REPORT_HELP, report_blocks
from handlers.common import (
    Call,
    Reply,
    desk_of,
    open_clicked_modal,
    run_command_or_help,
)
from handlers.failures import guarded


def _report(call: Call) -> Reply:
    settings = call.desk.settings
    text, tag_word = take_tag(call.text)
    tag = tags.resolve_tag(settings.tags, tag_word) if tag_word else None
    user_id = extract_user_id(text)
    period = " ".join(word for word in text.split() if not word.startswith("<@"))
    found = kpis.report(call.session, settings, call.actor, period, user_id, tag)
    blocks = report_blocks(
        found, settings.kpi.completion_rate, settings.kpi.csat, settings.sla.first_response_minutes
    )
    return Reply(f"Report: {found.period.name}", blocks)


@guarded
def handle_report_command(
    ack: Ack, body: dict, command: dict, client: WebClient, context: BoltContext
) -> None:
    ack()
    run_command_or_help(_report, REPORT_HELP, context=context, command=command, client=client)


@guarded
def handle_show_finished(
    ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext
) -> None:
    """The digest's "Show all": every task the roster finished, with the notes."""
    ack()
    settings = desk_of(context).settings
    open_clicked_modal(
        body,
        client,
        context,
        lambda session, actor: finished_modal(
            digest.finished_list(session, settings, actor, str(action.get("value", "")))
        ),
    )


def register(app: App) -> None:
    app.command("/report")(handle_report_command)
    app.action(SHOW_FINISHED_ACTION)(handle_show_finished)
