"""The App Home tab: my running timer with Stop, today's checklists, my open tasks with
Start timer and Done, my contacts with a next step due, the out-of-office switch, and for
supervisors and owners the stale contacts and the team board."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextBlock,
    DatePickerElement,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.services.board import BillingBoard, BoardRow
from bot.services.crm_home import ContactsHome
from bot.services.delegation import STATE_WORDS_FOR_VA
from bot.services.parsing import format_task_id
from bot.services.text import counted, day_text, escape, shown, time_token
from bot.services.timers import TimerStatus
from bot.views.blocks import line_sections
from bot.views.chats import home_chat_blocks
from bot.views.crm_home import contacts_home_blocks
from bot.views.invoices.records import home_billing_blocks
from bot.views.routines import checklist_blocks
from bot.views.tasks import DONE_ACTION, task_line
from bot.views.timers import START_ACTION, STOP_ACTION, status_text
from store.models import Assignment, Conversation, RoutineRun, RoutineTick, Task

HOME_TASK_LIMIT = 20
HOME_ROUTINE_LIMIT = 3  # the latest checklists of today
OOO_UNTIL_ACTION = "ooo_until"
OOO_OFF_ACTION = "ooo_off"


@dataclass(frozen=True)
class HomeExtras:
    """What the Home shows beyond timer and tasks."""

    checklists: list[tuple[RoutineRun, list[str], dict[int, RoutineTick]]]
    away_until: date | None
    board: list[BoardRow] | None  # None: not a supervisor or owner
    now: datetime  # as of when: a chat past its target shows as late
    delegated: list[tuple[Assignment, Task]] = field(default_factory=list)
    my_chats: list[Conversation] = field(default_factory=list)
    chat_queue: list[Conversation] = field(default_factory=list)  # the oldest few
    chat_queue_length: int = 0
    client_names: dict[int, str] = field(default_factory=dict)
    billing: BillingBoard | None = None  # None: may not invoice
    contacts: ContactsHome | None = None
    currency: str = "USD"  # [billing] currency: the pipeline's amounts


def home_view(
    status: TimerStatus, open_tasks: list[Task], today: date, extras: HomeExtras | None = None
) -> View:
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
                        action_id=STOP_ACTION,
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
                ButtonElement(text="Start timer", action_id=START_ACTION, value=str(task.number))
            )
        buttons.append(ButtonElement(text="Done", action_id=DONE_ACTION, value=str(task.number)))
        blocks.append(SectionBlock(text=MarkdownTextObject(text=task_line(task, today))))
        blocks.append(ActionsBlock(block_id=f"home_task_{task.number}", elements=buttons))
    if len(open_tasks) > HOME_TASK_LIMIT:
        more = len(open_tasks) - HOME_TASK_LIMIT
        blocks.append(
            ContextBlock(elements=[MarkdownTextObject(text=f"{more} more: `/task list mine`")])
        )
    if extras is not None:
        blocks[2:2] = _checklist_blocks(extras) + home_chat_blocks(
            extras.my_chats,
            extras.chat_queue,
            extras.chat_queue_length,
            extras.client_names,
            extras.now,
        )
        blocks += _delegated_blocks(extras.delegated)
        blocks += contacts_home_blocks(extras.contacts, extras.client_names, extras.currency)
        blocks += _away_blocks(extras.away_until, today)
        if extras.billing is not None:
            blocks += [DividerBlock(), *_billing_blocks(extras.billing)]
        if extras.board is not None:
            blocks += _board_blocks(extras.board)
    return View(type="home", callback_id="home", blocks=blocks[:100])


def _checklist_blocks(extras: HomeExtras) -> list:
    if not extras.checklists:
        return []
    blocks: list = [DividerBlock()]
    for run, items, ticks in extras.checklists[-HOME_ROUTINE_LIMIT:]:
        blocks += checklist_blocks(run, items, ticks)
    return blocks


def _delegated_blocks(delegated: list[tuple[Assignment, Task]]) -> list:
    """The whole brief of each piece of work delegated to me (messages show it cut)."""
    if not delegated:
        return []
    blocks: list = [DividerBlock(), HeaderBlock(text="Delegated to me")]
    for assignment, task in delegated:
        lines = [
            f"*{format_task_id(task.number)}* {shown(task.title, 150)} · from "
            f"<@{assignment.assigner_id}> · due {day_text(assignment.deadline)} · "
            f"{STATE_WORDS_FOR_VA[assignment.state]}",
            f"*Objective*\n{escape(assignment.objective)}",
            f"*Deliverables*\n{escape(assignment.deliverables)}",
        ]
        blocks += line_sections(lines)
    return blocks


def _away_blocks(away_until: date | None, today: date) -> list:
    control: ButtonElement | DatePickerElement
    if away_until is not None:
        text = (
            f":palm_tree: *Out of office* up to and including "
            f"{day_text(away_until)}: no routines or reminders."
        )
        control = ButtonElement(text="I'm back", action_id=OOO_OFF_ACTION, value="off")
    else:
        text = "*Out of office*: off. Pick your last day away to pause routines and reminders."
        control = DatePickerElement(
            action_id=OOO_UNTIL_ACTION, initial_date=today.isoformat(), placeholder="Away until"
        )
    return [
        DividerBlock(),
        SectionBlock(text=MarkdownTextObject(text=text)),
        ActionsBlock(block_id="home_ooo", elements=[control]),
    ]


def _board_line(row: BoardRow) -> str:
    parts = [f"<@{row.user_id}>"]
    if row.away_until is not None:
        parts.append(f"out of office until {day_text(row.away_until)}")
    if row.running is not None:
        entry, task = row.running
        parts.append(
            f":stopwatch: on *{format_task_id(task.number)}* "
            f"{shown(task.title, 50)} since {time_token(entry.started_at)}"
        )
    else:
        parts.append("no timer")
    if row.overdue:
        parts.append(f":warning: {row.overdue} overdue")
    if row.unfinished_routines:
        parts.append(f":warning: {counted(row.unfinished_routines, 'unfinished checklist')}")
    return " · ".join(parts)


def _board_blocks(board: list[BoardRow]) -> list:
    lines = [_board_line(row) for row in board] or ["No VAs on the roster yet."]
    return [DividerBlock(), HeaderBlock(text=board_heading(board)), *line_sections(lines)]


def board_heading(board: list[BoardRow]) -> str:
    """Behind on what: `Team board · 2 behind on their checklists · 1 with overdue tasks`."""
    overdue = sum(1 for row in board if row.overdue)
    unfinished = sum(1 for row in board if row.unfinished_routines)
    parts = ["Team board"]
    if unfinished:
        parts.append(f"{unfinished} behind on their checklists")
    if overdue:
        parts.append(f"{overdue} with overdue tasks")
    return " · ".join(parts)


def _billing_blocks(billing: BillingBoard) -> list:
    month = f"{billing.first_day:%B %Y}, to {day_text(billing.last_day)}"
    return home_billing_blocks(billing.unbilled, billing.last_invoices, month)
