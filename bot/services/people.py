"""Workspaces, users and the acting person: roles, time zones, working hours."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot import clock
from bot.services.onboarding_tasks import onboard_new_client
from store.models import Client, User, Workspace
from store.prepared import Prepared, loaded
from store.sql import insert_once, insert_or_ignore

if TYPE_CHECKING:
    from bot.settings import Settings
    from bot.settings.schema import ClientSettings

TIMEZONE_CACHE_TTL = timedelta(hours=24)
# The key of a client VA Desk made for a Slack Connect channel (bot/services/chats.py).
CONNECT_KEY_PREFIX = "connect-"

# Returns Slack's profile of a user ({"tz": ..., "real_name": ...}) or None.
ProfileLookup = Callable[[str], dict[str, Any] | None]


@dataclass(frozen=True)
class Actor:
    """The person a request comes from, with what the SOP rules need to know."""

    team_id: str
    user_id: str
    role: str
    zone: ZoneInfo
    work_start: time
    work_end: time

    @property
    def is_manager(self) -> bool:
        return self.role in ("owner", "supervisor")


def _format_hours(hours: tuple[time, time] | None) -> str | None:
    if hours is None:
        return None
    return f"{hours[0]:%H:%M}-{hours[1]:%H:%M}"


def ensure_workspace(session: Session, settings: Settings, team_id: str) -> Workspace:
    """Create the workspace row on first sight and keep its clients in step with config."""
    workspace = session.get(Workspace, team_id)
    if workspace is None:
        insert_once(session, Workspace(id=team_id, created_at=clock.now()))
        workspace = session.get_one(Workspace, team_id)
    sync_configured_clients(session, settings, team_id)
    return workspace


def _configured_values(configured: ClientSettings) -> dict[str, Any]:
    return {
        "name": configured.name,
        "channel_id": configured.channel,
        "timezone": configured.timezone,
        "business_hours": _format_hours(configured.business_hours),
        "business_days": (
            ",".join(str(d) for d in configured.business_days)
            if configured.business_days is not None
            else None
        ),
    }


def sync_configured_clients(session: Session, settings: Settings, team_id: str) -> None:
    """Make the `[clients]` of the settings rows of the workspace (its row must exist),
    as they are written. Idempotent, and safe when two processes start at once: a row
    another inserted first is kept, and both write the same values. A client added once
    the workspace has clients gets its onboarding tasks (bot/services/onboarding_tasks.py) from
    the one unit of work that stored its row.

    A client no longer in the settings keeps its row, so its tasks and time keep their
    client; only its channel is no longer its (nor is a configured client's channel any
    other row's, a Slack Connect client's included): a task made there is not its."""
    rows = list(
        session.exec(select(Client).where(Client.team_id == team_id).order_by(col(Client.id)))
    )
    known = {row.key: row for row in rows}
    configured_channels = {c.channel: c.key for c in settings.clients if c.channel}
    configured_keys = {c.key for c in settings.clients}
    for row in rows:
        if row.key in configured_keys or row.channel_id is None:
            continue
        retired = not row.key.startswith(CONNECT_KEY_PREFIX)
        if retired or row.channel_id in configured_channels:
            row.channel_id = None
            session.add(row)
    session.flush()
    added = []
    for configured in settings.clients:
        values = _configured_values(configured)
        known_row = known.get(configured.key)
        if known_row is None:
            new_id = insert_or_ignore(
                session,
                Client,
                {"team_id": team_id, "key": configured.key, **values},
                "id",
                conflict_on=("team_id", "key"),
            )
            if new_id is not None:
                added.append((new_id, configured))
        elif any(getattr(known_row, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(known_row, key, value)
            session.add(known_row)
    session.flush()
    if rows:  # the first clients stored are those the agency already had: no onboarding
        for client_id, configured in added:
            onboard_new_client(session, settings, team_id, client_id, configured.owner)


def only_known_workspace(session: Session) -> str | None:
    """The workspace the database knows, when it knows exactly one."""
    known = list(session.exec(select(Workspace.id).limit(2)).all())
    return known[0] if len(known) == 1 else None


def _zone(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _profile_is_stale(user: User | None) -> bool:
    checked = user.timezone_checked_at if user is not None else None
    return checked is None or clock.now() - checked > TIMEZONE_CACHE_TTL


def stale_profiles(
    session: Session, team_id: str, user_ids: list[str]
) -> tuple[list[str], set[str]]:
    """Of these people, those whose Slack profile is unknown or a day old, and of those
    the ones whose profile was never learned (one query)."""
    checked = _profiles_checked(session, team_id, user_ids)
    horizon = clock.now() - TIMEZONE_CACHE_TTL
    stale = [u for u in user_ids if (at := checked.get(u)) is None or at < horizon]
    return stale, {u for u in stale if checked.get(u) is None}


def _profiles_checked(
    session: Session, team_id: str, user_ids: list[str]
) -> dict[str, datetime | None]:
    return dict(
        session.exec(
            select(User.id, User.timezone_checked_at).where(
                User.team_id == team_id, col(User.id).in_(user_ids)
            )
        ).all()
    )


def needs_profile(session: Session, team_id: str, user_id: str) -> bool:
    """Whether Slack should be asked for the user's time zone (unknown, or a day old)."""
    return _profile_is_stale(session.get(User, (team_id, user_id)))


def resolve_actor(
    session: Session,
    settings: Settings,
    team_id: str,
    user_id: str,
    lookup: ProfileLookup | None = None,
) -> Actor:
    """Load (or create) the user, refreshing the Slack time zone once a day."""
    ensure_workspace(session, settings, team_id)
    user = session.get(User, (team_id, user_id))
    if user is None:
        insert_once(session, User(team_id=team_id, id=user_id))
        user = session.get_one(User, (team_id, user_id))
    if lookup is not None and _profile_is_stale(user):
        profile = lookup(user_id)
        if profile is not None:
            user.timezone = profile.get("tz") or user.timezone
            user.display_name = profile.get("real_name") or profile.get("name") or user.display_name
            user.timezone_checked_at = clock.now()
    configured = settings.user_settings(user_id)
    user.role = _role(settings, user_id, user.role_override)
    user.phase = user.phase_override or configured.phase
    hours = configured.working_hours or settings.workspace.business_hours
    user.work_start, user.work_end = f"{hours[0]:%H:%M}", f"{hours[1]:%H:%M}"
    session.add(user)
    session.flush()
    zone = _zone_of(settings, user_id, user.timezone)
    return Actor(
        team_id=team_id,
        user_id=user_id,
        role=user.role,
        zone=zone,
        work_start=hours[0],
        work_end=hours[1],
    )


def user_zone(session: Session, settings: Settings, team_id: str, user_id: str) -> ZoneInfo:
    """The time zone to show a user's times in, without asking Slack."""
    return _user_zone(settings, user_id, session.get(User, (team_id, user_id)))


def _user_zone(settings: Settings, user_id: str, user: User | None) -> ZoneInfo:
    return _zone_of(settings, user_id, user.timezone if user else None)


def _zone_of(settings: Settings, user_id: str, stored: str | None) -> ZoneInfo:
    """The zone Slack gave (stored), else the one configured, else the workspace's."""
    return (
        _zone(stored)
        or _zone(settings.user_settings(user_id).timezone)
        or ZoneInfo(settings.workspace.timezone)
    )


def zones_of(
    session: Session, settings: Settings, team_id: str, user_ids: Iterable[str]
) -> dict[str, ZoneInfo]:
    """Each person's zone (`user_zone`) from one query of their stored zones: placing a
    client chat looks at every VA of the roster, and reading each one's row was half the
    server's CPU on client messages in a profile under bench/chat_bench.py."""
    wanted = sorted(set(user_ids))
    stored = dict(
        session.exec(
            select(User.id, User.timezone).where(User.team_id == team_id, col(User.id).in_(wanted))
        ).all()
    )
    return {user_id: _zone_of(settings, user_id, stored.get(user_id)) for user_id in wanted}


def zones_and_names(
    session: Session, settings: Settings, team_id: str, user_ids: Iterable[str]
) -> dict[str, tuple[ZoneInfo, str]]:
    """Each person's zone (`user_zone`) and name (`display_name`) in one query, for a
    service that reads thousands of rows of a few people."""
    wanted = sorted(set(user_ids))
    users = {
        user.id: user
        for user in session.exec(
            select(User).where(User.team_id == team_id, col(User.id).in_(wanted))
        )
    }
    found = {}
    for user_id in wanted:
        user = users.get(user_id)
        name = (user.display_name if user and user.display_name else None) or user_id
        found[user_id] = (_user_zone(settings, user_id, user), name)
    return found


def _role(settings: Settings, user_id: str, role_override: str | None) -> str:
    """An owner's change in Slack (`/role`) over vadesk.toml's `[roles]`."""
    return role_override or settings.roles.role_of(user_id)


@dataclass(frozen=True)
class Roster:
    """Who holds each role: vadesk.toml's `[roles]` with the changes an owner made in
    Slack (`/role`) over it. Everything that asks "who are the VAs" or "is this person
    on the team" asks this, so a role given in Slack counts wherever roles do."""

    owners: tuple[str, ...]
    supervisors: tuple[str, ...]
    vas: tuple[str, ...]

    @property
    def everyone(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys([*self.vas, *self.supervisors, *self.owners]))

    def __contains__(self, user_id: object) -> bool:
        return user_id in self.everyone

    def members(self, role: str) -> tuple[str, ...]:
        """The people of a role by its plural name (`owners`, `supervisors`, `vas`)."""
        return {"owners": self.owners, "supervisors": self.supervisors, "vas": self.vas}[role]


def roster(session: Session, settings: Settings, team_id: str) -> Roster:
    """The team's roster in the workspace: one query for the roles set in Slack."""
    changed = dict(
        session.exec(
            select(User.id, User.role_override).where(
                User.team_id == team_id, col(User.role_override).is_not(None)
            )
        ).all()
    )
    configured = settings.roles

    def holding(role: str, listed: tuple[str, ...]) -> tuple[str, ...]:
        kept = [user_id for user_id in listed if changed.get(user_id, role) == role]
        given = sorted(u for u, r in changed.items() if r == role and u not in kept)
        return tuple(dict.fromkeys([*kept, *given]))

    return Roster(
        owners=holding("owner", configured.owners),
        supervisors=holding("supervisor", configured.supervisors),
        vas=holding("va", configured.vas),
    )


def role_and_phase(
    session: Session, settings: Settings, team_id: str, user_id: str
) -> tuple[str, str]:
    """A person's role and trust phase: an owner's change in Slack, else vadesk.toml."""
    user = session.get(User, (team_id, user_id))
    role = _role(settings, user_id, user.role_override if user else None)
    phase = (user.phase_override if user else None) or settings.user_settings(user_id).phase
    return role, phase


def display_name(session: Session, team_id: str, user_id: str | None) -> str:
    if not user_id:
        return ""
    user = session.get(User, (team_id, user_id))
    return (user.display_name if user and user.display_name else None) or user_id


_CLIENTS = Client.__table__  # type: ignore[attr-defined]
# Built once: every new task (and `/timer start <text>`) asks whose channel it was made in.
_CLIENT_OF_CHANNEL = Prepared(
    sa.select(*_CLIENTS.c).where(
        _CLIENTS.c.team_id == sa.bindparam("team"), _CLIENTS.c.channel_id == sa.bindparam("channel")
    )
)


def client_for_channel(session: Session, team_id: str, channel_id: str | None) -> Client | None:
    if not channel_id:
        return None
    row = _CLIENT_OF_CHANNEL.first(session, {"team": team_id, "channel": channel_id})
    return None if row is None else loaded(session, Client, row._asdict())


def list_clients(session: Session, team_id: str) -> list[Client]:
    return list(session.exec(select(Client).where(Client.team_id == team_id).order_by(Client.name)))
