"""Block Kit for tasks: list lines, the detail card, the new-task and completion modals."""

from __future__ import annotations

import json
from datetime import date

from slack_sdk.models.blocks import (
    ContextBlock,
    DatePickerElement,
    DividerBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.services.parsing import format_duration, format_task_id
from bot.services.tasks import NewTask, TaskDetails, status_word
from bot.services.text import NOTES_LIMIT, escape, time_token, truncate
from bot.views.blocks import line_sections
from store.models import Client, Task

NEW_TASK_CALLBACK = "task_create"
COMPLETE_TASK_CALLBACK = "task_complete"
PRIORITY_LABELS = {"high": "High", "normal": "Normal", "low": "Low"}
PRIORITY_MARKS = {"high": " :red_circle:", "normal": "", "low": " :white_circle:"}
TITLE_DISPLAY_LIMIT = 150


def task_line(task: Task, today: date | None = None) -> str:
    """One mrkdwn line: id, title, status, due date, assignee and tag."""
    parts = [f"*{format_task_id(task.number)}*{PRIORITY_MARKS[task.priority]}"]
    parts.append(escape(truncate(task.title, TITLE_DISPLAY_LIMIT)))
    parts.append(f"_{status_word(task.status)}_")
    if task.due:
        overdue = (
            today is not None and task.due < today and task.status not in ("done", "cancelled")
        )
        parts.append(("overdue since " if overdue else "due ") + task.due.isoformat())
    if task.assignee_id:
        parts.append(f"<@{task.assignee_id}>")
    if task.tag:
        parts.append(f":label: {escape(task.tag)}")
    return " · ".join(parts)


def task_list_blocks(tasks: list[Task], heading: str, today: date) -> list:
    if not tasks:
        return [SectionBlock(text=MarkdownTextObject(text=f"{heading}: nothing open. :tada:"))]
    blocks: list = [SectionBlock(text=MarkdownTextObject(text=f"*{heading}* ({len(tasks)})"))]
    lines = [task_line(task, today) for task in tasks]
    blocks += line_sections(lines)
    return blocks[:50]


def task_detail_blocks(details: TaskDetails) -> list:
    task = details.task
    title = escape(truncate(task.title, 2000))
    fields = [
        f"*Status*\n{status_word(task.status)}",
        f"*Priority*\n{PRIORITY_LABELS[task.priority]}",
        f"*Assignee*\n{f'<@{task.assignee_id}>' if task.assignee_id else '—'}",
        f"*Due*\n{task.due.isoformat() if task.due else '—'}",
        f"*Client*\n{escape(details.client.name) if details.client else '—'}",
        f"*Tracked*\n{format_duration(details.tracked)}",
        f"*Tag*\n{escape(task.tag) if task.tag else '—'}",
    ]
    blocks: list = [
        SectionBlock(text=MarkdownTextObject(text=f"*{format_task_id(task.number)}* {title}")),
        SectionBlock(fields=[MarkdownTextObject(text=f) for f in fields]),
    ]
    if task.description:
        blocks.append(
            SectionBlock(text=MarkdownTextObject(text=escape(truncate(task.description, 2900))))
        )
    context = [f"Created by <@{task.creator_id}> {time_token(task.created_at)}"]
    if task.category:
        context.append(f"Category: {escape(task.category)}")
    if task.source_permalink:
        context.append(f"<{task.source_permalink}|Source message>")
    if details.running_by:
        context.append("Timer running: " + ", ".join(f"<@{u}>" for u in details.running_by))
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=" · ".join(context))]))
    if task.notes:
        notes = escape(truncate(task.notes, 2800))
        blocks.append(SectionBlock(text=MarkdownTextObject(text=f"*Completion notes*\n{notes}")))
    if details.followups:
        blocks.append(DividerBlock())
        lines = [
            f"• {escape(truncate(f.text, 300))} — <@{f.author_id}> {time_token(f.created_at)}"
            + (f" (due {f.due.isoformat()})" if f.due else "")
            for f in details.followups[-10:]
        ]
        blocks.append(
            SectionBlock(text=MarkdownTextObject(text="*Follow-ups*\n" + "\n".join(lines)))
        )
    return blocks


def _option(value: str, label: str) -> Option:
    return Option(value=value, text=PlainTextObject(text=truncate(label, 75)))


def new_task_modal(
    clients: list[Client], prefill: NewTask | None = None, metadata: dict | None = None
) -> View:
    """The "New task" modal; a message shortcut prefills it and keeps its permalink."""
    prefill = prefill or NewTask(title="")
    client_options = [_option(str(c.id), c.name) for c in clients]
    initial_client = next((o for o in client_options if o.value == str(prefill.client_id)), None)
    priority_options = [_option(k, v) for k, v in PRIORITY_LABELS.items()]
    blocks = [
        InputBlock(
            block_id="title",
            label="Title",
            element=PlainTextInputElement(
                action_id="value",
                initial_value=truncate(prefill.title, 500) or None,
                max_length=500,
                placeholder="What needs doing?",
            ),
        ),
    ]
    if client_options:
        blocks.append(
            InputBlock(
                block_id="client",
                label="Client",
                optional=True,
                element=StaticSelectElement(
                    action_id="value",
                    options=client_options[:100],
                    initial_option=initial_client,
                    placeholder="Choose a client",
                ),
            )
        )
    blocks += [
        InputBlock(
            block_id="description",
            label="Description",
            optional=True,
            element=PlainTextInputElement(
                action_id="value",
                multiline=True,
                initial_value=(
                    truncate(prefill.description, NOTES_LIMIT) if prefill.description else None
                ),
                max_length=NOTES_LIMIT,
            ),
        ),
        InputBlock(
            block_id="due",
            label="Due",
            optional=True,
            element=DatePickerElement(
                action_id="value",
                initial_date=prefill.due.isoformat() if prefill.due else None,
            ),
        ),
        InputBlock(
            block_id="priority",
            label="Priority",
            element=StaticSelectElement(
                action_id="value",
                options=priority_options,
                initial_option=next(o for o in priority_options if o.value == prefill.priority),
            ),
        ),
        InputBlock(
            block_id="assignee",
            label="Assignee",
            optional=True,
            hint="Leave empty to take it yourself.",
            element=UserSelectElement(action_id="value", initial_user=prefill.assignee_id),
        ),
        InputBlock(
            block_id="category",
            label="Category",
            optional=True,
            element=PlainTextInputElement(action_id="value", max_length=100),
        ),
    ]
    return View(
        type="modal",
        callback_id=NEW_TASK_CALLBACK,
        title="New task",
        submit="Create",
        close="Cancel",
        blocks=blocks,
        private_metadata=json.dumps(metadata or {}),
    )


def complete_task_modal(task: Task) -> View:
    """Asks for the completion notes the SOP requires."""
    return View(
        type="modal",
        callback_id=COMPLETE_TASK_CALLBACK,
        title="Complete task",
        submit="Mark done",
        close="Cancel",
        private_metadata=json.dumps({"task": task.number}),
        blocks=[
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"*{format_task_id(task.number)}* {escape(truncate(task.title, 2000))}"
                )
            ),
            InputBlock(
                block_id="notes",
                label="Completion notes",
                hint="What was done, for the client record and the owner.",
                element=PlainTextInputElement(
                    action_id="value", multiline=True, max_length=NOTES_LIMIT
                ),
            ),
        ],
    )
