"""`/timer`, the log-time and time-entry edit modals, and the Stop and Start timer buttons
(App Home, focus blocks, timer nudges)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from sqlmodel import Session

from bot import clock
from bot.services import corrections, focus, tasks, timers
from bot.services.errors import FieldErrors, InputError
from bot.services.parsing import (
    parse_duration,
    parse_entry_id,
    parse_task_id,
    parse_timer_log,
    parse_untasked_log,
)
from bot.services.people import Actor
from bot.views import timers as views
from bot.views.help import TIMER_HELP
from handlers.common import (
    Call,
    Reply,
    answer_button,
    answer_submission,
    desk_of,
    dispatch_command,
    open_modal,
)
from handlers.failures import guarded
from handlers.payload import (
    button_number,
    metadata_zone,
    number_from,
    picked_day,
    picked_option,
    picked_time,
    state_values,
    text_input,
    view_metadata,
)
from store.models import Task


def _start(call: Call) -> Reply:
    target, pomodoro = focus.wants_focus(call.text)
    task, created = tasks.task_for_timer(
        call.session, call.actor, target, call.desk.settings, call.channel_id
    )
    start = focus.start_focus if pomodoro else timers.start_timer
    result = start(call.session, call.actor, task, call.desk.max_entry_hours)
    return Reply(views.started_text(result, created, pomodoro))


def _stop(call: Call) -> Reply:
    outcome = focus.stop_timer_or_focus(
        call.session, call.actor, notes=call.text, max_hours=call.desk.max_entry_hours
    )
    return Reply(views.focus_stopped_text(outcome))


def _status(call: Call) -> Reply:
    return Reply(views.status_text(timers.timer_status(call.session, call.actor)))


def _list(call: Call) -> Reply:
    period = call.text.strip().lower() or "today"
    entries = timers.list_entries(call.session, call.actor, period)
    blocks = views.entry_list_blocks(entries, period, call.actor.zone)
    return Reply(f"Your time {'today' if period == 'today' else 'this week'}", blocks)


def _log(call: Call) -> Reply:
    today = clock.now().astimezone(call.actor.zone).date()
    max_hours = call.desk.max_entry_hours
    untasked = parse_untasked_log(call.text, today=today, max_hours=max_hours)
    if untasked is not None:
        open_tasks = tasks.list_tasks(call.session, call.actor, "mine")
        if not open_tasks:
            raise InputError(
                "You have no open task to log time on: add one with `/task add <title>`, "
                "then `/timer log T-12 45m`."
            )
        return open_modal(
            views.log_time_modal(open_tasks, untasked.duration, untasked.day, untasked.notes)
        )
    draft = parse_timer_log(call.text, today=today, max_hours=call.desk.max_entry_hours)
    task = tasks.get_task(call.session, call.actor.team_id, draft.task_number)
    logged = corrections.log_time(
        call.session,
        call.actor,
        task,
        draft.duration,
        draft.day,
        draft.notes,
        call.desk.max_entry_hours,
    )
    return Reply(views.logged_text(logged, task, call.actor))


def _edit(call: Call) -> Reply:
    ref = call.text.strip()
    entry_id = parse_entry_id(ref) if ref else None
    entry = corrections.entry_to_edit(call.session, call.actor, entry_id)
    task = call.session.get_one(Task, entry.task_id)
    return open_modal(views.edit_entry_modal(entry, task, call.actor.zone))


def _help(call: Call) -> Reply:
    return Reply(TIMER_HELP)


TIMER_ACTIONS = {
    "start": _start,
    "stop": _stop,
    "status": _status,
    "list": _list,
    "log": _log,
    "edit": _edit,
    "help": _help,
}


@guarded
def handle_timer_command(
    ack: Ack, body: dict, command: dict, client: WebClient, context: BoltContext
) -> None:
    ack()
    dispatch_command(TIMER_ACTIONS, TIMER_HELP, context=context, command=command, client=client)


def _picked_instant(
    values: dict, date_block: str, time_block: str, zone: ZoneInfo
) -> datetime | None:
    day, at = picked_day(values, date_block), picked_time(values, time_block)
    if day is None and at is None:
        return None
    if day is None or at is None:
        raise FieldErrors({time_block: "Give both a date and a time, or neither."})
    return datetime.combine(day, at, tzinfo=zone)


@guarded
def handle_edit_submission(
    ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext
) -> None:
    meta = view_metadata(view)
    entry_id, zone = number_from(meta.get("entry"), "the form's entry"), metadata_zone(meta)
    values = state_values(view)
    notes, reason = text_input(values, "notes"), text_input(values, "reason") or ""
    desk = desk_of(context)

    def edit(session: Session, actor: Actor) -> Reply:
        start = _picked_instant(values, "start_date", "start", zone)
        end = _picked_instant(values, "end_date", "end", zone)
        if start is None:
            raise FieldErrors({"start": "Give the start date and time."})
        entry = corrections.edit_entry(
            session, actor, entry_id, start, end, notes, reason, desk.max_entry_hours, desk.settings
        )
        task = session.get_one(Task, entry.task_id)
        return Reply(views.edited_text(entry, task, zone), refresh_users={entry.user_id})

    answer_submission(ack, body, client, context, edit, refusal_field="reason")


@guarded
def handle_log_submission(
    ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext
) -> None:
    values = state_values(view)
    picked, typed = picked_option(values, "task"), text_input(values, "duration") or ""
    day, notes = picked_day(values, "day"), text_input(values, "notes")
    max_hours = desk_of(context).max_entry_hours

    def log(session: Session, actor: Actor) -> Reply:
        if picked is None:
            raise FieldErrors({"task": "Pick the task the time was for."})
        try:
            duration = parse_duration(typed, max_hours=max_hours)
        except InputError as error:
            raise FieldErrors({"duration": error.message}) from error
        task = tasks.get_task(session, actor.team_id, parse_task_id(picked))
        today = clock.now().astimezone(actor.zone).date()
        logged = corrections.log_time(
            session, actor, task, duration, day or today, notes, max_hours
        )
        return Reply(views.logged_text(logged, task, actor), refresh_users={actor.user_id})

    answer_submission(ack, body, client, context, log, refusal_field="day")


@guarded
def handle_stop_button(
    ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext
) -> None:
    """Stop on the App Home, a focus block or a timer nudge: the entry the button names."""
    ack()
    max_hours = desk_of(context).max_entry_hours
    entry_id = button_number(action)

    def stop(session: Session, actor: Actor) -> str:
        return views.stopped_text(
            timers.stop_timer(session, actor, entry_id=entry_id, max_hours=max_hours)
        )

    answer_button(body, client, context, stop)


@guarded
def handle_start_button(
    ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext
) -> None:
    """Start timer on an App Home task."""
    ack()
    max_hours = desk_of(context).max_entry_hours
    number = button_number(action)

    def start(session: Session, actor: Actor) -> str:
        task = tasks.get_task(session, actor.team_id, number)
        return views.started_text(
            timers.start_timer(session, actor, task, max_hours), created_task=False
        )

    answer_button(body, client, context, start)


def register(app: App) -> None:
    app.command("/timer")(handle_timer_command)
    app.view(views.LOG_TIME_CALLBACK)(handle_log_submission)
    app.view(views.EDIT_ENTRY_CALLBACK)(handle_edit_submission)
    app.action(views.STOP_ACTION)(handle_stop_button)
    app.action(views.START_ACTION)(handle_start_button)
