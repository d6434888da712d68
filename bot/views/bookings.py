"""New bookings in the shared calendars, as the VAs' morning checklist lists them: each
appointment through the one formatter (bot/views/appointments.py), with its calendar."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block, MarkdownTextObject, SectionBlock

from bot.services.agenda.appointments import Appointment
from bot.views.appointments import appointment_line
from bot.views.blocks import line_sections

BOOKINGS_LIMIT = 25  # listed; the rest are counted
HEADING = "*New bookings since the last morning*"


def new_bookings_blocks(bookings: list[Appointment], zone: ZoneInfo) -> list[Block]:
    """The heading and one line per booking (its day always shown), or `none`."""
    if not bookings:
        return [SectionBlock(text=MarkdownTextObject(text=f"{HEADING}: none."))]
    lines = [f"{HEADING} in the shared calendars:"]
    lines += [f"• {appointment_line(a, zone, calendar=True)}" for a in bookings[:BOOKINGS_LIMIT]]
    if len(bookings) > BOOKINGS_LIMIT:
        lines.append(f"… and {len(bookings) - BOOKINGS_LIMIT} more: see the calendars")
    return list(line_sections(lines))
