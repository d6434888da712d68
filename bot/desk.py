"""What every handler needs: settings, the database, and who is asking."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.config import Settings
from bot.services.people import Actor, ProfileLookup, resolve_actor
from store.db import session_scope

logger = logging.getLogger(__name__)


def profile_lookup(client: WebClient) -> ProfileLookup:
    """users.info as the people service wants it; a failure leaves the cached zone."""

    def lookup(user_id: str) -> dict | None:
        try:
            return client.users_info(user=user_id).get("user")
        except SlackApiError as error:
            logger.warning("users.info failed for %s: %s", user_id, error.response.get("error"))
            return None

    return lookup


@dataclass
class Desk:
    settings: Settings
    engine: Engine

    @contextmanager
    def session(self) -> Iterator[Session]:
        with session_scope(self.engine) as session:
            yield session

    def actor(self, session: Session, team_id: str, user_id: str, client: WebClient) -> Actor:
        return resolve_actor(session, self.settings, team_id, user_id, profile_lookup(client))

    @property
    def max_entry_hours(self) -> float:
        return self.settings.timers.max_entry_hours
