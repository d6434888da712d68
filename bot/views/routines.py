"""Block Kit for routines: the checklist message (checkboxes that tick in place), and the
morning's task list in Eisenhower order."""

from __future__ import annotations

from datetime import date, timedelta

from slack_sdk.models.blocks import (
    ActionsBlock,
    CheckboxesElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    Option,
    PlainTextObject,
    SectionBlock,
)

from bot.services.routines import MorningTasks
from bot.services.text import time_token
from bot.views.blocks import line_sections
from bot.views.tasks import task_line
from store.models import RoutineRun, RoutineTick, Task

ROUTINE_TICK_ACTION = "routine_tick"
ROUTINE_BLOCK_PREFIX = "routine:"
MORNING_TASK_LIMIT = 15


def _option(index: int, item: str) -> Option:
    return Option(value=str(index), text=PlainTextObject(text=item, emoji=True))


def checklist_text(run: RoutineRun, items: list[str], ticks: dict[int, RoutineTick]) -> str:
    """The message's plain text: the notification, and what a screen reader reads."""
    lines = [f"{run.title}: {len(ticks)} of {len(items)} done"]
    lines += [f"[{'x' if i in ticks else ' '}] {item}" for i, item in enumerate(items)]
    return "\n".join(lines)


def checklist_blocks(
    run: RoutineRun,
    items: list[str],
    ticks: dict[int, RoutineTick],
    morning: MorningTasks | None = None,
    extra: list | None = None,
) -> list:
    """The checklist, the morning's tasks if given, and blocks a routine adds (the
    templates due for review)."""
    options = [_option(i, item) for i, item in enumerate(items)]
    ticked = [options[i] for i in sorted(ticks) if i < len(options)]
    checkboxes = CheckboxesElement(
        action_id=ROUTINE_TICK_ACTION, options=options, initial_options=ticked or None
    )
    blocks: list = [
        HeaderBlock(text=run.title[:150]),
        ActionsBlock(block_id=f"{ROUTINE_BLOCK_PREFIX}{run.id}", elements=[checkboxes]),
    ]
    if morning is not None:
        blocks += morning_task_blocks(morning.tasks, morning.today)
    if extra:
        blocks += extra
    blocks.append(
        ContextBlock(elements=[MarkdownTextObject(text=progress_line(run, items, ticks))])
    )
    return blocks


def progress_line(run: RoutineRun, items: list[str], ticks: dict[int, RoutineTick]) -> str:
    if run.completed_at is not None:
        return f":white_check_mark: Complete: all {len(items)} done {time_token(run.completed_at)}."
    # It closes at the start of a minute (midnight for a day's checklist): "until 12:00 AM"
    # read as the morning, so it says the last minute that still takes ticks.
    last_minute = run.closes_at - timedelta(minutes=1)
    return f"{len(ticks)} of {len(items)} done · open for ticks through {time_token(last_minute)}"


def morning_task_blocks(tasks: list[tuple[str, Task]], today: date | None) -> list:
    if not tasks:
        return [SectionBlock(text=MarkdownTextObject(text="*Due today and overdue*: nothing."))]
    lines = ["*Due today and overdue*, most important first:"]
    lines += [
        f"• _{label}_ · {task_line(task, today)}" for label, task in tasks[:MORNING_TASK_LIMIT]
    ]
    if len(tasks) > MORNING_TASK_LIMIT:
        lines.append(f"… and {len(tasks) - MORNING_TASK_LIMIT} more: `/task list mine`")
    return line_sections(lines)
