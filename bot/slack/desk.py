"""What every handler needs: settings, the database, who is asking, and App Home publishing."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

import sqlalchemy as sa
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import ORMExecuteState
from sqlmodel import Session, col

from bot.services.people import Actor, ProfileLookup, needs_profile, resolve_actor
from bot.settings import Settings
from bot.slack.home_publisher import HomePublisher
from bot.slack.response_urls import ResponseUrlSender
from bot.slack.shared_channels import SharedChannels
from store.db import session_scope
from store.models import User
from store.prepared import SESSION_WROTE
from store.sql import is_sqlite

logger = logging.getLogger(__name__)

# Whether the request being answered has saved something yet: a failure after that must
# not tell the person "nothing was saved" (see handlers.failures). Each listener run starts
# with False (`handlers.failures.guarded`); `Desk.session` sets it when a commit wrote rows.
request_saved: ContextVar[bool] = ContextVar("vadesk_request_saved", default=False)

_ROLE_OVERRIDE = sa.select(col(User.role_override)).where(
    col(User.team_id) == sa.bindparam("team_id"), col(User.id) == sa.bindparam("user_id")
)

# How long a resolved person is reused before the database (and, daily, Slack) is asked again.
ACTOR_CACHE_SECONDS = 300.0


# Set in a session's info when it flushed rows or sent an INSERT, UPDATE or DELETE of
# its own (the hot paths write with Core and prepared statements, which flush nothing;
# store.prepared sets it for the latter). Listened for once on the Session class rather
# than added to each request's session.
_WROTE = SESSION_WROTE


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _context: object) -> None:
    session.info[_WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _executed(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_WROTE] = True


def profile_lookup(client: WebClient) -> ProfileLookup:
    """users.info as the people service wants it; a failure leaves the cached zone."""

    def lookup(user_id: str) -> dict | None:
        try:
            return client.users_info(user=user_id).get("user")
        except SlackApiError as error:
            logger.warning("users.info failed for %s: %s", user_id, error.response.get("error"))
            return None
        except OSError as error:
            logger.warning("users.info unreachable for %s: %s", user_id, error)
            return None

    return lookup


def fresh_actor(
    engine: Engine, settings: Settings, team_id: str, user_id: str, client: WebClient
) -> Actor:
    """Resolve (and store) a person, asking Slack for their profile when a day old.
    Slack is asked between transactions: SQLite's writer lock is never held across a call."""
    with session_scope(engine) as session:
        stale = needs_profile(session, team_id, user_id)
    profile = profile_lookup(client)(user_id) if stale else None
    with session_scope(engine) as session:
        return resolve_actor(
            session,
            settings,
            team_id,
            user_id,
            (lambda _user_id: profile) if profile is not None else None,
        )


@dataclass
class Desk:
    settings: Settings
    engine: Engine
    homes: HomePublisher | None = None
    replies: ResponseUrlSender = field(default_factory=ResponseUrlSender)
    shared_channels: SharedChannels = field(default_factory=SharedChannels)
    _actors: dict[tuple[str, str], tuple[Actor, float, str | None]] = field(default_factory=dict)
    _actors_lock: threading.Lock = field(default_factory=threading.Lock)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One unit of work for a request; once it commits rows, the request has saved."""
        with session_scope(self.engine) as session:
            yield session
        if session.info.get(_WROTE):
            request_saved.set(True)

    def actor(self, team_id: str, user_id: str, client: WebClient) -> Actor:
        """The person behind a request, resolved (and stored, in a unit of work of its own)
        at most every few minutes per process.

        On PostgreSQL several processes serve requests, and a role changed through one of
        them (`/role`) must hold in the others at once: a cached person is reused only
        while their role override in the database is the one they were resolved with (one
        primary-key read). SQLite is served by one process, which forgets the person itself
        when it changes their role (`forget_actor`)."""
        key = (team_id, user_id)
        with self._actors_lock:
            cached = self._actors.get(key)
        fresh = cached is not None and time.monotonic() - cached[1] < ACTOR_CACHE_SECONDS
        if (
            cached is not None
            and fresh
            and (self._one_process or self._role_override(key) == cached[2])
        ):
            return cached[0]
        actor = fresh_actor(self.engine, self.settings, team_id, user_id, client)
        override = None if self._one_process else self._role_override(key)
        with self._actors_lock:
            self._actors[key] = (actor, time.monotonic(), override)
        return actor

    @property
    def _one_process(self) -> bool:
        return is_sqlite(self.engine)

    def _role_override(self, key: tuple[str, str]) -> str | None:
        with self.engine.connect() as connection:
            return connection.execute(
                _ROLE_OVERRIDE, {"team_id": key[0], "user_id": key[1]}
            ).scalar()

    def forget_actor(self, team_id: str, user_id: str) -> None:
        """Resolve this person afresh on their next request (their role changed)."""
        with self._actors_lock:
            self._actors.pop((team_id, user_id), None)

    def refresh_homes(self, team_id: str, user_ids: Iterable[str | None]) -> None:
        """Have the App Home of these users published again with the current state."""
        if self.homes is not None:
            self.homes.mark_stale(team_id, user_ids)

    def reply(self, response_url: str | None, text: str, blocks: list | None = None) -> None:
        """Answer a command privately (ephemeral) through its response URL."""
        if not response_url:
            logger.warning("no response URL to answer with (a reply of %d characters)", len(text))
            return
        message: dict = {"text": text, "response_type": "ephemeral"}
        if blocks:
            message["blocks"] = [b if isinstance(b, dict) else b.to_dict() for b in blocks]
        self.replies.send(response_url, message)

    @property
    def max_entry_hours(self) -> float:
        return self.settings.timers.max_entry_hours
