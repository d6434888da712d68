"""Parsing of what people type into slash commands: durations, dates, task ids, tasks.

Pure functions so every command reads input the same way; a refusal raises
InputError whose text says what was wrong and what is accepted. One module per kind of
input (`durations`, `dates`, `ids`, `markup`) and per command grammar (`task_add`,
`timer_log`, `followup`, `pipeline_move`, `agenda_words`); callers import from the package.
"""

from bot.services.parsing.agenda_words import AgendaAsk, days_asked, parse_agenda_words
from bot.services.parsing.contact_add import CONTACT_ADD_GRAMMAR, ContactDraft, parse_contact_add
from bot.services.parsing.dates import parse_clock_time, parse_date
from bot.services.parsing.durations import format_duration, parse_duration
from bot.services.parsing.followup import FollowUpDraft, parse_followup
from bot.services.parsing.ids import (
    MAX_ID,
    format_entry_id,
    format_task_id,
    parse_entry_id,
    parse_task_id,
)
from bot.services.parsing.markup import extract_channel_id, extract_user_id, split_command, take_tag
from bot.services.parsing.pipeline_move import MOVE_GRAMMAR, MoveOptions, take_move_options
from bot.services.parsing.task_add import MAX_TITLE_LENGTH, PRIORITIES, TaskDraft, parse_task_add
from bot.services.parsing.timer_log import (
    TimeLogDraft,
    UntaskedLog,
    parse_timer_log,
    parse_untasked_log,
)

__all__ = [
    "CONTACT_ADD_GRAMMAR",
    "MAX_ID",
    "MAX_TITLE_LENGTH",
    "MOVE_GRAMMAR",
    "PRIORITIES",
    "AgendaAsk",
    "ContactDraft",
    "FollowUpDraft",
    "MoveOptions",
    "TaskDraft",
    "TimeLogDraft",
    "UntaskedLog",
    "days_asked",
    "extract_channel_id",
    "extract_user_id",
    "format_duration",
    "format_entry_id",
    "format_task_id",
    "parse_agenda_words",
    "parse_clock_time",
    "parse_contact_add",
    "parse_date",
    "parse_duration",
    "parse_entry_id",
    "parse_followup",
    "parse_task_add",
    "parse_task_id",
    "parse_timer_log",
    "parse_untasked_log",
    "split_command",
    "take_move_options",
    "take_tag",
]
