"""Block Kit for the pipeline: the summary of `/pipeline` (also for the App Home), a
stage's list, the move form a contact card's stage menu opens, and what a move tells."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

from slack_sdk.models.blocks import (
    DatePickerElement,
    HeaderBlock,
    InputBlock,
    PlainTextInputElement,
)
from slack_sdk.models.views import View

from bot.services.parsing import MOVE_GRAMMAR, format_task_id
from bot.services.pipeline import (
    AMOUNT_FIELD,
    CLOSE_FIELD,
    NOTE_FIELD,
    InStage,
    Move,
    StageFigures,
    StageList,
    Summary,
    amount_example,
    amount_text,
)
from bot.services.text import counted, day_text, escape, shown
from bot.views.blocks import (
    MESSAGE_BLOCKS_LIMIT,
    context_block,
    line_sections,
    notes_input,
)
from store.models import Contact

if TYPE_CHECKING:
    from bot.settings.schema import PipelineStage

# The form a contact card's stage menu (bot/views/contacts.CONTACT_MOVE_ACTION) opens.
MOVE_CALLBACK = "contact_move_submit"
NAME_SHOWN_LIMIT = 80
NEXT_STEP_SHOWN_LIMIT = 150
NOTE_SHOWN_LIMIT = 500
NOT_IN_SETTINGS = "(not in [pipeline])"
# What a message's blocks may hold: Slack refuses one of about 13,000 characters of text.
MESSAGE_TEXT_BUDGET = 12_000
AMOUNT_INPUT_LIMIT = 40


def pipeline_help(stages: Sequence[PipelineStage]) -> str:
    named = ", ".join(f"{stage.name} ({stage.type})" for stage in stages)
    return escape(f"""*`/pipeline`* — the contacts' pipeline
• `/pipeline` — each stage: how many contacts, the longest in it, amounts and weighted amounts
• `/pipeline <stage>` — the stage's contacts, longest in it first
• `{MOVE_GRAMMAR}` — move a contact (`amount 5000`, `close friday`: the deal's amount and \
expected close); a lost stage needs the reason as the note
Names and stages may have spaces: the name is the longest run of first words that is a \
contact's name followed by a stage; the note is what follows the stage.
A VA moves the contacts they own and those nobody owns; supervisors and owners move any.
Stages: {named}.""")


def amounts_text(amounts: dict[str, int], first: str) -> str:
    """`$1,500.00`, or `$1,500.00 + €200.00` when contacts were given other currencies."""
    if not amounts:
        return amount_text(0, first)
    order = sorted(amounts, key=lambda code: (code != first, code))
    return " + ".join(amount_text(amounts[code], code) for code in order)


def _stage_title(figures: StageFigures) -> str:
    if figures.stage is None:
        return f"*{escape(figures.name)}* {NOT_IN_SETTINGS}"
    kind = "" if figures.stage.type == "open" else f" ({figures.stage.type})"
    return f"*{escape(figures.name)}*{kind}"


def _stage_figures(figures: StageFigures, currency: str) -> str:
    parts = [_stage_title(figures), counted(figures.count, "contact")]
    if figures.amounts:
        total = amounts_text(figures.amounts, currency)
        if figures.stage is None:
            parts.append(f"{total}, not weighted")
        else:
            weighted = amounts_text(figures.weighted, currency)
            parts.append(f"{total}, weighted {figures.stage.weight} %: {weighted}")
    return " · ".join(parts)


def _owner(contact: Contact) -> str:
    return f"<@{contact.owner_id}>" if contact.owner_id else "no owner"


def entry_line(entry: InStage, *, deal: bool = False) -> str:
    """A contact in a stage: name, days in it, owner, next step (and, in a stage's list,
    its amount and expected close)."""
    contact = entry.contact
    parts = [
        f"*{shown(contact.name, NAME_SHOWN_LIMIT)}*",
        counted(entry.days, "day"),
        _owner(contact),
    ]
    if contact.next_step:
        step = f"next: {shown(contact.next_step, NEXT_STEP_SHOWN_LIMIT)}"
        if contact.next_step_due:
            step += f" (due {day_text(contact.next_step_due)})"
        parts.append(step)
    if deal and contact.amount_minor is not None and contact.currency:
        parts.append(amount_text(contact.amount_minor, contact.currency))
    if deal and contact.expected_close:
        parts.append(f"close {day_text(contact.expected_close)}")
    return "• " + " · ".join(parts)


def summary_text(summary: Summary) -> str:
    return f"Pipeline: {counted(summary.count, 'contact')}"


def _size(lines: list[str]) -> int:
    return sum(len(line) + 1 for line in lines)


def summary_blocks(summary: Summary, currency: str) -> list:
    """Each stage's figures and the contacts longest in it, then all stages' figures;
    fewer of the longest per stage when all of them would not fit one message."""
    total = f"*All stages* · {counted(summary.count, 'contact')}"
    if summary.amounts:
        total += (
            f" · {amounts_text(summary.amounts, currency)}, weighted "
            f"{amounts_text(summary.weighted, currency)}"
        )
    most = max((len(figures.oldest) for figures in summary.stages), default=0)
    for shown_per_stage in range(most, -1, -1):
        lines = []
        for figures in summary.stages:
            lines.append(_stage_figures(figures, currency))
            lines += [entry_line(entry) for entry in figures.oldest[:shown_per_stage]]
        if _size(lines) + len(total) <= MESSAGE_TEXT_BUDGET:
            break
    hint = escape("`/pipeline <stage>` lists a stage's contacts")
    blocks: list = [HeaderBlock(text="Pipeline"), *line_sections([*lines, total])]
    return [*blocks[: MESSAGE_BLOCKS_LIMIT - 1], context_block([hint])]


def stage_list_text(listed: StageList) -> str:
    return f"{escape(listed.figures.name)}: {counted(listed.figures.count, 'contact')}"


def stage_list_blocks(listed: StageList, currency: str) -> list:
    """The stage's contacts, longest in it first, as many as one message holds."""
    figures = listed.figures
    if not figures.count:
        return line_sections([f"Nobody is in {_stage_title(figures)}."])
    lines = [_stage_figures(figures, currency), "_Longest in the stage first:_"]
    for entry in figures.oldest:
        line = entry_line(entry, deal=True)
        if _size(lines) + len(line) > MESSAGE_TEXT_BUDGET:
            break
        lines.append(line)
    more = figures.count - (len(lines) - 2)
    if more:
        lines.append(f"… and {more} more: the {len(lines) - 2} longest in it are listed.")
    return line_sections(lines)[:MESSAGE_BLOCKS_LIMIT]


def move_modal(contact: Contact, stage: PipelineStage, currency: str) -> View:
    """The card's move: a note (the reason, required, for a lost stage), the deal's
    amount and its expected close; empty ones leave the contact's as they are."""
    lost = stage.type == "lost"
    now_amount = (
        amount_text(contact.amount_minor, contact.currency)
        if contact.amount_minor is not None and contact.currency
        else None
    )
    amount_hint = f"In {currency}, e.g. {amount_example(currency)}. " + (
        f"Now {now_amount}; left empty, it stays." if now_amount else "Optional."
    )
    close_hint = "Today or later. " + (
        f"Now {day_text(contact.expected_close)}; left empty, it stays."
        if contact.expected_close
        else "Optional."
    )
    intro = (
        f"Move *{shown(contact.name, NAME_SHOWN_LIMIT)}* from {escape(contact.stage)} "
        f"to *{escape(stage.name)}*."
    )
    blocks = [
        *line_sections([intro]),
        notes_input(
            NOTE_FIELD,
            "Reason" if lost else "Note",
            optional=not lost,
            hint="Why the contact is lost; it stays in its history." if lost else None,
        ),
        InputBlock(
            block_id=AMOUNT_FIELD,
            label="Amount",
            optional=True,
            hint=amount_hint,
            element=PlainTextInputElement(action_id="value", max_length=AMOUNT_INPUT_LIMIT),
        ),
        InputBlock(
            block_id=CLOSE_FIELD,
            label="Expected close",
            optional=True,
            hint=close_hint,
            element=DatePickerElement(action_id="value"),
        ),
    ]
    return View(
        type="modal",
        callback_id=MOVE_CALLBACK,
        title="Move contact",
        submit="Move",
        close="Cancel",
        private_metadata=json.dumps({"contact": contact.id, "stage": stage.name}),
        blocks=blocks,
    )


def moved_text(move: Move) -> str:
    """What the mover is told: from, to, the note, the deal."""
    contact = move.contact
    mark = ":tada:" if move.won else ":arrow_right:"
    text = (
        f"{mark} *{shown(contact.name, NAME_SHOWN_LIMIT)}* moved from "
        f"{escape(move.from_stage)} to *{escape(move.to_stage.name)}*"
    )
    deal = []
    if contact.amount_minor is not None and contact.currency:
        deal.append(amount_text(contact.amount_minor, contact.currency))
    if contact.expected_close:
        deal.append(f"expected close {day_text(contact.expected_close)}")
    if deal:
        text += f" ({', '.join(deal)})"
    if move.note:
        label = "Reason" if move.to_stage.type == "lost" else "Note"
        text += f".\n{label}: {shown(move.note, NOTE_SHOWN_LIMIT)}"
    return text + ("" if move.note else ".") + _onboarding_line(move)


def _onboarding_line(move: Move) -> str:
    """The onboarding tasks the move made, and whose they are."""
    if not move.onboarding:
        return ""
    numbers = ", ".join(format_task_id(task.number) for task in move.onboarding)
    owner = move.contact.owner_id
    if owner:
        return f"\nOnboarding started: {numbers}, for <@{owner}>."
    return (
        f"\nOnboarding started: {numbers}, unassigned: "
        f"{shown(move.contact.name, NAME_SHOWN_LIMIT)} has no owner."
    )
