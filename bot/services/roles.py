"""Roles and trust phases changed in Slack by an owner (`/role`): stored over what
vadesk.toml says (which stays the starting roster), each change in the audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlmodel import Session, select

from bot.services import audit
from bot.services.delegation import PHASES
from bot.services.errors import InputError, PermissionDenied
from bot.services.people import Actor, ensure_workspace, role_and_phase
from store.models import User

if TYPE_CHECKING:
    from bot.settings import Settings

ROLES = ("owner", "supervisor", "va")


@dataclass(frozen=True)
class Person:
    user_id: str
    role: str
    phase: str
    set_in_slack: bool


def _owner_only(actor: Actor) -> None:
    if actor.role != "owner":
        raise PermissionDenied("Only an owner changes roles and trust phases; nothing changed.")


def _person_row(session: Session, settings: Settings, team_id: str, user_id: str) -> User:
    ensure_workspace(session, settings, team_id)
    user = session.get(User, (team_id, user_id))
    if user is None:
        user = User(team_id=team_id, id=user_id)
        session.add(user)
        session.flush()
    return user


def _change(
    session: Session, settings: Settings, actor: Actor, user_id: str, what: str, value: str
) -> str:
    """Store a role or phase over the settings, audited; the value it replaced."""
    role, phase = role_and_phase(session, settings, actor.team_id, user_id)
    before = role if what == "role" else phase
    user = _person_row(session, settings, actor.team_id, user_id)
    setattr(user, f"{what}_override", value)
    setattr(user, what, value)
    session.add(user)
    audit.record(
        session,
        actor,
        "person",
        0,
        what,
        {"user": user_id, what: before},
        {"user": user_id, what: value},
    )
    return before


def set_role(session: Session, settings: Settings, actor: Actor, user_id: str, role: str) -> str:
    _owner_only(actor)
    role = role.strip().lower()
    if role not in ROLES:
        raise InputError(f"A role is one of {', '.join(ROLES)}.")
    if user_id == actor.user_id and role != "owner":
        raise InputError("You cannot step down yourself; another owner can change your role.")
    before = _change(session, settings, actor, user_id, "role", role)
    return f"<@{user_id}> is now {'an' if role == 'owner' else 'a'} {role} (was {before})."


def set_phase(session: Session, settings: Settings, actor: Actor, user_id: str, phase: str) -> str:
    _owner_only(actor)
    phase = phase.strip().upper()
    if phase not in PHASES:
        raise InputError(f"A trust phase is {', '.join(PHASES)}.")
    before = _change(session, settings, actor, user_id, "phase", phase)
    return f"<@{user_id}> is now in trust phase {phase} (was {before})."


def team(session: Session, settings: Settings, team_id: str) -> list[Person]:
    """Everyone on the roster or known to VA Desk, with their role and phase."""
    roles = settings.roles
    known = {u.id: u for u in session.exec(select(User).where(User.team_id == team_id))}
    everyone = dict.fromkeys([*roles.owners, *roles.supervisors, *roles.vas, *sorted(known)])
    people = []
    for user_id in everyone:
        role, phase = role_and_phase(session, settings, team_id, user_id)
        row = known.get(user_id)
        overridden = bool(row and (row.role_override or row.phase_override))
        people.append(Person(user_id, role, phase, overridden))
    return people
