"""The brief a supervisor or owner delegates with: the VA, a title, a clearly defined
objective, the deliverables, a deadline, resources as links, a category within the VA's
trust phase (or an owner's reason), and whether it recurs. Assigning it makes the task."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from sqlmodel import Session

from bot import clock
from bot.services.delegation.assignments import record_event
from bot.services.delegation.phases import phase_override, phase_problems
from bot.services.delegation.recurrence import RECURRENCES
from bot.services.errors import FieldErrors, PermissionDenied
from bot.services.people import Actor, role_and_phase
from bot.services.rows import saved_id
from bot.services.tasks import NewTask, create_task
from bot.services.text import NOTES_LIMIT, day_text
from store.models import Assignment

if TYPE_CHECKING:
    from bot.settings import Settings

URL_RE = re.compile(r"^https?://\S+$")
TITLE_LIMIT = 500


@dataclass(frozen=True)
class Brief:
    assignee_id: str | None
    title: str | None
    objective: str | None
    deliverables: str | None
    deadline: date | None
    resources: str | None = None
    category: str | None = None
    override_reason: str | None = None  # an owner assigning above the VA's phase
    recurrence: str | None = "none"


def resource_links(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _brief_problems(
    session: Session, settings: Settings, actor: Actor, brief: Brief
) -> dict[str, str]:
    """Every field that is wrong, with what to do about it."""
    errors: dict[str, str] = {}
    today = clock.now().astimezone(actor.zone).date()
    if not brief.assignee_id:
        errors["assignee"] = "Pick the VA who does it."
    elif role_and_phase(session, settings, actor.team_id, brief.assignee_id)[0] != "va":
        errors["assignee"] = "Work is delegated to a VA; this person is a supervisor or owner."
    elif brief.assignee_id == actor.user_id:
        errors["assignee"] = "Pick someone other than yourself."
    if not (brief.title or "").strip():
        errors["title"] = "Give the task a title."
    elif len(brief.title or "") > TITLE_LIMIT:
        errors["title"] = f"At most {TITLE_LIMIT} characters."
    if not (brief.objective or "").strip():
        errors["objective"] = "Say what the work is for: a clearly defined objective."
    if not (brief.deliverables or "").strip():
        errors["deliverables"] = "Say what you expect back."
    if brief.deadline is None:
        errors["deadline"] = "Pick a deadline."
    elif brief.deadline < today:
        errors["deadline"] = f"{day_text(brief.deadline)} has passed; pick today or later."
    errors.update(phase_problems(session, settings, actor, brief))
    if (brief.recurrence or "none") not in RECURRENCES:
        errors["recurrence"] = f"Pick one of: {', '.join(RECURRENCES)}."
    bad = [link for link in resource_links(brief.resources) if not URL_RE.match(link)]
    if bad:
        errors["resources"] = f"One link per line, each starting with https:// ({bad[0][:40]})."
    return errors


@dataclass(frozen=True)
class _Checked:
    """A brief whose every field passed: the required ones there, stripped."""

    assignee_id: str
    title: str
    objective: str
    deliverables: str
    deadline: date


def _checked_brief(session: Session, settings: Settings, actor: Actor, brief: Brief) -> _Checked:
    """The brief as it is stored, or FieldErrors naming every field that is wrong."""
    errors = _brief_problems(session, settings, actor, brief)
    # A missing VA or deadline is among the errors; naming them again narrows the types.
    if errors or not brief.assignee_id or brief.deadline is None:
        raise FieldErrors(errors)
    return _Checked(
        assignee_id=brief.assignee_id,
        title=(brief.title or "").strip(),
        objective=(brief.objective or "").strip(),
        deliverables=(brief.deliverables or "").strip(),
        deadline=brief.deadline,
    )


def assign(session: Session, settings: Settings, actor: Actor, brief: Brief) -> Assignment:
    """Create the task and its assignment; only supervisors and owners delegate."""
    if not actor.is_manager:
        raise PermissionDenied("Supervisors and owners assign work; ask one of them.")
    checked = _checked_brief(session, settings, actor, brief)
    task = create_task(
        session,
        actor,
        NewTask(
            title=checked.title,
            description=checked.objective[:NOTES_LIMIT],
            assignee_id=checked.assignee_id,
            due=checked.deadline,
            category=(brief.category or "").strip() or None,
        ),
    )
    now = clock.now()
    assignment = Assignment(
        team_id=actor.team_id,
        task_id=saved_id(task),
        assigner_id=actor.user_id,
        assignee_id=checked.assignee_id,
        objective=checked.objective,
        deliverables=checked.deliverables,
        resources="\n".join(resource_links(brief.resources)) or None,
        deadline=checked.deadline,
        recurrence=brief.recurrence or "none",
        created_at=now,
    )
    session.add(assignment)
    session.flush()
    above = phase_override(session, settings, actor.team_id, brief)
    note: str | None = None
    if above is not None:
        reason = (brief.override_reason or "").strip()  # phase_problems required it
        note = f"override: phase {above[0]} work for a phase {above[1]} VA: {reason}"
    record_event(session, assignment, actor, "assign", "assigned", "assigned", note)
    return assignment
