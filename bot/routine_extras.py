"""What a routine's checklist shows below its items, by routine: the templates due for
review, and the lists the CRM routines act on. One place, so the checklist as posted by
the scheduler and as redrawn after a tick or a click show the same."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlmodel import Session

from bot import clock
from bot.services import onboarding, stale, templates, testimonials
from bot.services.agenda import mornings
from bot.services.onboarding_tasks import onboarding_tag
from bot.services.people import roster
from bot.services.rows import saved_id
from bot.views.agenda import agenda_blocks
from bot.views.blocks import MESSAGE_BLOCKS_LIMIT
from bot.views.bookings import new_bookings_blocks
from bot.views.onboarding import check_blocks
from bot.views.stale import stale_blocks
from bot.views.templates import review_blocks
from bot.views.testimonials import list_blocks as testimonial_blocks
from store.models import RoutineRun

if TYPE_CHECKING:
    from bot.settings import Settings

ExtraBlocks = Callable[[Session, "Settings", RoutineRun], list]


def _templates_due_for_review(session: Session, settings: Settings, run: RoutineRun) -> list:
    listed = templates.review_list(session, settings, run.team_id, run.slot)
    return review_blocks(saved_id(run), listed)


COLD_LEADS_ROUTINE = "cold-leads"
COLD_LEADS_LIMIT = 10  # stale contacts the checklist lists, each with its buttons


def _cold_leads(session: Session, settings: Settings, run: RoutineRun) -> list:
    """The stale contacts to act on: for a VA the ones they own and the unowned, for
    anyone else (a routine moved to supervisors) the whole team's."""
    is_va = run.owner_id in roster(session, settings, run.team_id).vas
    message = (
        stale.MessageRef(run.channel_id, run.message_ts)
        if run.channel_id and run.message_ts
        else None
    )
    listed = stale.stale_list(
        session,
        settings,
        run.team_id,
        clock.now(),
        COLD_LEADS_LIMIT,
        owned_by=run.owner_id if is_va else None,
        message=message,
    )
    return stale_blocks(listed, f"run-{saved_id(run)}")


def _unfinished_onboarding(session: Session, settings: Settings, run: RoutineRun) -> list:
    listed = onboarding.unfinished_onboarding(session, run.team_id)
    return check_blocks(listed, onboarding_tag(settings))


def _happy_clients(session: Session, settings: Settings, run: RoutineRun) -> list:
    listed = testimonials.happy_clients(session, settings, run.team_id, run.slot)
    has_template = settings.template(testimonials.TEMPLATE) is not None
    return testimonial_blocks(saved_id(run), listed, settings.testimonials.after_days, has_template)


# The checklist's own blocks around an extra: its header, its items and its progress line.
CHECKLIST_BLOCKS = 3
# Below the VAs' morning: their tasks due (bot/views/routines.morning_task_blocks).
MORNING_TASK_BLOCKS = 1


def _owners_day(session: Session, settings: Settings, run: RoutineRun) -> list:
    """The owner's agenda for the day, as /agenda shows it."""
    agenda = mornings.owners_day(session, settings, run, clock.now())
    return agenda_blocks(agenda, run.owner_id, MESSAGE_BLOCKS_LIMIT - CHECKLIST_BLOCKS)


def _new_bookings(session: Session, settings: Settings, run: RoutineRun) -> list:
    """The shared calendars' new bookings since the VA's last morning (none: no block)."""
    found = mornings.new_bookings_for(session, settings, run, clock.now())
    if found is None:
        return []
    room = MESSAGE_BLOCKS_LIMIT - CHECKLIST_BLOCKS - MORNING_TASK_BLOCKS
    return new_bookings_blocks(found.bookings, found.zone)[:room]


EXTRAS: dict[str, ExtraBlocks] = {
    templates.REVIEW_ROUTINE: _templates_due_for_review,
    COLD_LEADS_ROUTINE: _cold_leads,
    onboarding.CHECK_ROUTINE: _unfinished_onboarding,
    testimonials.ROUTINE: _happy_clients,
    mornings.OWNER_MORNING: _owners_day,
    mornings.MORNING: _new_bookings,
}


def routine_extra(session: Session, settings: Settings, run: RoutineRun) -> list | None:
    """The blocks the run's routine adds below its checklist, if it adds any."""
    build = EXTRAS.get(run.routine)
    return build(session, settings, run) if build is not None else None
