"""Block Kit for the CSAT prompt in a client channel: 1-5, and the rating once given."""

from __future__ import annotations

import re

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.services.csat import RATINGS
from bot.services.text import shown, time_token
from store.models import CsatPrompt, Task

RATE_ACTION = "csat_rate"  # one button per rating: csat_rate_1 to csat_rate_5
RATE_ACTIONS = re.compile(rf"^{RATE_ACTION}_[1-5]$")


def prompt_text(prompt: CsatPrompt, task: Task) -> str:
    if prompt.rating is None:
        return f"How did we do on {shown(task.title, 150)}? Rate us 1 (poor) to 5 (great)."
    title = shown(task.title, 150)
    return f"Thank you, <@{prompt.rater_id}>: {prompt.rating}/5 for {title}."


def prompt_blocks(prompt: CsatPrompt, task: Task) -> list:
    buttons = [
        ButtonElement(
            text=f"{n}{' ★' if n == prompt.rating else ''}",
            action_id=f"{RATE_ACTION}_{n}",
            value=f"{prompt.id}:{n}",
            style="primary" if n == prompt.rating else None,
        )
        for n in RATINGS
    ]
    note = (
        f"You can change your rating until {time_token(prompt.closes_at)}."
        if prompt.rating is not None
        else f"Open until {time_token(prompt.closes_at)}."
    )
    return [
        SectionBlock(text=MarkdownTextObject(text=prompt_text(prompt, task))),
        ActionsBlock(block_id=f"csat:{prompt.id}", elements=buttons),
        ContextBlock(elements=[MarkdownTextObject(text=note)]),
    ]
