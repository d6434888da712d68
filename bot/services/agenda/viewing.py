"""Who may see whose agenda, and `/agenda`'s words turned into one.

Yourself, always; owners and supervisors anyone's; a phase III VA (the SOP's personal
executive assistant, who manages the owner's schedule) the owners they support
(`[users.<id>] supports`). Anyone else is refused with a sentence, and nothing changes:
an agenda is only read."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlmodel import Session

from bot import clock
from bot.services.agenda.day import Agenda, agenda_for
from bot.services.errors import PermissionDenied
from bot.services.parsing.agenda_words import days_asked, parse_agenda_words
from bot.services.people import Actor, role_and_phase, roster, user_zone

if TYPE_CHECKING:
    from bot.settings import Settings

SCHEDULE_PHASE = "III"


def may_see(session: Session, settings: Settings, viewer: Actor, subject_id: str) -> bool:
    """Whether the viewer may see the subject's agenda."""
    if subject_id == viewer.user_id or viewer.is_manager:
        return True
    if subject_id not in settings.user_settings(viewer.user_id).supports:
        return False
    _role, phase = role_and_phase(session, settings, viewer.team_id, viewer.user_id)
    return (
        phase == SCHEDULE_PHASE and subject_id in roster(session, settings, viewer.team_id).owners
    )


def check_may_see(session: Session, settings: Settings, viewer: Actor, subject_id: str) -> None:
    if may_see(session, settings, viewer, subject_id):
        return
    raise PermissionDenied(
        f"You may not see <@{subject_id}>'s agenda: besides your own, supervisors and "
        "owners see anyone's, and a phase III VA the owners they support "
        "(`supports` in their settings). `/agenda` shows yours."
    )


def asked_agenda(session: Session, settings: Settings, viewer: Actor, words: str) -> Agenda:
    """The agenda `/agenda <words>` asks for, as the viewer may see it: the day words
    are read in the subject's own zone (their today, their midnights)."""
    ask = parse_agenda_words(words)
    subject_id = ask.subject_id or viewer.user_id
    check_may_see(session, settings, viewer, subject_id)
    now = clock.now()
    zone = user_zone(session, settings, viewer.team_id, subject_id)
    first_day, days = days_asked(ask, now.astimezone(zone).date())
    return agenda_for(session, settings, viewer.team_id, subject_id, first_day, days, now)
