"""What each VA finished, with the completion notes: collapsed in the digest (one line
per VA, the count and the first items), the whole list one click away in a modal."""

from __future__ import annotations

from slack_sdk.models.blocks import ActionsBlock, ButtonElement, ContextBlock, MarkdownTextObject
from slack_sdk.models.views import View

from bot.services.digest import Digest, FinishedList, span_value
from bot.services.parsing import format_task_id
from bot.services.periods import Period
from bot.services.text import fit, shown
from bot.views.blocks import SECTION_TEXT_LIMIT, VIEW_BLOCKS_LIMIT, line_sections
from store.models import Task

SHOW_FINISHED_ACTION = "digest_finished_all"
FIRST_ITEMS = 2  # shown per VA in the digest
DIGEST_NOTE_LIMIT = 90
# Notes in the modal, longest first: the longest that lets the whole list fit.
MODAL_NOTE_LIMITS = (600, 300, 150, 80)
MAX_TAIL_SECTIONS = 10  # the IDs of what did not fit


def _span_words(period: Period) -> str:
    if period.first == period.last:
        return f"on {period.first:%a %d %b}"
    return f"from {period.first:%a %d %b} to {period.last:%a %d %b}"


def finished_item(task: Task, note_limit: int) -> str:
    """`*T-4* Reconcile Acme's books — Matched 41 of 42 lines; …`, user text escaped."""
    notes = f" — {shown(task.notes, note_limit)}" if task.notes else ""
    return f"*{format_task_id(task.number)}* {shown(task.title, 80)}{notes}"


def finished_blocks(digest: Digest) -> list:
    """One line per VA: how many they finished and the first items; a button for all."""
    lines = [f"*Finished {_span_words(digest.period)}*, with completion notes"]
    idle = []
    for user_id in digest.cards:
        tasks = digest.finished.get(user_id, [])
        if not tasks:
            idle.append(f"<@{user_id}>")
            continue
        items = "; ".join(finished_item(t, DIGEST_NOTE_LIMIT) for t in tasks[:FIRST_ITEMS])
        more = len(tasks) - FIRST_ITEMS
        lines.append(
            f"• <@{user_id}> · {len(tasks)} done: {items}"
            + (f"; and {more} more" if more > 0 else "")
        )
    if idle:
        lines.append(f"• Nothing marked done: {', '.join(idle)}")
    blocks: list = line_sections(lines)
    if any(digest.finished.values()):
        blocks.append(
            ActionsBlock(
                elements=[
                    ButtonElement(
                        text="Show all, with the notes",
                        action_id=SHOW_FINISHED_ACTION,
                        value=span_value(digest.period),
                    )
                ]
            )
        )
    return blocks


def _modal_lines(found: FinishedList, note_limit: int) -> list[tuple[str, Task | None]]:
    """Each line with the task it shows (None for a VA's heading)."""
    lines: list[tuple[str, Task | None]] = []
    for user_id, tasks in found.finished.items():
        lines.append((f"*<@{user_id}>* · {len(tasks)} done", None))
        lines += [(f"• {finished_item(task, note_limit)}", task) for task in tasks]
    return lines


def _fitting(lines: list[tuple[str, Task | None]], room: int) -> int:
    """How many of the lines fit in `room` sections (a binary search over packings)."""
    low, high = 0, len(lines)
    while low < high:
        middle = (low + high + 1) // 2
        if len(line_sections([text for text, _ in lines[:middle]])) <= room:
            low = middle
        else:
            high = middle - 1
    return low


def finished_modal(found: FinishedList) -> View:
    """Everyone's finished tasks and notes. Notes are cut shorter when the list is long;
    past the modal's limit the rest are named by ID (`/task show T-n` shows one whole)."""
    intro = ContextBlock(
        elements=[
            MarkdownTextObject(
                text=f"Tasks marked done {_span_words(found.period)}. "
                "A task's whole notes: `/task show T-n`."
            )
        ]
    )
    if not found.finished:
        nothing = f"Nothing was marked done {_span_words(found.period)}."
        return _modal([intro, *line_sections([nothing])])
    room = VIEW_BLOCKS_LIMIT - 1  # after the intro
    for note_limit in MODAL_NOTE_LIMITS:
        lines = _modal_lines(found, note_limit)
        if len(line_sections([text for text, _ in lines])) <= room:
            return _modal([intro, *line_sections([text for text, _ in lines])])
    # Even the shortest notes do not fit: as many lines as fit, then the rest by ID in
    # the sections left (a few IDs per line; cut with "…" past the limit, the count said).
    tail_room = 1
    while True:
        kept = _fitting(lines, room - tail_room)
        rest = [format_task_id(task.number) for _, task in lines[kept:] if task is not None]
        tail = line_sections([f"… and {len(rest)} more: {', '.join(rest)}"])
        if len(tail) <= tail_room or tail_room >= MAX_TAIL_SECTIONS:
            break
        tail_room = min(len(tail), MAX_TAIL_SECTIONS)
    if len(tail) > tail_room:
        text = f"… and {len(rest)} more: {', '.join(rest)}"
        tail = line_sections([fit(text, SECTION_TEXT_LIMIT * tail_room)])[:tail_room]
    return _modal([intro, *line_sections([text for text, _ in lines[:kept]]), *tail])


def _modal(blocks: list) -> View:
    return View(
        type="modal",
        callback_id="digest_finished",
        title="Finished tasks",
        close="Close",
        blocks=blocks,
    )
