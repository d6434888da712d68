"""The delegation messages: the brief in the VA's DM (Acknowledge, Ask a question, Submit
for review), the submission for the reviewer (Approve, Request revisions), the question for
the assigner (Answer), and the news of each step. Messages are rebuilt from the stored
state, so each shows only the buttons its state allows."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.services.delegation import STATE_WORDS, STATE_WORDS_FOR_VA, Chase, StepNews
from bot.services.parsing import format_task_id
from bot.services.text import day_text, escape, shown
from bot.views.blocks import HEADER_LIMIT, line_sections, plain
from bot.views.delegation.ids import ACTION_IDS
from store.models import Assignment, Task

SHOWN_LIMIT = 1200  # per field of the brief in a message; the App Home shows it whole
SUBMISSION_SHOWN_LIMIT = 8000  # a message's blocks add up to about 13,000 characters at most
QUESTION_TEXT_LIMIT = 2500  # in a notification's text
QUESTION_SHOWN_LIMIT = 5000  # the question and its answer in one message; Answer shows it whole


def brief_lines(assignment: Assignment, limit: int | None = SHOWN_LIMIT) -> list[str]:
    def text(value: str) -> str:
        return escape(value) if limit is None else shown(value, limit)

    lines = [
        f"*Objective*\n{text(assignment.objective)}",
        f"*Deliverables*\n{text(assignment.deliverables)}",
        f"*Deadline*: {day_text(assignment.deadline)}",
    ]
    if assignment.resources:
        lines.append(
            "*Resources*\n"
            + "\n".join(f"• <{escape(link)}>" for link in assignment.resources.splitlines())
        )
    return lines


def _buttons(assignment: Assignment, actions: list[str], labels: dict[str, str]) -> ActionsBlock:
    value = str(assignment.id)
    return ActionsBlock(
        block_id=f"assignment:{assignment.id}:{assignment.state}",
        elements=[
            ButtonElement(
                text=labels[a],
                action_id=ACTION_IDS[a],
                value=value,
                style="primary" if a in ("acknowledge", "approve", "submit") else None,
            )
            for a in actions
        ],
    )


def _repeats(assignment: Assignment) -> str:
    if assignment.recurrence == "none":
        return ""
    return f" · repeats {assignment.recurrence} (occurrence {assignment.occurrence + 1})"


def brief_text(assignment: Assignment, task: Task) -> str:
    return (
        f"<@{assignment.assigner_id}> assigned you *{format_task_id(task.number)}* "
        f"{shown(task.title, 150)}, due {day_text(assignment.deadline)} "
        f"· {STATE_WORDS_FOR_VA[assignment.state]}{_repeats(assignment)}"
    )


def brief_blocks(assignment: Assignment, task: Task) -> list:
    """The brief in the VA's DM; its buttons follow the state."""
    blocks: list = [
        HeaderBlock(text=plain(f"{format_task_id(task.number)} · {task.title}", HEADER_LIMIT)),
        SectionBlock(
            text=MarkdownTextObject(
                text=f"Assigned by <@{assignment.assigner_id}>{_repeats(assignment)}"
            )
        ),
        *line_sections(brief_lines(assignment)),
    ]
    status = f"*Status*: {STATE_WORDS_FOR_VA[assignment.state]}"
    if assignment.revisions:
        status += f" · revisions so far: {assignment.revisions}"
    cut = _brief_is_cut(assignment)
    if cut:
        status += "\nThe brief is cut here; *Show all* (or the App Home tab) has it whole."
    if assignment.open_question:
        status += f"\n*Your question*: {shown(assignment.open_question, SHOWN_LIMIT)}"
    blocks += line_sections([status])
    actions = {
        "assigned": ["acknowledge", "ask"],
        "questioned": ["acknowledge", "ask"],
        "acknowledged": ["submit", "ask"],
        "revisions": ["submit", "ask"],
    }.get(assignment.state, [])
    labels = {
        "acknowledge": "Acknowledge",
        "ask": "Ask a question",
        "submit": "Submit for review",
        "show": "Show all",
    }
    if cut:
        actions = [*actions, "show"]
    if actions:
        blocks.append(_buttons(assignment, actions, labels))
    return blocks


def _brief_is_cut(assignment: Assignment) -> bool:
    brief = (assignment.objective, assignment.deliverables, assignment.open_question or "")
    return any(len(escape(text)) > SHOWN_LIMIT for text in brief)


def review_text(assignment: Assignment, task: Task) -> str:
    return (
        f"<@{assignment.assignee_id}> submitted *{format_task_id(task.number)}* "
        f"{shown(task.title, 150)} · {STATE_WORDS[assignment.state]}"
    )


def review_blocks(
    assignment: Assignment, task: Task, submission: str | None, submitter_reviews: bool
) -> list:
    """The submission for the reviewer; Approve / Request revisions while it waits. When
    the submitter is a supervisor or owner too, it says they cannot approve it."""
    lines = [
        f"<@{assignment.assignee_id}> submitted *{format_task_id(task.number)}* "
        f"{shown(task.title, 150)}",
        f"*Deliverables asked*\n{shown(assignment.deliverables, SHOWN_LIMIT)}",
        f"*Submitted*\n{shown(submission or '', SUBMISSION_SHOWN_LIMIT)}",
    ]
    blocks: list = [*line_sections(lines)]
    status = f"*Status*: {STATE_WORDS[assignment.state]}"
    if assignment.revisions:
        status += f" · revisions so far: {assignment.revisions}"
    blocks += line_sections([status])
    actions = ["approve", "revise"] if assignment.state == "submitted" else []
    cut = len(escape(submission or "")) > SUBMISSION_SHOWN_LIMIT
    if cut or len(escape(assignment.deliverables)) > SHOWN_LIMIT:
        actions.append("show")
    if actions:
        labels = {"approve": "Approve", "revise": "Request revisions", "show": "Show all"}
        blocks.append(_buttons(assignment, actions, labels))
    if submitter_reviews:
        own = (
            f"<@{assignment.assignee_id}> reviews work too, but not this: nobody reviews "
            "their own work."
        )
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=own)]))
    return blocks


def question_text(assignment: Assignment, task: Task) -> str:
    question = shown(assignment.open_question or "", QUESTION_TEXT_LIMIT)
    return (
        f"<@{assignment.assignee_id}> asks about *{format_task_id(task.number)}* "
        f"{shown(task.title, 150)}: {question}"
    )


def question_blocks(
    assignment: Assignment, task: Task, question: str | None = None, answer: str | None = None
) -> list:
    """The question for the assigner with Answer; once answered, the answer instead."""
    ref = f"*{format_task_id(task.number)}* {shown(task.title, 150)}"
    if answer is None:
        lines = [
            f"<@{assignment.assignee_id}> asks about {ref}:",
            shown(assignment.open_question or "", QUESTION_SHOWN_LIMIT),
        ]
    else:
        lines = [
            f"<@{assignment.assignee_id}> asked about {ref}:",
            shown(question or "", QUESTION_SHOWN_LIMIT),
            f"*Answered*: {shown(answer, QUESTION_SHOWN_LIMIT)}",
        ]
    blocks: list = line_sections(lines)
    if answer is None and assignment.open_question:
        blocks.append(_buttons(assignment, ["answer"], {"answer": "Answer"}))
    return blocks


def sent_message(
    which: str,
    assignment: Assignment,
    task: Task,
    submission: str | None,
    submitter_reviews: bool,
) -> tuple[str, list]:
    """The message a step sends the assigner: the submission (`review`) or the question."""
    if which == "review":
        return review_text(assignment, task), review_blocks(
            assignment, task, submission, submitter_reviews
        )
    return question_text(assignment, task), question_blocks(assignment, task)


def updated_message(news: StepNews) -> tuple[str, list]:
    """The assigner's submission (`review`) or question message as the step left it."""
    assignment, task = news.assignment, news.task
    if news.updated == "review":
        return sent_message("review", assignment, task, news.submission, news.submitter_reviews)
    return (
        f"Answered: {shown(news.question or '', 200)}",
        question_blocks(assignment, task, news.question, news.note),
    )


UNDELIVERED_WHAT = {"review": "your submission", "question": "your question"}


def undelivered_text(news: StepNews, unsent: list[str]) -> str:
    """What the person who took the step is told when Slack refused to deliver some of
    its messages (`unsent`: what each was and why); the step itself is saved."""
    again = " VA Desk sends it again after the next reminder spell." if news.sent else ""
    return (
        f"Saved, but Slack refused to deliver {' and '.join(unsent)}; tell them yourself "
        f"(*T-{news.task.number}*).{again}"
    )


def brief_refused_text(assignment: Assignment, task: Task, problem: str) -> str:
    """What the assigner is told when Slack refused to deliver the brief: the task is
    assigned all the same."""
    return (
        f"Assigned *{format_task_id(task.number)}* to <@{assignment.assignee_id}>, but Slack "
        f"refused to send them the brief ({escape(problem)}). It is on their App Home, "
        "and VA Desk sends it again with the first reminder to acknowledge."
    )


def step_sent_text(action: str, assignment: Assignment, task: Task) -> str:
    """What the person who filled a step's form is told it did, and to whom."""
    ref = f"*{format_task_id(task.number)}* {shown(task.title, 150)}"
    return {
        "ask": f"Your question on {ref} went to <@{assignment.assigner_id}>; "
        "their answer comes to you here.",
        "answer": f"Your answer on {ref} went to <@{assignment.assignee_id}>.",
        "submit": f"You submitted {ref} for review; <@{assignment.assigner_id}> reviews it.",
        "revise": f"You sent {ref} back to <@{assignment.assignee_id}> for revisions "
        f"(round {assignment.revisions}).",
    }[action]


def told_text(action: str, assignment: Assignment, task: Task, note: str | None) -> str:
    ref = f"*{format_task_id(task.number)}* {shown(task.title, 150)}"
    said = f": {escape(note)}" if note else ""
    return {
        "acknowledge": f"<@{assignment.assignee_id}> acknowledged {ref}.",
        "answer": f"<@{assignment.assigner_id}> answered your question on {ref}{said}",
        "approve": f"{ref} was approved. Well done.",
        "revise": f"{ref} needs revisions (round {assignment.revisions}){said}",
    }[action]


def chase_text(chase: Chase) -> str:
    return (
        f":bell: Reminder {chase.count}: <@{chase.assignment.assignee_id}>, please acknowledge "
        f"*{format_task_id(chase.task.number)}* {shown(chase.task.title, 150)} "
        "(or ask a question) so <@" + chase.assignment.assigner_id + "> knows it is in hand."
    )
