"""The delegation forms: the brief (Assign work), the small form behind each step's
button, and Show all (the brief, the open question and the latest submission, whole)."""

from __future__ import annotations

import json

from slack_sdk.models.blocks import (
    DatePickerElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    StaticSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.services.delegation import RECURRENCES, STATE_WORDS, TITLE_LIMIT
from bot.services.parsing import format_task_id
from bot.services.text import escape, shown
from bot.views.blocks import (
    MODAL_TITLE_LIMIT,
    OPTION_LIMIT,
    VIEW_BLOCKS_LIMIT,
    line_sections,
    notes_input,
    plain,
)
from bot.views.delegation.ids import ASSIGN_CALLBACK, STEP_CALLBACK
from bot.views.delegation.messages import brief_lines
from store.models import Assignment, Task

STEP_FORMS = {  # action -> (form title, field, label)
    "ask": ("Ask a question", "question", "Your question"),
    "answer": ("Answer", "answer", "Your answer"),
    "submit": ("Submit for review", "deliverables", "Deliverables, links and notes"),
    "revise": ("Request revisions", "feedback", "What to revise"),
}


def _category_input(categories: dict[str, str]) -> list[InputBlock]:
    """The Category select; none when there are no categories (Slack refuses a select
    without options). A select holds 100 options."""
    if not categories:
        return []
    return [
        InputBlock(
            block_id="category",
            label="Category",
            optional=True,
            element=StaticSelectElement(
                action_id="value",
                options=[
                    Option(value=name, label=plain(f"{name} (phase {phase})", OPTION_LIMIT))
                    for name, phase in list(categories.items())[:100]
                ],
            ),
        )
    ]


def assign_modal(categories: dict[str, str]) -> View:
    return View(
        type="modal",
        callback_id=ASSIGN_CALLBACK,
        title="Assign work",
        submit="Assign",
        close="Cancel",
        blocks=[
            InputBlock(
                block_id="assignee",
                label="VA",
                element=UserSelectElement(action_id="value", placeholder="Who does it?"),
            ),
            InputBlock(
                block_id="title",
                label="Title",
                element=PlainTextInputElement(action_id="value", max_length=TITLE_LIMIT),
            ),
            notes_input("objective", "Objective"),
            notes_input("deliverables", "Deliverables"),
            InputBlock(
                block_id="deadline", label="Deadline", element=DatePickerElement(action_id="value")
            ),
            notes_input("resources", "Resources (one link per line)", optional=True),
            InputBlock(
                block_id="recurrence",
                label="Recurrence",
                element=StaticSelectElement(
                    action_id="value",
                    options=[Option(value=r, label=r) for r in RECURRENCES],
                    initial_option=Option(value="none", label="none"),
                ),
            ),
            *_category_input(categories),
            InputBlock(
                block_id="override",
                label="Override reason (owners)",
                optional=True,
                hint="Needed only to give work above the VA's trust phase",
                element=PlainTextInputElement(action_id="value", max_length=500),
            ),
        ],
    )


def step_modal(action: str, assignment: Assignment, task: Task) -> View:
    title, field, label = STEP_FORMS[action]
    context = [f"*{format_task_id(task.number)}* {shown(task.title, 150)}"]
    if action == "answer" and assignment.open_question:
        context.append(f"*Question*: {escape(assignment.open_question)}")
    return View(
        type="modal",
        callback_id=STEP_CALLBACK,
        title=title,
        submit="Send",
        close="Cancel",
        private_metadata=json.dumps({"assignment": assignment.id, "action": action}),
        blocks=[*line_sections(context), notes_input(field, label)],
    )


def assignment_modal(assignment: Assignment, task: Task, submission: str | None) -> View:
    """Show all: the brief, the open question and the latest submission, whole."""
    lines = [
        f"*{format_task_id(task.number)}* {escape(task.title)}",
        *brief_lines(assignment, limit=None),
    ]
    if assignment.open_question:
        lines.append(f"*Open question*\n{escape(assignment.open_question)}")
    if submission:
        lines.append(f"*Latest submission*\n{escape(submission)}")
    lines.append(f"*Status*: {STATE_WORDS[assignment.state]}")
    return View(
        type="modal",
        title=plain(f"{format_task_id(task.number)}", MODAL_TITLE_LIMIT),
        close="Close",
        blocks=line_sections(lines)[:VIEW_BLOCKS_LIMIT],
    )
