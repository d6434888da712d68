"""Block Kit for tasks: list lines, the detail card, the new-task and completion modals."""

from __future__ import annotations

import json
from datetime import date

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    CheckboxesElement,
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

from bot.services.billing.billable import NotBillable
from bot.services.parsing import format_duration, format_task_id
from bot.services.tasks import NewTask, TaskDetails, status_word
from bot.services.text import day_text, escape, fit, shown, time_token, truncate
from bot.views.blocks import (
    FIELD_TEXT_LIMIT,
    MODAL_TITLE_LIMIT,
    OPTION_LIMIT,
    VIEW_BLOCKS_LIMIT,
    context_block,
    line_sections,
    notes_input,
    plain,
)
from store.models import Client, FollowUp, Task

NEW_TASK_CALLBACK = "task_create"
SHOW_ALL_ACTION = "task_show_all"
COMPLETE_TASK_CALLBACK = "task_complete"
DONE_ACTION = "task_done"  # an App Home task's Done: opens the completion notes
NEW_TASK_SHORTCUT = "new_task"
CREATE_TASK_SHORTCUT = "create_task_from_message"
PRIORITY_LABELS = {"high": "High", "normal": "Normal", "low": "Low"}
PRIORITY_MARKS = {"high": " :red_circle:", "normal": "", "low": " :white_circle:"}
TITLE_DISPLAY_LIMIT = 150
# In `/task show`, cut so that every text at its longest fits one message.
TITLE_SHOWN_LIMIT = 1000
LONG_TEXT_SHOWN_LIMIT = 3500  # the description, the completion notes
FOLLOWUPS_SHOWN = 10
SELECT_LIMIT = 100  # options in a select
FOLLOWUP_SHOWN_LIMIT = 300


def task_line(task: Task, today: date | None = None) -> str:
    """One mrkdwn line: id, title, status, due date, assignee and tag."""
    parts = [f"*{format_task_id(task.number)}*{PRIORITY_MARKS[task.priority]}"]
    parts.append(shown(task.title, TITLE_DISPLAY_LIMIT))
    parts.append(f"_{status_word(task.status)}_")
    if task.due:
        overdue = (
            today is not None and task.due < today and task.status not in ("done", "cancelled")
        )
        parts.append(("overdue since " if overdue else "due ") + day_text(task.due))
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


def _is_cut(details: TaskDetails) -> bool:
    """Whether the card of `/task show` cuts anything (Show all has it whole)."""
    task = details.task
    longest = [
        (task.title, TITLE_SHOWN_LIMIT),
        (task.description or "", LONG_TEXT_SHOWN_LIMIT),
        (task.notes or "", LONG_TEXT_SHOWN_LIMIT),
        *((f.text, FOLLOWUP_SHOWN_LIMIT) for f in details.followups),
    ]
    too_many = len(details.followups) > FOLLOWUPS_SHOWN
    return too_many or any(len(escape(text)) > limit for text, limit in longest)


def _followup_line(followup: FollowUp, limit: int | None) -> str:
    text = escape(followup.text) if limit is None else shown(followup.text, limit)
    due = f" (due {day_text(followup.due)})" if followup.due else ""
    return f"• {text} — <@{followup.author_id}> {time_token(followup.created_at)}{due}"


def task_detail_blocks(details: TaskDetails) -> list:
    """The card of `/task show`: each long text is cut so the message stays within what
    Slack accepts (its blocks add up to about 13,000 characters at most); Show all opens
    it whole."""
    task = details.task
    fields = [
        f"*Status*\n{status_word(task.status)}",
        f"*Priority*\n{PRIORITY_LABELS[task.priority]}",
        f"*Assignee*\n{f'<@{task.assignee_id}>' if task.assignee_id else '—'}",
        f"*Due*\n{day_text(task.due) if task.due else '—'}",
        f"*Client*\n{escape(details.client.name) if details.client else '—'}",
        f"*Tracked*\n{format_duration(details.tracked)}",
        f"*Tag*\n{escape(task.tag) if task.tag else '—'}",
        f"*Billable*\n{billable_words(task, details.not_billable)}",
    ]
    blocks: list = [
        *line_sections([f"*{format_task_id(task.number)}* {shown(task.title, TITLE_SHOWN_LIMIT)}"]),
        SectionBlock(fields=[MarkdownTextObject(text=fit(f, FIELD_TEXT_LIMIT)) for f in fields]),
    ]
    if task.description:
        blocks += line_sections([shown(task.description, LONG_TEXT_SHOWN_LIMIT)])
    context = [f"Created by <@{task.creator_id}> {time_token(task.created_at)}"]
    if task.category:
        context.append(f"Category: {escape(task.category)}")
    if task.source_permalink:
        context.append(f"<{escape(task.source_permalink)}|Source message>")
    if details.running_by:
        context.append("Timer running: " + ", ".join(f"<@{u}>" for u in details.running_by))
    blocks.append(context_block(context))
    if task.notes:
        notes = shown(task.notes, LONG_TEXT_SHOWN_LIMIT)
        blocks += line_sections([f"*Completion notes*\n{notes}"])
    if details.followups:
        blocks.append(DividerBlock())
        latest = details.followups[-FOLLOWUPS_SHOWN:]
        lines = ["*Follow-ups*"]
        if len(details.followups) > len(latest):
            lines[0] += f" (the latest {len(latest)} of {len(details.followups)})"
        lines += [_followup_line(f, FOLLOWUP_SHOWN_LIMIT) for f in latest]
        blocks += line_sections(lines)
    if _is_cut(details):
        show_all = ButtonElement(text="Show all", action_id=SHOW_ALL_ACTION, value=str(task.number))
        blocks.append(ActionsBlock(block_id=f"task_show:{task.number}", elements=[show_all]))
    return blocks


def billable_words(task: Task, why_not: NotBillable | None) -> str:
    """Whether time on the task is billed, and why not."""
    ref = format_task_id(task.number)
    return {
        None: "yes",
        "no client": "not billable: no client (internal work)",
        "switched off": f"not billable: switched off (`/task billable {ref} on`)",
        "category": f"not billable: category {escape(task.category or '')} is marked so",
    }[why_not]


def billable_switched_text(task: Task, why_not: NotBillable | None) -> str:
    """The answer to `/task billable T-n on|off`."""
    ref = f"*{format_task_id(task.number)}* {shown(task.title, TITLE_DISPLAY_LIMIT)}"
    if not task.billable:
        return (
            f"{ref} is switched to not billable: its time is left out of billable hours "
            f"and invoices (`/task billable {format_task_id(task.number)} on` undoes it)."
        )
    if why_not is None:
        return f"{ref} is switched to billable: its time is billed to its client."
    return f"{ref} is switched to billable, but its time is still {billable_words(task, why_not)}."


def task_whole_modal(details: TaskDetails) -> View:
    """Show all: the task's title, description, completion notes and follow-ups whole
    (the newest follow-ups first when they are more than one view holds)."""
    task = details.task
    blocks: list = line_sections([f"*{format_task_id(task.number)}* {escape(task.title)}"])
    if task.description:
        blocks += line_sections([f"*Description*\n{escape(task.description)}"])
    if task.notes:
        blocks += line_sections([f"*Completion notes*\n{escape(task.notes)}"])
    if details.followups:
        blocks += line_sections(["*Follow-ups*, newest first"])
        for followup in reversed(details.followups):
            more = line_sections([_followup_line(followup, None)])
            if len(blocks) + len(more) >= VIEW_BLOCKS_LIMIT:
                blocks.append(context_block(["Older follow-ups do not fit here."]))
                break
            blocks += more
    return View(
        type="modal",
        title=plain(f"{format_task_id(task.number)}", MODAL_TITLE_LIMIT),
        close="Close",
        blocks=blocks,
    )


def _option(value: str, label: str) -> Option:
    return Option(value=value, text=PlainTextObject(text=plain(label, OPTION_LIMIT)))


def new_task_modal(
    clients: list[Client], prefill: NewTask | None = None, metadata: dict | None = None
) -> View:
    """The "New task" modal; a message shortcut prefills it and keeps its permalink."""
    prefill = prefill or NewTask(title="")
    client = _client_input(clients, prefill.client_id)
    blocks = [
        _title_input(prefill.title),
        *([client] if client is not None else []),
        notes_input("description", "Description", initial=prefill.description, optional=True),
        _due_input(prefill.due),
        _priority_input(prefill.priority),
        _assignee_input(prefill.assignee_id),
        _category_input(),
        _billable_input(prefill.billable),
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


def _title_input(title: str) -> InputBlock:
    return InputBlock(
        block_id="title",
        label="Title",
        element=PlainTextInputElement(
            action_id="value",
            initial_value=truncate(title, 500) or None,
            max_length=500,
            placeholder="What needs doing?",
        ),
    )


def _client_input(clients: list[Client], client_id: int | None) -> InputBlock | None:
    """The client select (none without clients), the prefilled client among its options."""
    options = [_option(str(c.id), c.name) for c in clients]
    if not options:
        return None
    initial = next((o for o in options if o.value == str(client_id)), None)
    if initial is not None and initial not in options[:SELECT_LIMIT]:
        # A select holds 100 options, and Slack refuses an initial option it does not offer.
        options.remove(initial)
        options.insert(0, initial)
    return InputBlock(
        block_id="client",
        label="Client",
        optional=True,
        element=StaticSelectElement(
            action_id="value",
            options=options[:SELECT_LIMIT],
            initial_option=initial,
            placeholder="Choose a client",
        ),
    )


def _due_input(due: date | None) -> InputBlock:
    return InputBlock(
        block_id="due",
        label="Due",
        optional=True,
        element=DatePickerElement(action_id="value", initial_date=due.isoformat() if due else None),
    )


def _priority_input(priority: str) -> InputBlock:
    options = [_option(k, v) for k, v in PRIORITY_LABELS.items()]
    return InputBlock(
        block_id="priority",
        label="Priority",
        element=StaticSelectElement(
            action_id="value",
            options=options,
            initial_option=next(o for o in options if o.value == priority),
        ),
    )


def _assignee_input(assignee_id: str | None) -> InputBlock:
    return InputBlock(
        block_id="assignee",
        label="Assignee",
        optional=True,
        hint="Leave empty to take it yourself.",
        element=UserSelectElement(action_id="value", initial_user=assignee_id),
    )


def _category_input() -> InputBlock:
    return InputBlock(
        block_id="category",
        label="Category",
        optional=True,
        element=PlainTextInputElement(action_id="value", max_length=100),
    )


BILLABLE_OPTION = "billable"


def _billable_input(billable: bool) -> InputBlock:
    box = _option(BILLABLE_OPTION, "Billable")
    return InputBlock(
        block_id="billable",
        label="Billing",
        optional=True,
        hint="Untick for work no client is billed for.",
        element=CheckboxesElement(
            action_id="value", options=[box], initial_options=[box] if billable else None
        ),
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
                    text=f"*{format_task_id(task.number)}* {shown(task.title, 2000)}"
                )
            ),
            notes_input(
                "notes",
                "Completion notes",
                hint="What was done, for the client record and the owner.",
            ),
        ],
    )
