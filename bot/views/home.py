"""The App Home tab: my running timer with Stop, my open tasks with Start timer and Done."""

from __future__ import annotations

from datetime import date

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.services.timers import TimerStatus
from bot.views.tasks import task_line
from bot.views.timers import status_text
from store.models import Task

HOME_TASK_LIMIT = 20


def home_view(status: TimerStatus, open_tasks: list[Task], today: date) -> View:
    blocks: list = [
        HeaderBlock(text="Timer"),
        SectionBlock(text=MarkdownTextObject(text=status_text(status))),
    ]
    if status.running is not None:
        blocks.append(
            ActionsBlock(
                block_id="home_timer",
                elements=[
                    ButtonElement(
                        text="Stop",
                        action_id="timer_stop",
                        value=str(status.running.id),
                        style="danger",
                    )
                ],
            )
        )
    blocks += [DividerBlock(), HeaderBlock(text="My open tasks")]
    if not open_tasks:
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text="Nothing open. Add one with `/task add &lt;title&gt;`."
                )
            )
        )
    running_task = status.running.task_id if status.running else None
    for task in open_tasks[:HOME_TASK_LIMIT]:
        buttons = []
        if task.id != running_task:
            buttons.append(
                ButtonElement(text="Start timer", action_id="timer_start", value=str(task.number))
            )
        buttons.append(ButtonElement(text="Done", action_id="task_done", value=str(task.number)))
        blocks.append(SectionBlock(text=MarkdownTextObject(text=task_line(task, today))))
        blocks.append(ActionsBlock(block_id=f"home_task_{task.number}", elements=buttons))
    if len(open_tasks) > HOME_TASK_LIMIT:
        more = len(open_tasks) - HOME_TASK_LIMIT
        blocks.append(
            ContextBlock(elements=[MarkdownTextObject(text=f"{more} more: `/task list mine`")])
        )
    return View(type="home", callback_id="home", blocks=blocks[:100])
