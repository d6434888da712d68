"""Block Kit for escalations: the form, the message in the escalation channel (Take it,
Resolved, updated in place as its state changes), the resolution form, follow-ups."""

from __future__ import annotations

import json

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    HeaderBlock,
    InputBlock,
    Option,
    PlainTextInputElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.services.escalations import TAG_LIMIT, FollowUp, format_escalation_id
from bot.services.parsing import format_task_id
from bot.services.rows import saved_id
from bot.services.text import escape, shown, time_token
from bot.views.blocks import (
    HEADER_LIMIT,
    MODAL_TITLE_LIMIT,
    VIEW_BLOCKS_LIMIT,
    context_block,
    line_sections,
    notes_input,
    plain,
)
from store.models import Escalation, Task

ESCALATE_SHORTCUT = "escalate_message"
ESCALATE_CALLBACK = "escalation_create"
RESOLVE_CALLBACK = "escalation_resolve"
TAKE_ACTION = "escalation_take"
RESOLVE_ACTION = "escalation_resolve"
SHOW_ACTION = "escalation_show"
FIELD_SHOWN_LIMIT = 2000  # per field in the channel message; Show all has it whole
URGENCY_LABELS = {
    "normal": "Normal: follow up every 4 business hours",
    "urgent": "Urgent: every 30 business minutes",
}


def escalate_modal(metadata: dict, summary: str | None = None) -> View:
    urgency_options = [Option(value=k, label=v) for k, v in URGENCY_LABELS.items()]
    task = metadata.get("task")
    title = f"Escalate {format_task_id(task)}" if task else "Escalate"
    return View(
        type="modal",
        callback_id=ESCALATE_CALLBACK,
        title=title,
        submit="Escalate",
        close="Cancel",
        private_metadata=json.dumps(metadata),
        blocks=[
            notes_input("summary", "Summary", initial=summary),
            notes_input("actions_taken", "Actions already taken"),
            notes_input("background", "Background", optional=True),
            notes_input("question", "Question or decision needed"),
            InputBlock(
                block_id="urgency",
                label="Urgency",
                element=StaticSelectElement(
                    action_id="value",
                    options=urgency_options,
                    initial_option=urgency_options[0],
                ),
            ),
            InputBlock(
                block_id="contact_tag",
                label="Contact's tag",
                optional=True,
                hint="Tag the contact before the transfer, e.g. Lead – Hot Prospect",
                element=PlainTextInputElement(action_id="value", max_length=TAG_LIMIT),
            ),
        ],
    )


def _ref(escalation: Escalation) -> str:
    return format_escalation_id(saved_id(escalation))


def resolve_modal(escalation: Escalation) -> View:
    return View(
        type="modal",
        callback_id=RESOLVE_CALLBACK,
        title=plain(f"Resolve {_ref(escalation)}", MODAL_TITLE_LIMIT),
        submit="Resolved",
        close="Cancel",
        private_metadata=json.dumps({"escalation": escalation.id}),
        blocks=[
            *line_sections([f"*Question*: {escape(escalation.question)}"]),
            notes_input("resolution", "How it was resolved"),
        ],
    )


def escalation_text(escalation: Escalation) -> str:
    ref = _ref(escalation)
    state = _state(escalation)
    return (
        f"{ref} ({escalation.urgency}) from <@{escalation.raised_by}>: "
        f"{shown(escalation.summary, 200)} · {state}"
    )


def _state(escalation: Escalation) -> str:
    if escalation.resolved_at is not None:
        return f"resolved by <@{escalation.resolved_by}> {time_token(escalation.resolved_at)}"
    if escalation.taken_by is not None:
        assert escalation.taken_at is not None  # set with taken_by
        return f"taken by <@{escalation.taken_by}> {time_token(escalation.taken_at)}"
    return "waiting for someone to take it"


def _fields(escalation: Escalation) -> list[tuple[str, str]]:
    """What was written, by heading, in the order whoever takes it reads it."""
    fields = [
        ("Summary", escalation.summary),
        ("Actions already taken", escalation.actions_taken),
        ("Background", escalation.background),
        ("Question or decision needed", escalation.question),
        ("Resolution", escalation.resolution),
    ]
    return [(heading, text) for heading, text in fields if text]


def is_cut(escalation: Escalation) -> bool:
    """Whether the channel message shows any field cut (Show all has it whole)."""
    return any(len(escape(text)) > FIELD_SHOWN_LIMIT for _, text in _fields(escalation))


def escalation_blocks(escalation: Escalation, task: Task | None) -> list:
    """The message in the escalation channel. Each field is cut to FIELD_SHOWN_LIMIT so
    the whole message stays within what Slack accepts (it refuses a message whose blocks
    add up to about 13,000 characters); Show all opens it whole."""
    mark = ":rotating_light:" if escalation.urgency == "urgent" else ":raised_hand:"
    header = plain(f"{_ref(escalation)} · {escalation.urgency}", HEADER_LIMIT)
    lines = [
        f"*{heading}*\n{shown(text, FIELD_SHOWN_LIMIT)}"
        for heading, text in _fields(escalation)
        if heading != "Resolution"
    ]
    context = [f"{mark} raised by <@{escalation.raised_by}> {time_token(escalation.created_at)}"]
    if task is not None:
        context.append(f"task *{format_task_id(task.number)}* {shown(task.title, 60)}")
    if escalation.contact_tag:
        context.append(f"contact: {shown(escalation.contact_tag, TAG_LIMIT)}")
    if escalation.source_permalink:
        context.append(f"<{escape(escalation.source_permalink)}|source message>")
    blocks: list = [HeaderBlock(text=header), *line_sections(lines), context_block(context)]
    status = [f"*Status*: {_state(escalation)}"]
    if escalation.resolution:
        status.append(f"*Resolution*: {shown(escalation.resolution, FIELD_SHOWN_LIMIT)}")
    blocks += line_sections(status)
    buttons = []
    value = str(escalation.id)
    if escalation.resolved_at is None:
        if escalation.taken_by is None:
            buttons.append(
                ButtonElement(text="Take it", action_id=TAKE_ACTION, value=value, style="primary")
            )
        buttons.append(ButtonElement(text="Resolved", action_id=RESOLVE_ACTION, value=value))
    if is_cut(escalation):
        buttons.append(ButtonElement(text="Show all", action_id=SHOW_ACTION, value=value))
    if buttons:
        blocks.append(ActionsBlock(block_id=f"escalation:{escalation.id}", elements=buttons))
    return blocks


def escalation_modal(escalation: Escalation) -> View:
    """Show all: the whole escalation, each field split over as many sections as needed."""
    lines = [f"*{heading}*\n{escape(text)}" for heading, text in _fields(escalation)]
    lines.append(f"*Status*: {_state(escalation)}")
    return View(
        type="modal",
        title=plain(_ref(escalation), MODAL_TITLE_LIMIT),
        close="Close",
        blocks=line_sections(lines)[:VIEW_BLOCKS_LIMIT],
    )


def raised_text(escalation: Escalation, channel: str) -> str:
    return (
        f"Escalated as *{_ref(escalation)}* to <#{channel}>; you will hear "
        "who takes it and how it is resolved."
    )


def taken_text(escalation: Escalation) -> str:
    return (
        f"<@{escalation.taken_by}> took your escalation *{_ref(escalation)}* "
        f"({shown(escalation.summary, 100)})."
    )


def resolved_text(escalation: Escalation) -> str:
    return (
        f"Your escalation *{_ref(escalation)}* was resolved by "
        f"<@{escalation.resolved_by}>: {escape(escalation.resolution or '')}"
    )


def follow_up_text(follow_up: FollowUp) -> str:
    escalation = follow_up.escalation
    if escalation.taken_by:
        assert escalation.taken_at is not None  # set with taken_by
        who = f"<@{escalation.taken_by}> took it {time_token(escalation.taken_at)}; is it resolved?"
    else:
        who = "nobody has taken it yet."
    return (
        f":bell: Follow-up {follow_up.count} on *{_ref(escalation)}* "
        f"({escalation.urgency}), open since {time_token(escalation.created_at)}: {who} "
        "Press *Resolved* with the notes when it is."
    )
