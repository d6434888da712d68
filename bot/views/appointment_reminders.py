"""A reminder before an appointment, as a DM: how soon it starts, then the appointment
as the agenda shows it (bot/views/appointments.py, the one formatter)."""

from __future__ import annotations

import math
from datetime import datetime

from slack_sdk.models.blocks import Block, MarkdownTextObject, SectionBlock

from bot.services.agenda.reminders import AppointmentReminder
from bot.services.text import counted
from bot.views.appointments import appointment_line


def reminder_text(reminder: AppointmentReminder, now: datetime) -> str:
    """`:alarm_clock: In 15 minutes: <start>–<end>  *Summary* · where · _calendar_`;
    the minutes are counted when it is sent, so a reminder sent late says so."""
    minutes = max(1, math.ceil((reminder.appointment.start - now).total_seconds() / 60))
    a, zone = reminder.appointment, reminder.zone
    line = appointment_line(a, zone, a.start.astimezone(zone).date(), calendar=True)
    return f":alarm_clock: In {counted(minutes, 'minute')}: {line}"


def reminder_blocks(reminder: AppointmentReminder, now: datetime) -> list[Block]:
    return [SectionBlock(text=MarkdownTextObject(text=reminder_text(reminder, now)))]
