"""Trust phases: work of a category above the VA's phase is refused but for an owner with
a reason; a VA whose recent reviewed work was all approved first time is suggested for
the next phase."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from bot.services.people import Actor, role_and_phase, roster
from store.models import Assignment

if TYPE_CHECKING:
    from bot.services.delegation.brief import Brief
    from bot.settings import Settings

# The SOP's trust phases, lowest first: I clerical, II administrative, III personal
# executive assistant (schedule, sales pipeline).
PHASES = ("I", "II", "III")
# The SOP's task categories and the phase each needs; `[delegation] categories` replaces them.
DEFAULT_CATEGORIES = {
    "clerical": "I",
    "administrative": "II",
    "calendar": "III",
    "sales pipeline": "III",
}


def phase_override(
    session: Session, settings: Settings, team_id: str, brief: Brief
) -> tuple[str, str] | None:
    """(phase needed, the VA's phase) when the category is above the VA's trust phase."""
    needed = settings.delegation.phase_needed(brief.category)
    if needed is None or not brief.assignee_id:
        return None
    has = role_and_phase(session, settings, team_id, brief.assignee_id)[1]
    return (needed, has) if PHASES.index(needed) > PHASES.index(has) else None


def phase_problems(
    session: Session, settings: Settings, actor: Actor, brief: Brief
) -> dict[str, str]:
    categories = settings.delegation.categories
    if brief.category and brief.category not in categories:
        return {"category": f"Pick one of: {', '.join(categories)}."}
    above = phase_override(session, settings, actor.team_id, brief)
    if above is None:
        return {}
    needed, has = above
    if actor.role != "owner":
        return {
            "category": f"{brief.category} needs trust phase {needed}; <@{brief.assignee_id}> "
            f"is phase {has}. Only an owner can assign it, with a reason."
        }
    if not (brief.override_reason or "").strip():
        return {"override": f"Phase {needed} work for a phase {has} VA: give the reason."}
    return {}


PROMOTION_STREAK = 20


def promotion_candidates(
    session: Session, settings: Settings, team_id: str
) -> list[tuple[str, str, str]]:
    """(VA, current phase, next phase) for each rostered VA whose last PROMOTION_STREAK
    reviewed assignments were all approved without revisions (the SOP's trust phases)."""
    found = []
    for user_id in roster(session, settings, team_id).vas:
        role, phase = role_and_phase(session, settings, team_id, user_id)
        if role != "va" or phase == PHASES[-1]:
            continue
        reviewed = session.exec(
            select(Assignment.state, Assignment.revisions)
            .where(
                Assignment.team_id == team_id,
                Assignment.assignee_id == user_id,
                (Assignment.state == "approved") | (Assignment.revisions > 0),
            )
            .order_by(col(Assignment.created_at).desc())
            .limit(PROMOTION_STREAK)
        ).all()
        clean = all(state == "approved" and revisions == 0 for state, revisions in reviewed)
        if len(reviewed) == PROMOTION_STREAK and clean:
            found.append((user_id, phase, PHASES[PHASES.index(phase) + 1]))
    return found
