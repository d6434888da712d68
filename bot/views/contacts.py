"""Block Kit for the picture of a contact or a client (the card of `/contact <name>` and
`/find`): who they are and where they stand, with the stage menu, **Edit** and **Add
note**; then the open work, the client chat, escalations, delegated work waiting,
the last CSAT, billing for whoever may invoice, and the latest history. Each item links
to its message where there is one."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    Option,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)

from bot.services.billing.money import hours
from bot.services.calendars import workspace_calendar
from bot.services.contact_picture import (
    Billing,
    ClientChat,
    OpenEscalation,
    OpenTask,
    Picture,
    Unacknowledged,
)
from bot.services.escalations import format_escalation_id
from bot.services.parsing import format_task_id
from bot.services.rows import saved_id
from bot.services.tasks import status_word
from bot.services.text import counted, day_text, escape, fit, shown, time_token
from bot.views.blocks import FIELD_TEXT_LIMIT, HEADER_LIMIT, OPTION_LIMIT, line_sections, plain
from bot.views.chats import message_link
from bot.views.contact_history import archive_link, event_line
from bot.views.invoices.records import money
from store.models import Contact

if TYPE_CHECKING:
    from bot.settings import Settings

# The card's stage menu: option values "<contact id>|<stage name>" (bot/views/pipeline
# reads them); Edit's value is the contact id, as is Add note's.
CONTACT_MOVE_ACTION = "contact_move"
CONTACT_EDIT_ACTION = "contact_edit"
CONTACT_NOTE_ACTION = "contact_note"
STAGE_VALUE_SEPARATOR = "|"
TITLE_SHOWN = 150
FOLLOWUP_SHOWN = 200
SUMMARY_SHOWN = 200
NEXT_STEP_SHOWN = 600


def stage_value(contact_id: int, stage: str) -> str:
    return f"{contact_id}{STAGE_VALUE_SEPARATOR}{stage}"


def _link(url: str | None, label: str) -> str:
    return f"<{escape(url)}|{label}>" if url else label


def _person(user_id: str | None) -> str:
    return f"<@{user_id}>" if user_id else "—"


def _stage_text(picture: Picture) -> str:
    contact = picture.contact
    if contact is None:
        return "—"
    name = escape(contact.stage)
    if picture.stage is None:
        name += " (no longer a stage of the pipeline)"
    days = picture.days_in_stage or 0
    return f"{name}, {counted(days, 'day')} (since {day_text(contact.stage_since.date())})"


def _next_step(contact: Contact, today: date) -> str:
    if not contact.next_step and contact.next_step_due is None:
        return "—"
    text = shown(contact.next_step, NEXT_STEP_SHOWN) if contact.next_step else "(no step written)"
    due = contact.next_step_due
    if due is not None:
        text += (" · *overdue* since " if due < today else " · due ") + day_text(due)
    return text


def _money_text(contact: Contact) -> str | None:
    parts = []
    if contact.amount_minor is not None and contact.currency:
        parts.append(money(contact.amount_minor, contact.currency))
    if contact.expected_close is not None:
        parts.append(f"closing {day_text(contact.expected_close)}")
    return " · ".join(parts) or None


def _contact_fields(picture: Picture, today: date) -> list[str]:
    contact = picture.contact
    assert contact is not None
    fields = [
        f"*Stage*\n{_stage_text(picture)}",
        f"*Owner*\n{_person(contact.owner_id)}",
        f"*Client*\n{escape(picture.client.name) if picture.client else '—'}",
        f"*Company*\n{escape(contact.company) if contact.company else '—'}",
        f"*Last touch*\n{time_token(contact.last_touch_at)}",
        f"*Next step*\n{_next_step(contact, today)}",
        f"*Tag*\n{escape(picture.tag) if picture.tag else '—'}",
    ]
    reach = [escape(value) for value in (contact.email, contact.phone) if value]
    if contact.slack_user_id:
        reach.append(f"<@{contact.slack_user_id}> in Slack")
    fields.append(f"*Email, phone*\n{' · '.join(reach) or '—'}")
    deal = _money_text(contact)
    if deal:
        fields.append(f"*Amount*\n{deal}")
    if contact.archived_at is not None:
        by = f" by <@{contact.archived_by}>" if contact.archived_by else ""
        fields.append(
            f"*Archived*\n{time_token(contact.archived_at)}{by}; "
            f"`/contact restore {shown(contact.name, 60)}` brings it back"
        )
    return fields


def _stage_menu(picture: Picture, settings: Settings) -> StaticSelectElement:
    contact = picture.contact
    assert contact is not None
    options, current = [], None
    for stage in settings.pipeline.stages:
        value = stage_value(saved_id(contact), stage.name)
        option = Option(value=value, text=plain(stage.name, OPTION_LIMIT))
        options.append(option)
        if stage.name == contact.stage:
            current = option
    return StaticSelectElement(
        action_id=CONTACT_MOVE_ACTION,
        placeholder=PlainTextObject(text="Move to stage"),
        options=options,
        initial_option=current,
    )


def _actions(picture: Picture, settings: Settings) -> ActionsBlock:
    contact = picture.contact
    assert contact is not None
    value = str(saved_id(contact))
    elements: list = []
    if picture.may_change:
        elements.append(_stage_menu(picture, settings))
        elements.append(ButtonElement(text="Edit", action_id=CONTACT_EDIT_ACTION, value=value))
    elements.append(ButtonElement(text="Add note", action_id=CONTACT_NOTE_ACTION, value=value))
    return ActionsBlock(block_id=f"contact_{value}", elements=elements)


def _task_lines(item: OpenTask, today: date) -> list[str]:
    task = item.task
    number = _link(task.source_permalink, f"*{format_task_id(task.number)}*")
    parts = [number, shown(task.title, TITLE_SHOWN), f"_{status_word(task.status)}_"]
    if task.due is not None:
        parts.append(("*overdue* since " if task.due < today else "due ") + day_text(task.due))
    if task.assignee_id:
        parts.append(f"<@{task.assignee_id}>")
    lines = ["• " + " · ".join(parts)]
    if item.hidden:
        lines.append(f"    delegated to <@{task.assignee_id}>: its brief is theirs")
    for followup in item.followups:
        due = f" (due {day_text(followup.due)})" if followup.due else ""
        lines.append(
            f"    ↳ {shown(followup.text, FOLLOWUP_SHOWN)} — <@{followup.author_id}> "
            f"{time_token(followup.created_at)}{due}"
        )
    return lines


def _chat_line(chat: ClientChat) -> str:
    conversation = chat.conversation
    state = {
        "answered": "answered",
        "waiting": f"waiting: first response due {time_token(chat.due)}",
        "near breach": f":warning: near breach: due {time_token(chat.due)}",
        "breached": f":rotating_light: *breached*: was due {time_token(chat.due)}",
    }[chat.state]
    holder = f"held by <@{conversation.assignee_id}>" if conversation.assignee_id else "queued"
    return (
        f"• Opened by <@{conversation.opened_by}> {time_token(conversation.opened_at)} · "
        f"{state} · {holder} · {_link(message_link(conversation), 'open the message')}"
    )


def _escalation_line(item: OpenEscalation) -> str:
    escalation = item.escalation
    link = _link(
        archive_link(escalation.channel_id, escalation.message_ts),
        f"*{format_escalation_id(saved_id(escalation))}*",
    )
    summary = (
        "its summary is the delegated VA's"
        if item.hidden
        else shown(escalation.summary, SUMMARY_SHOWN)
    )
    urgent = " · :red_circle: urgent" if escalation.urgency == "urgent" else ""
    taken = f" · taken by <@{escalation.taken_by}>" if escalation.taken_by else ""
    return (
        f"• {link} on {format_task_id(item.task_number)}: {summary}{urgent} · raised by "
        f"<@{escalation.raised_by}> {time_token(escalation.created_at)}{taken}"
    )


def _unacknowledged_line(item: Unacknowledged) -> str:
    assignment, task = item.assignment, item.task
    return (
        f"• *{format_task_id(task.number)}* {shown(task.title, TITLE_SHOWN)} · given to "
        f"<@{assignment.assignee_id}> {time_token(assignment.created_at)}, not acknowledged yet"
    )


def _billing_line(billing: Billing) -> str:
    text = (
        f"Unbilled this month ({day_text(billing.first_day)} to {day_text(billing.last_day)}): "
        f"*{hours(billing.unbilled_seconds)} h*"
    )
    invoice = billing.last_invoice
    if invoice is not None:
        state = "void" if invoice.status == "void" else f"due {day_text(invoice.due_on)}"
        text += (
            f" · last invoice *{escape(invoice.number)}* of {day_text(invoice.issued_on)}, "
            f"{money(invoice.total_minor, invoice.currency)}, {state}"
        )
    return text


def _contact_line(contact: Contact) -> str:
    parts = [f"*{shown(contact.name, TITLE_SHOWN)}*", escape(contact.stage)]
    if contact.owner_id:
        parts.append(f"<@{contact.owner_id}>")
    parts.append(f"last touch {time_token(contact.last_touch_at)}")
    if contact.archived_at is not None:
        parts.append("_archived_")
    return "• " + " · ".join(parts)


def _section(heading: str, lines: list[str]) -> list:
    return line_sections([heading, *lines]) if lines else []


def _work_blocks(picture: Picture, today: date) -> list:
    blocks: list = []
    task_lines = [line for item in picture.tasks for line in _task_lines(item, today)]
    heading = "*Open tasks*" + (f" (the first {len(picture.tasks)})" if picture.more_tasks else "")
    blocks += _section(heading, task_lines) or line_sections(["*Open tasks*: none"])
    if picture.chat is not None:
        blocks += _section("*Client chat*", [_chat_line(picture.chat)])
    blocks += _section("*Open escalations*", [_escalation_line(e) for e in picture.escalations])
    blocks += _section(
        "*Delegated, not acknowledged*", [_unacknowledged_line(u) for u in picture.unacknowledged]
    )
    if picture.rating is not None:
        rating = picture.rating
        stars = ":star:" * rating.rating
        blocks += line_sections(
            [
                f"*Last CSAT*: {stars} {rating.rating}/5 on {format_task_id(rating.task_number)}"
                f" · {time_token(rating.rated_at)}"
            ]
        )
    if picture.billing is not None:
        blocks += line_sections([f"*Billing*: {_billing_line(picture.billing)}"])
    return blocks


def card_blocks(picture: Picture, settings: Settings) -> list:
    """The card: at most about 20 blocks however much there is (each list is bounded by
    the picture and packed into sections)."""
    today = workspace_calendar(settings).local_day(picture.now)
    blocks: list = [HeaderBlock(text=plain(picture.name, HEADER_LIMIT))]
    if picture.contact is not None:
        fields = _contact_fields(picture, today)
        blocks.append(
            SectionBlock(fields=[MarkdownTextObject(text=fit(f, FIELD_TEXT_LIMIT)) for f in fields])
        )
        blocks.append(_actions(picture, settings))
    else:
        heading = "*Contacts*" + (
            f" (the {len(picture.contacts)} touched last)" if picture.more_contacts else ""
        )
        lines = [_contact_line(contact) for contact in picture.contacts]
        blocks += _section(heading, lines) or line_sections(["*Contacts*: none yet"])
    blocks.append(DividerBlock())
    blocks += _work_blocks(picture, today)
    if picture.history:
        blocks.append(DividerBlock())
        blocks += _section("*History*", [event_line(event) for event in picture.history])
    return blocks


def card_with_lead(lead: str, picture: Picture, settings: Settings) -> list:
    """The card under a sentence (mrkdwn, typed text escaped): what was just done, or why
    it was not."""
    return [*line_sections([lead]), *card_blocks(picture, settings)]


def card_text(picture: Picture) -> str:
    """The card's message text (notifications, and clients that show no blocks)."""
    parts = [f"*{shown(picture.name, TITLE_SHOWN)}*"]
    contact = picture.contact
    if contact is not None:
        parts.append(f"{escape(contact.stage)}, {counted(picture.days_in_stage or 0, 'day')}")
        if contact.next_step:
            parts.append(f"next: {shown(contact.next_step, 100)}")
    elif picture.client is not None:
        parts.append(counted(len(picture.contacts), "contact"))
    tasks = counted(len(picture.tasks), "open task")
    parts.append(f"more than {tasks}" if picture.more_tasks else tasks)
    if picture.chat is not None:
        parts.append(f"client chat {picture.chat.state}")
    return " · ".join(parts)
