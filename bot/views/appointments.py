"""The one way an appointment is written, wherever it is shown (the agenda, the owner's
morning DM, a reminder), so the same event reads the same everywhere.

Times are Slack date tokens, so each reader sees them in their own zone; the fallback
(what a client without tokens shows) is the time in the zone of the person whose
calendar it is. The summary and location are the feed's text: escaped first, then
fitted, with newlines made spaces so one appointment is one line."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.services.agenda.appointments import Appointment
from bot.services.text import day_text, shown

SUMMARY_LIMIT = 200
LOCATION_LIMIT = 100
CALENDAR_LIMIT = 80
NO_TITLE = "(no title)"


def date_token(instant: datetime, zone: ZoneInfo, with_day: bool = False) -> str:
    """`<!date^…^{time}|09:30>`; with the day, `{date_short_pretty} {time}` and a fallback
    such as `Mon 2026-11-30 09:30`, both in `zone`."""
    local = instant.astimezone(zone)
    if with_day:
        return (
            f"<!date^{int(instant.timestamp())}^{{date_short_pretty}} {{time}}"
            f"|{day_text(local.date())} {local:%H:%M}>"
        )
    return f"<!date^{int(instant.timestamp())}^{{time}}|{local:%H:%M}>"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def appointment_when(appointment: Appointment, zone: ZoneInfo, day: date | None = None) -> str:
    """When it is on: `All day`, `All day, to Wed 2026-12-02` (listed on a later day of
    it: `All day, Mon 2026-11-30 to Wed 2026-12-02`), or its start and end as tokens.
    `day` is the local day it is listed under; a start or end on another day (or with
    no day given) carries its date."""
    if appointment.all_day:
        last = (appointment.end - timedelta(microseconds=1)).astimezone(zone).date()
        first = appointment.start.astimezone(zone).date()
        if last == first:
            return "All day"
        if day is None or day == first:
            return f"All day, to {day_text(last)}"
        return f"All day, {day_text(first)} to {day_text(last)}"
    start_day = appointment.start.astimezone(zone).date()
    end_day = (appointment.end - timedelta(microseconds=1)).astimezone(zone).date()
    start = date_token(appointment.start, zone, with_day=start_day != day)
    if appointment.end <= appointment.start:
        return start
    end = date_token(appointment.end, zone, with_day=end_day != (day or start_day))
    return f"{start}–{end}"


def appointment_title(appointment: Appointment) -> str:
    """The summary as mrkdwn: escaped, on one line, fitted."""
    return shown(_one_line(appointment.summary) or NO_TITLE, SUMMARY_LIMIT)


def appointment_line(
    appointment: Appointment,
    zone: ZoneInfo,
    day: date | None = None,
    *,
    calendar: bool = False,
) -> str:
    """One appointment as one mrkdwn line: when, the summary in bold, where, and (with
    `calendar`) which calendar it is on."""
    line = f"{appointment_when(appointment, zone, day)}  *{appointment_title(appointment)}*"
    location = _one_line(appointment.location)
    if location:
        line += f" · {shown(location, LOCATION_LIMIT)}"
    if calendar and appointment.calendar:
        line += f" · _{shown(_one_line(appointment.calendar), CALENDAR_LIMIT)}_"
    return line
