"""`/agenda` as a message: for each local day its appointments (bot/views/appointments.py,
the one formatter), the work due, the conflicts; feeds that could not be read or are
old said with their age first. Within Block Kit's limits: the days' lines are packed
into sections, and past the message's block limit the rest is counted, not sent."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from bot.services.agenda.conflicts import BACK_TO_BACK, OVERLAP, Conflict
from bot.services.agenda.day import Agenda, AgendaDay, FeedNote
from bot.services.agenda.work import CHAT, DELEGATED, FOLLOW_UP, NEXT_STEP, TASK, WorkItem
from bot.services.parsing.agenda_words import AGENDA_WORDS_HINT
from bot.services.text import counted, day_text, escape, fit, shown
from bot.views.appointments import appointment_line, appointment_title, date_token
from bot.views.blocks import CONTEXT_TEXT_LIMIT, MESSAGE_BLOCKS_LIMIT, line_sections

TITLE_LIMIT = 150  # a task's title, a next step, a follow-up, in one line
NAME_LIMIT = 80
ERROR_LIMIT = 300
NOTHING_ON = "_Nothing on._"
KIND_NAMES = {
    TASK: ("task", "tasks"),
    FOLLOW_UP: ("follow-up", "follow-ups"),
    DELEGATED: ("delegated deadline", "delegated deadlines"),
    NEXT_STEP: ("next step", "next steps"),
    CHAT: ("client chat", "client chats"),
}

AGENDA_HELP = escape(f"""*`/agenda`* — the day: appointments, work due and conflicts
• `/agenda` or `/agenda today` — today, midnight to midnight in your own time zone
• `/agenda tomorrow` · `/agenda week` (7 days from today) · `/agenda 2026-12-24`
• `/agenda @person [day]` — someone else's, over their own days: supervisors and owners \
anyone's, a phase III VA the owners they support (`supports` in the settings)
It lists the calendar's appointments (`calendar` in your `[users.<id>]` settings), your \
open tasks due (and overdue), follow-ups due on them, delegated deadlines (yours and those \
you gave), your contacts' next steps and the client chats you hold near or past their \
response target; it flags overlapping appointments, a deadline during a meeting and \
meetings back to back. Times show in your zone.
Words: {AGENDA_WORDS_HINT}.""")


def _age(age: timedelta) -> str:
    minutes = int(age.total_seconds() // 60)
    if minutes < 60:
        return counted(max(minutes, 1), "minute")
    if minutes < 48 * 60:
        return counted(minutes // 60, "hour")
    return counted(minutes // (24 * 60), "day")


def feed_line(note: FeedNote) -> str:
    """A feed with its age: why its copy may be out of date, never its address."""
    title = shown(note.title, NAME_LIMIT)
    if note.age is None:
        copy = "no appointments from it yet"
    else:
        copy = f"showing its copy from {_age(note.age)} ago"
    if note.error:
        return f":warning: {title} could not be read ({shown(note.error, ERROR_LIMIT)}); {copy}."
    if note.age is None:
        return f":hourglass: {title} has not been read yet; {copy}."
    return f":hourglass: {title} was last read {_age(note.age)} ago."


def work_line(item: WorkItem, zone: ZoneInfo) -> str:
    """A piece of work due, as one line; overdue work says since when."""
    title = shown(item.title, TITLE_LIMIT)
    ref = f"`{item.ref}`" if item.kind in (TASK, FOLLOW_UP, DELEGATED) else ""
    if item.kind == TASK:
        line = f":ballot_box_with_check: Due: {ref} {title}"
    elif item.kind == FOLLOW_UP:
        line = f":leftwards_arrow_with_hook: Follow-up on {ref}: {title}"
    elif item.kind == DELEGATED and item.given_by_subject:
        line = f":outbox_tray: Delegated {ref} to <@{item.person}>, deadline: {title}"
    elif item.kind == DELEGATED:
        line = f":inbox_tray: Deadline of {ref} from <@{item.person}>: {title}"
    elif item.kind == NEXT_STEP:
        line = f":bust_in_silhouette: Next step for *{shown(item.ref, NAME_LIMIT)}*: {title}"
    else:
        return _chat_line(item, zone)
    if item.overdue:
        line += f" _(overdue, due {day_text(item.due_day)})_"
    return line


def _chat_line(item: WorkItem, zone: ZoneInfo) -> str:
    client = shown(item.ref, NAME_LIMIT)
    when = date_token(item.due_at, zone, with_day=item.overdue)
    state = "past its response target since" if item.overdue else "to be answered by"
    return f":speech_balloon: {client}'s chat, unanswered: {state} {when}"


def conflict_line(conflict: Conflict, agenda: Agenda) -> str:
    zone = agenda.zone
    first = f"*{appointment_title(conflict.first)}*"
    if conflict.kind == OVERLAP and conflict.second is not None:
        second = f"*{appointment_title(conflict.second)}*"
        at = date_token(conflict.second.start, zone)
        return f":warning: Overlap: {first} and {second} from {at}"
    if conflict.kind == BACK_TO_BACK and conflict.second is not None:
        second = f"*{appointment_title(conflict.second)}*"
        at = date_token(conflict.second.start, zone)
        return f":warning: Back to back: {first} ends as {second} starts at {at}, no gap"
    item = conflict.item
    assert item is not None  # a deadline conflict has its work
    what = f"`{item.ref}`" if item.kind in (TASK, FOLLOW_UP, DELEGATED) else ""
    if item.kind == NEXT_STEP:
        what = f"The next step for *{shown(item.ref, NAME_LIMIT)}*"
    if item.kind == CHAT:
        what = f"{shown(item.ref, NAME_LIMIT)}'s chat"
    return f":warning: {what} is due at {date_token(item.due_at, zone)}, during {first}"


def day_lines(agenda: Agenda, day: AgendaDay) -> list[str]:
    """A day's lines: its heading, all-day events, timed ones, the work, the conflicts."""
    lines = [f"*{day_text(day.day)}*" + (" (today)" if day.day == agenda.today else "")]
    if day.hours != 24:
        lines[0] += f" _({day.hours:g} hours: the clocks change)_"
    ordered = sorted(day.appointments, key=lambda a: (not a.all_day, a.start, a.end))
    lines += [appointment_line(a, agenda.zone, day.day) for a in ordered]
    lines += [work_line(item, agenda.zone) for item in day.work]
    lines += [conflict_line(conflict, agenda) for conflict in day.conflicts]
    if len(lines) == 1:
        lines.append(NOTHING_ON)
    return lines


def _span(agenda: Agenda) -> str:
    if agenda.first_day == agenda.last_day:
        return day_text(agenda.first_day)
    return f"{day_text(agenda.first_day)} to {day_text(agenda.last_day)}"


def agenda_text(agenda: Agenda, viewer_id: str) -> str:
    """The message's text (notifications, clients without blocks): a summary."""
    whose = "Your agenda" if agenda.subject_id == viewer_id else f"<@{agenda.subject_id}>'s agenda"
    appointments = sum(len(day.appointments) for day in agenda.days)
    work = sum(len(day.work) for day in agenda.days)
    conflicts = sum(len(day.conflicts) for day in agenda.days)
    parts = [counted(appointments, "appointment"), f"{work} due", counted(conflicts, "conflict")]
    return f"{whose} for {_span(agenda)}: {', '.join(parts)}."


def agenda_blocks(agenda: Agenda, viewer_id: str, limit: int = MESSAGE_BLOCKS_LIMIT) -> list[Block]:
    """The agenda in at most `limit` blocks (less than a message's when it is part of
    one, as in the owner's morning checklist)."""
    whose = "Your agenda" if agenda.subject_id == viewer_id else f"Agenda of <@{agenda.subject_id}>"
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=f"*{whose}* — {_span(agenda)}")),
        _context(
            f"Days run midnight to midnight in {agenda.zone.key}; times show in your own zone."
        ),
    ]
    notes = [feed_line(note) for note in agenda.feeds]
    if not agenda.has_calendar:
        notes.append("No calendar feed is set (`calendar` in the `[users.<id>]` settings).")
    if notes:
        blocks.append(_context("\n".join(notes)))
    sections = [s for day in agenda.days for s in line_sections(day_lines(agenda, day))]
    more = [f"and {n} more {KIND_NAMES[kind][n != 1]}" for kind, n in agenda.more_work.items() if n]
    room = limit - len(blocks) - (1 if more else 0)
    if len(sections) > room:
        left = len(sections) - (room - 1)
        sections = sections[: room - 1]
        more.append(f"{counted(left, 'part')} more not shown; ask for one day at a time")
    blocks += sections
    if more:
        blocks.append(_context("; ".join(more) + "."))
    return blocks


def _context(mrkdwn: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=fit(mrkdwn, CONTEXT_TEXT_LIMIT))])
