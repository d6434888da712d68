"""What a routine's checklist shows below its items, by routine: the templates due for
review, and the lists the CRM routines act on. One place, so the checklist as posted by
the scheduler and as redrawn after a tick or a click show the same."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlmodel import Session

from bot.services import templates
from bot.services.rows import saved_id
from bot.views.templates import review_blocks
from store.models import RoutineRun

if TYPE_CHECKING:
    from bot.settings import Settings

ExtraBlocks = Callable[[Session, "Settings", RoutineRun], list]


def _templates_due_for_review(session: Session, settings: Settings, run: RoutineRun) -> list:
    listed = templates.review_list(session, settings, run.team_id, run.slot)
    return review_blocks(saved_id(run), listed)


EXTRAS: dict[str, ExtraBlocks] = {templates.REVIEW_ROUTINE: _templates_due_for_review}


def routine_extra(session: Session, settings: Settings, run: RoutineRun) -> list | None:
    """The blocks the run's routine adds below its checklist, if it adds any."""
    build = EXTRAS.get(run.routine)
    return build(session, settings, run) if build is not None else None
