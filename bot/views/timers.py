"""Block Kit and text for timers: confirmations, status, entry lists, the edit modal."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ContextBlock,
    DatePickerElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
    TimePickerElement,
)
from slack_sdk.models.views import View

from bot.services.corrections import LoggedEntry
from bot.services.focus import FocusStop
from bot.services.parsing import format_duration, format_entry_id, format_task_id
from bot.services.people import Actor
from bot.services.rows import saved_id
from bot.services.tasks import status_word
from bot.services.text import local_span, shown, time_token, truncate
from bot.services.timers import (
    StartResult,
    StoppedEntry,
    TimerStatus,
    entry_duration,
)
from bot.views.blocks import line_sections, notes_input
from store.models import Task, TimeEntry

# Stop on the App Home, a focus block and a timer nudge stops the entry the button names.
STOP_ACTION = "timer_stop"
START_ACTION = "timer_start"  # an App Home task's Start timer
EDIT_ENTRY_CALLBACK = "timer_edit"
LOG_TIME_CALLBACK = "timer_log"
LOG_TASK_LIMIT = 100  # options Slack shows in one select


def _entry_ref(entry: TimeEntry) -> str:
    return format_entry_id(saved_id(entry))


def _task_ref(task: Task) -> str:
    return f"*{format_task_id(task.number)}* {shown(task.title, 150)}"


def stopped_text(stopped: StoppedEntry) -> str:
    text = (
        f"Stopped {_task_ref(stopped.task)}: {format_duration(stopped.duration)} recorded "
        f"as {_entry_ref(stopped.entry)}."
    )
    if stopped.over_limit:
        text += (
            f" :warning: That is longer than a working day; if the timer was left running, "
            f"fix it with `/timer edit {_entry_ref(stopped.entry)}`."
        )
    return text


def started_text(result: StartResult, created_task: bool, pomodoro: bool = False) -> str:
    lines = []
    if result.stopped:
        lines.append(stopped_text(result.stopped))
    created = " (new task)" if created_task else ""
    lines.append(
        f":stopwatch: Timer started on {_task_ref(result.task)}{created} at "
        f"{time_token(result.entry.started_at)}. Stop it with `/timer stop [notes]`."
    )
    if pomodoro:
        lines.append(
            ":tomato: Focus blocks: 25 minutes of work (one entry each), then a 5-minute "
            "break; I'll message you at each break and each return. `/timer stop` ends it."
        )
    if result.helping:
        lines.append(
            f"It is <@{result.task.assignee_id}>'s task, so your time is recorded and its "
            f"status stays _{status_word(result.task.status)}_."
        )
    return "\n".join(lines)


def focus_stopped_text(outcome: FocusStop) -> str:
    if outcome.stopped is not None:
        return stopped_text(outcome.stopped)
    return ":tomato: Focus session ended during its break; its blocks are recorded (`/timer list`)."


def status_text(status: TimerStatus) -> str:
    today = f"Today so far: {format_duration(status.today_total)}."
    if status.running is None:
        return f"No timer is running. {today}"
    assert status.task is not None  # a running timer comes with its task
    return (
        f":stopwatch: Running on {_task_ref(status.task)} since "
        f"{time_token(status.running.started_at)} ({format_duration(status.elapsed)}). {today}"
    )


def entry_line(entry: TimeEntry, task: Task, zone: ZoneInfo) -> str:
    span = local_span(*_local(entry, zone))
    source = "" if entry.source == "timer" else f" _{entry.source}_"
    notes = f" — {shown(entry.notes, 80)}" if entry.notes else ""
    return (
        f"`{_entry_ref(entry)}` {span} "
        f"*{format_duration(entry_duration(entry))}* {format_task_id(task.number)} "
        f"{shown(task.title, 60)}{source}{notes}"
    )


def _local(entry: TimeEntry, zone: ZoneInfo) -> tuple[datetime, datetime | None]:
    end = entry.ended_at.astimezone(zone) if entry.ended_at else None
    return entry.started_at.astimezone(zone), end


def entry_list_blocks(entries: list[tuple[TimeEntry, Task]], period: str, zone: ZoneInfo) -> list:
    if not entries:
        return [SectionBlock(text=MarkdownTextObject(text=f"No time recorded {_period(period)}."))]
    total = sum((entry_duration(e) for e, _ in entries), timedelta(0))
    lines = [entry_line(e, t, zone) for e, t in entries]
    blocks: list = [
        SectionBlock(
            text=MarkdownTextObject(
                text=f"*Time {_period(period)}*: {format_duration(total)} in {len(entries)} entries"
            )
        )
    ]
    blocks += line_sections(lines)
    blocks.append(
        ContextBlock(
            elements=[MarkdownTextObject(text=f"Times in {zone.key}. Fix one: `/timer edit E-n`")]
        )
    )
    return blocks[:50]


def _period(period: str) -> str:
    return "today" if period == "today" else "this week"


def logged_text(logged: LoggedEntry, task: Task, actor: Actor) -> str:
    """Where a manual entry went: in the person's working hours, or why not."""
    entry = logged.entry
    span = local_span(*_local(entry, actor.zone))
    hours = f"{actor.work_start:%H:%M}–{actor.work_end:%H:%M}"
    where = (
        f"the latest free time in your working hours ({hours})"
        if logged.in_working_hours
        else f"outside your working hours ({hours}): they had no free "
        f"{format_duration(entry_duration(entry))} that day"
    )
    return (
        f"Logged {format_duration(entry_duration(entry))} on {_task_ref(task)} "
        f"as {_entry_ref(entry)}: {span} "
        f"({actor.zone.key}), {where}. Move it with `/timer edit {_entry_ref(entry)}`."
    )


def _task_option(task: Task) -> Option:
    label = f"{format_task_id(task.number)} {task.title}"
    return Option(value=str(task.number), text=PlainTextObject(text=truncate(label, 75)))


def log_time_modal(open_tasks: list[Task], duration: str | None, day: date, notes: str) -> View:
    """`/timer log` without a task: the task is chosen here, the rest as typed."""
    blocks = [
        InputBlock(
            block_id="task",
            label="Task",
            element=StaticSelectElement(
                action_id="value",
                placeholder="The task the time was for",
                options=[_task_option(task) for task in open_tasks[:LOG_TASK_LIMIT]],
            ),
        ),
        InputBlock(
            block_id="duration",
            label="How long",
            hint="Like 45m, 1h30m, 1.5h or 0:45.",
            element=PlainTextInputElement(
                action_id="value", max_length=20, initial_value=duration or None
            ),
        ),
        InputBlock(
            block_id="day",
            label="Day",
            element=DatePickerElement(action_id="value", initial_date=day.isoformat()),
        ),
        notes_input("notes", "Notes", initial=notes, optional=True),
    ]
    return View(
        type="modal",
        callback_id=LOG_TIME_CALLBACK,
        title="Log time",
        submit="Log",
        close="Cancel",
        blocks=blocks,
    )


def edit_entry_modal(entry: TimeEntry, task: Task, zone: ZoneInfo) -> View:
    """Start/end in the user's own time zone, notes, and the reason kept for the audit."""
    start = entry.started_at.astimezone(zone)
    end = entry.ended_at.astimezone(zone) if entry.ended_at else None
    blocks = [
        SectionBlock(
            text=MarkdownTextObject(
                text=f"{_entry_ref(entry)} on {_task_ref(task)}\nTimes are in {zone.key}."
            )
        ),
        InputBlock(
            block_id="start_date",
            label="Start date",
            element=DatePickerElement(action_id="value", initial_date=start.date().isoformat()),
        ),
        InputBlock(
            block_id="start",
            label="Start time",
            element=TimePickerElement(action_id="value", initial_time=start.strftime("%H:%M")),
        ),
        InputBlock(
            block_id="end_date",
            label="End date",
            optional=end is None,
            element=DatePickerElement(
                action_id="value", initial_date=end.date().isoformat() if end else None
            ),
        ),
        InputBlock(
            block_id="end",
            label="End time",
            optional=end is None,
            hint="Leave empty while the timer is still running." if end is None else None,
            element=TimePickerElement(
                action_id="value", initial_time=end.strftime("%H:%M") if end else None
            ),
        ),
        notes_input("notes", "Notes", initial=entry.notes, optional=True),
        InputBlock(
            block_id="reason",
            label="Reason for the change",
            hint="Kept in the audit trail with the old and new values.",
            element=PlainTextInputElement(action_id="value", max_length=500),
        ),
    ]
    return View(
        type="modal",
        callback_id=EDIT_ENTRY_CALLBACK,
        title="Edit time entry",
        submit="Save",
        close="Cancel",
        private_metadata=json.dumps({"entry": entry.id, "zone": zone.key}),
        blocks=blocks,
    )


def edited_text(entry: TimeEntry, task: Task, zone: ZoneInfo) -> str:
    span = local_span(*_local(entry, zone))
    return (
        f"Saved {_entry_ref(entry)} on {_task_ref(task)}: "
        f"{span} ({format_duration(entry_duration(entry))}). "
        "The change is in the audit trail."
    )
