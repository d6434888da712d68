"""Reminders before appointments as a scheduled job (`appointment-reminders`), looked at
on every tick: each occurrence claimed under its own key and start (see
bot/services/agenda/reminders.py), useful only until it starts."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot import clock
from bot.scheduling.jobs import Due, Job, JobContext, outgoing
from bot.scheduling.notify import Message, Outgoing
from bot.services.agenda import reminders
from bot.services.agenda.reminders import APPOINTMENT_REMINDERS, AppointmentReminder
from bot.services.schedules import Slot
from bot.views.appointment_reminders import reminder_blocks, reminder_text
from store.db import session_scope


class AppointmentRemindersJob(Job):
    name = APPOINTMENT_REMINDERS
    summary = "a DM [calendars] remind_minutes before each appointment of those with remind"

    def due(self, ctx: JobContext, team_id: str, since: datetime, until: datetime) -> list[Due]:
        with session_scope(ctx.engine) as session:
            found = reminders.reminders_due(session, ctx.settings, team_id, since, until)
        # The slot is the occurrence's start: a moved occurrence is a new slot, and the
        # reminder is no use once the appointment has begun.
        dues = []
        for r in found:
            start = r.appointment.start
            dues.append(Due(r.key, team_id, r.user_id, Slot(start, start, start), r))
        return dues

    def next_run(self, ctx: JobContext, team_id: str, after: datetime) -> datetime | None:
        if reminders.lead_time(ctx.settings) is None or not reminders.reminded_people(ctx.settings):
            return None
        return after  # checked on every tick

    def unscheduled_reason(self, ctx: JobContext) -> str:
        if reminders.lead_time(ctx.settings) is None:
            return "[calendars] remind_minutes is 0 (reminders are off)"
        return "nobody has both a calendar and remind = true in their [users.<id>] settings"

    def messages(self, ctx: JobContext, due: Due) -> list[Outgoing]:
        reminder: AppointmentReminder = due.subject

        def compose(session: Session) -> Message | None:
            now = clock.now()
            if not reminders.still_on(session, reminder, now):
                return None  # moved, cancelled or begun since the tick looked
            return Message(reminder_text(reminder, now), reminder_blocks(reminder, now))

        return [outgoing(due, due.recipient, compose)]
