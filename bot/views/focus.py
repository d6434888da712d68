"""Messages of focus blocks: the break, the return, and the end of a session."""

from __future__ import annotations

from slack_sdk.models.blocks import ActionsBlock, ButtonElement, MarkdownTextObject, SectionBlock

from bot.services.focus import BREAK, FOCUS, FocusChange
from bot.services.parsing import format_duration, format_entry_id, format_task_id
from bot.services.rows import saved_id
from bot.services.text import counted, shown, time_token
from bot.views.timers import STOP_ACTION


def _task(change: FocusChange) -> str:
    return f"*{format_task_id(change.task.number)}* {shown(change.task.title, 60)}"


def focus_text(change: FocusChange) -> str:
    focus = change.focus
    if change.ended_because is not None:
        return (
            f":tomato: Focus session on {_task(change)} ended after "
            f"{counted(focus.blocks, 'block')}: {change.ended_because}."
        )
    if focus.on_break:
        recorded = ""
        if change.recorded is not None:
            recorded = (
                f" {format_duration(change.recorded.duration)} recorded as "
                f"{format_entry_id(saved_id(change.recorded.entry))}."
            )
        return (
            f":tomato: Break time: {format_duration(BREAK)}.{recorded} Back to {_task(change)} "
            f"at {time_token(focus.next_change_at)}; `/timer stop` ends the session."
        )
    return (
        f":tomato: Back to focus on {_task(change)}: block {focus.blocks}, "
        f"{format_duration(FOCUS)} until a break at {time_token(focus.next_change_at)}."
    )


def focus_blocks(change: FocusChange) -> list:
    blocks: list = [SectionBlock(text=MarkdownTextObject(text=focus_text(change)))]
    if change.started is not None:
        blocks.append(
            ActionsBlock(
                block_id=f"focus:{change.focus.id}",
                elements=[
                    ButtonElement(text="Stop", action_id=STOP_ACTION, value=str(change.started.id))
                ],
            )
        )
    return blocks
