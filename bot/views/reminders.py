"""Block Kit for timer nudges: what is running, since when, and Stop / Keep running."""

from __future__ import annotations

from slack_sdk.models.blocks import ActionsBlock, ButtonElement, MarkdownTextObject, SectionBlock

from bot.services.parsing import format_task_id
from bot.services.reminders import AFTER_HOURS, LONG_TIMER, Nudge
from bot.services.text import shown, time_token
from bot.views.timers import STOP_ACTION

KEEP_RUNNING_ACTION = "timer_keep_running"


def nudge_text(nudge: Nudge, nudge_after_hours: float) -> str:
    reasons = {
        AFTER_HOURS: "is still running after your working hours ended",
        LONG_TIMER: f"has been running for over {nudge_after_hours:g} h",
    }
    why = " and ".join(reasons[reason] for reason in nudge.reasons)
    task = nudge.task
    return (
        f":alarm_clock: Your timer on *{format_task_id(task.number)}* "
        f"{shown(task.title, 80)} {why} (started {time_token(nudge.entry.started_at)}). "
        "Stop it, or keep it running?"
    )


def nudge_blocks(nudge: Nudge, nudge_after_hours: float) -> list:
    entry_id = str(nudge.entry.id)
    return [
        SectionBlock(text=MarkdownTextObject(text=nudge_text(nudge, nudge_after_hours))),
        ActionsBlock(
            block_id=f"nudge:{entry_id}",
            elements=[
                ButtonElement(text="Stop", action_id=STOP_ACTION, value=entry_id, style="danger"),
                ButtonElement(text="Keep running", action_id=KEEP_RUNNING_ACTION, value=entry_id),
            ],
        ),
    ]
