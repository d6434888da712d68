"""`/task`, the **New task** and **Create task** shortcuts (from a message: prefilled, with
its permalink and client), the New task modal, and the completion notes of `/task done`
and the App Home's Done."""

from __future__ import annotations

from datetime import date

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from sqlmodel import Session

from bot import clock
from bot.services import people, tags, tasks
from bot.services.billing import switch
from bot.services.billing.billable import why_not_billable
from bot.services.billing.terms import non_billable_categories
from bot.services.errors import InputError, VADeskError
from bot.services.parsing import (
    extract_user_id,
    format_task_id,
    parse_followup,
    parse_task_add,
    parse_task_id,
    take_tag,
)
from bot.services.people import Actor
from bot.services.tasks import NewTask
from bot.services.text import day_text, escape
from bot.slack.desk import Desk
from bot.views import tasks as views
from bot.views.help import task_help
from bot.views.timers import stopped_text
from handlers.common import (
    Call,
    Reply,
    answer_submission,
    channel_of,
    desk_of,
    dispatch_command,
    message_permalink,
    open_clicked_modal,
    open_modal,
)
from handlers.failures import guarded
from handlers.payload import (
    MalformedPayload,
    button_number,
    input_of,
    number_from,
    picked_day,
    picked_option,
    state_values,
    team_of,
    text_input,
    text_or_none,
    ticked,
    user_of,
    view_metadata,
)
from store.db import session_scope
from store.models import Task

TITLE_FROM_MESSAGE_LIMIT = 150


def _today(call: Call) -> date:
    return clock.now().astimezone(call.actor.zone).date()


def _created_reply(task: Task, actor_id: str) -> Reply:
    return Reply(f"Created {views.task_line(task)}", refresh_users={task.assignee_id or actor_id})


def _add(call: Call) -> Reply:
    settings = call.desk.settings
    keys = [client.key for client in settings.clients]
    draft = parse_task_add(call.text, today=_today(call), client_keys=keys)
    tag = tags.resolve_tag(settings.tags, draft.tag) if draft.tag else None
    place = tasks.place_of_new_task(
        call.session,
        settings,
        call.actor.team_id,
        client_key=draft.client_key,
        named_channel=draft.channel_id,
        typed_in=call.channel_id,
    )
    task = tasks.create_task(
        call.session,
        call.actor,
        NewTask(
            title=draft.title,
            channel_id=place.channel_id,
            client_id=place.client_id,
            assignee_id=draft.assignee_id,
            due=draft.due,
            priority=draft.priority,
            tag=tag,
        ),
    )
    return _created_reply(task, call.actor.user_id)


def _list(call: Call) -> Reply:
    text, tag_word = take_tag(call.text)
    tag = tags.resolve_tag(call.desk.settings.tags, tag_word) if tag_word else None
    word = text.strip().lower() or "mine"
    user_id = extract_user_id(text)
    scope = "user" if user_id else word
    found = tasks.list_tasks(call.session, call.actor, scope, user_id, _today(call), tag)
    heading = {
        "mine": "My open tasks",
        "all": "All open tasks",
        "overdue": "Overdue tasks",
        "user": f"Open tasks of <@{user_id}>",
    }[scope]
    if tag is not None:
        heading += f" tagged {escape(tag)}"
    return Reply(heading, views.task_list_blocks(found, heading, _today(call)))


def _show(call: Call) -> Reply:
    off = non_billable_categories(call.desk.settings)
    details = tasks.task_details(call.session, call.actor, parse_task_id(call.text), off)
    return Reply(views.task_line(details.task), views.task_detail_blocks(details))


def _completion_reply(completion: tasks.Completion, headline: str) -> Reply:
    lines = [headline] + [stopped_text(stopped) for stopped in completion.stopped]
    users = {s.entry.user_id for s in completion.stopped} | {completion.task.assignee_id}
    return Reply("\n".join(lines), refresh_users={u for u in users if u})


def _done_reply(completion: tasks.Completion) -> Reply:
    return _completion_reply(completion, f":white_check_mark: {views.task_line(completion.task)}")


def _done(call: Call) -> Reply:
    ref, _, notes = call.text.strip().partition(" ")
    if not ref:
        raise InputError("Usage: /task done T-12 &lt;notes on what was done&gt;")
    number = parse_task_id(ref)
    if not notes.strip():
        task = tasks.task_to_complete(call.session, call.actor, number)
        return open_modal(views.complete_task_modal(task))
    return _done_reply(tasks.complete_task(call.session, call.actor, number, notes))


def _status(call: Call) -> Reply:
    ref, _, status = call.text.strip().partition(" ")
    if not status.strip():
        raise InputError("Usage: /task status T-12 &lt;open|in progress|waiting|done|cancelled&gt;")
    completion = tasks.set_status(call.session, call.actor, parse_task_id(ref), status)
    return _completion_reply(completion, f"Status changed: {views.task_line(completion.task)}")


def _followup(call: Call) -> Reply:
    draft = parse_followup(call.text, today=_today(call))
    task, followup = tasks.add_followup(
        call.session, call.actor, draft.task_number, draft.text, draft.due
    )
    suffix = f" (due {day_text(followup.due)})" if followup.due else ""
    return Reply(f"Follow-up logged on *{format_task_id(task.number)}*{suffix}.")


SWITCH_WORDS = {"on": True, "off": False}


def _billable(call: Call) -> Reply:
    ref, _, word = call.text.strip().partition(" ")
    if not ref or word.strip().lower() not in SWITCH_WORDS:
        raise InputError("Usage: /task billable T-12 on|off")
    number, billable = parse_task_id(ref), SWITCH_WORDS[word.strip().lower()]
    task = switch.set_task_billable(call.session, call.actor, number, billable)
    off = non_billable_categories(call.desk.settings)
    return Reply(views.billable_switched_text(task, why_not_billable(task, off)))


def _help(call: Call) -> Reply:
    return Reply(task_help(call.desk.settings.tags, call.desk.settings.clients))


TASK_ACTIONS = {
    "add": _add,
    "list": _list,
    "show": _show,
    "done": _done,
    "status": _status,
    "followup": _followup,
    "billable": _billable,
    "help": _help,
}


@guarded
def handle_task_command(
    ack: Ack, body: dict, command: dict, client: WebClient, context: BoltContext
) -> None:
    ack()
    desk = desk_of(context)
    if not (command.get("text") or "").strip():
        open_new_task_modal(
            client, desk, team_of(command), command.get("trigger_id"), typed_in=channel_of(command)
        )
        return
    help_text = task_help(desk.settings.tags, desk.settings.clients)
    dispatch_command(TASK_ACTIONS, help_text, context=context, command=command, client=client)


def open_new_task_modal(
    client: WebClient,
    desk: Desk,
    team_id: str,
    trigger_id: str | None,
    prefill: NewTask | None = None,
    metadata: dict | None = None,
    typed_in: str | None = None,
) -> None:
    """Open the New task modal straight away: trigger ids expire after 3 seconds. Opened
    in a client's channel (`typed_in`), the task is that client's unless changed. It saves
    nothing of the person's (a first request may set up the workspace's rows), so it is not
    a unit of work that counts as saved when Slack then fails to open the form."""
    with session_scope(desk.engine) as session:
        people.ensure_workspace(session, desk.settings, team_id)
        clients = people.list_clients(session, team_id)
        channel_client = people.client_for_channel(session, team_id, typed_in)
    if prefill is None and channel_client is not None:
        prefill = NewTask(title="", client_id=channel_client.id)
        metadata = {**(metadata or {}), "channel": typed_in}
    client.views_open(trigger_id=trigger_id, view=views.new_task_modal(clients, prefill, metadata))


@guarded
def handle_create_task_shortcut(
    ack: Ack, body: dict, shortcut: dict, client: WebClient, context: BoltContext
) -> None:
    ack()
    desk, team_id = desk_of(context), team_of(shortcut)
    channel_id = (shortcut.get("channel") or {}).get("id")
    message = shortcut.get("message")
    if not isinstance(channel_id, str) or not isinstance(message, dict):
        raise MalformedPayload("a message shortcut without its message")
    text = message.get("text")
    text = text.strip() if isinstance(text, str) else ""
    with desk.session() as session:
        people.ensure_workspace(session, desk.settings, team_id)
        client_row = people.client_for_channel(session, team_id, channel_id)
    prefill = NewTask(
        title=text.splitlines()[0][:TITLE_FROM_MESSAGE_LIMIT] if text else "",
        description=text or None,
        client_id=client_row.id if client_row else None,
    )
    permalink = message_permalink(
        client, channel_id, message.get("ts", shortcut.get("message_ts", ""))
    )
    metadata = {"channel": channel_id, "permalink": permalink}
    open_new_task_modal(client, desk, team_id, shortcut.get("trigger_id"), prefill, metadata)


@guarded
def handle_new_task_shortcut(
    ack: Ack, body: dict, shortcut: dict, client: WebClient, context: BoltContext
) -> None:
    ack()
    open_new_task_modal(client, desk_of(context), team_of(shortcut), shortcut.get("trigger_id"))


@guarded
def handle_new_task_submission(
    ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext
) -> None:
    values, meta = state_values(view), view_metadata(view)
    selected_client = picked_option(values, "client")
    assignee = input_of(values, "assignee", "selected_user")
    new = NewTask(
        title=text_input(values, "title") or "",
        description=text_input(values, "description"),
        client_id=number_from(selected_client, "the client") if selected_client else None,
        channel_id=text_or_none(meta.get("channel")),
        assignee_id=text_or_none(assignee),
        due=picked_day(values, "due"),
        priority=picked_option(values, "priority") or "normal",
        category=text_input(values, "category"),
        source_permalink=text_or_none(meta.get("permalink")),
        billable=ticked(values, "billable", views.BILLABLE_OPTION) is not False,
    )
    answer_submission(
        ack,
        body,
        client,
        context,
        lambda session, actor: _created_reply(
            tasks.create_task(session, actor, new), actor.user_id
        ),
        refusal_field="title",
    )


@guarded
def handle_complete_submission(
    ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext
) -> None:
    number = number_from(view_metadata(view).get("task"), "the form's task")
    notes = text_input(state_values(view), "notes")

    def complete(session: Session, actor: Actor) -> Reply:
        return _done_reply(tasks.complete_task(session, actor, number, notes))

    answer_submission(ack, body, client, context, complete, refusal_field="notes")


@guarded
def handle_show_all_button(
    ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext
) -> None:
    """Show all on the card of `/task show`: the task's texts whole, in a modal."""
    ack()
    number = button_number(action)
    open_clicked_modal(
        body,
        client,
        context,
        lambda session, actor: views.task_whole_modal(tasks.task_details(session, actor, number)),
    )


@guarded
def handle_done_button(
    ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext
) -> None:
    """Done needs completion notes, so the button opens the notes modal."""
    ack()
    desk, user_id, team_id = desk_of(context), user_of(body), team_of(body)
    number = button_number(action)
    try:
        actor = desk.actor(team_id, user_id, client)
        with desk.session() as session:
            task = tasks.task_to_complete(session, actor, number)
    except VADeskError as refusal:
        client.chat_postMessage(channel=user_id, text=refusal.message)
        desk.refresh_homes(team_id, {user_id})
        return
    client.views_open(trigger_id=body.get("trigger_id"), view=views.complete_task_modal(task))


def register(app: App) -> None:
    app.command("/task")(handle_task_command)
    app.message_shortcut(views.CREATE_TASK_SHORTCUT)(handle_create_task_shortcut)
    app.shortcut(views.NEW_TASK_SHORTCUT)(handle_new_task_shortcut)
    app.action(views.DONE_ACTION)(handle_done_button)
    app.action(views.SHOW_ALL_ACTION)(handle_show_all_button)
    app.view(views.NEW_TASK_CALLBACK)(handle_new_task_submission)
    app.view(views.COMPLETE_TASK_CALLBACK)(handle_complete_submission)
