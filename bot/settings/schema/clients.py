"""`[clients.<key>]`: each client's name, channel and own schedule (how their time is
billed is `[billing]`'s, in `billing`)."""

from __future__ import annotations

import re
from typing import Annotated, Any, TypeAlias
from zoneinfo import ZoneInfo

from pydantic import BeforeValidator, StrictBool, WithJsonSchema

from bot.services.billing.terms import INCREMENTS
from bot.settings.schema.fields import (
    ChannelId,
    Days,
    Hours,
    Section,
    TimeZoneName,
    UserId,
    describe,
    refuse,
    text_of_at_most,
    text_schema,
)

CLIENT_KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
# What the database stores (store/models/people.py); a longer value could not be saved.
MAX_CLIENT_KEY_CHARS = 64
MAX_CLIENT_NAME_CHARS = 200
ROUNDING_CHOICES = INCREMENTS


def _client_key(value: Any) -> str:
    if not isinstance(value, str) or not CLIENT_KEY_RE.match(value):
        raise refuse(
            "a client key must be lowercase letters, digits, '-' or '_' "
            "(starting with a letter or digit)"
        )
    if len(value) > MAX_CLIENT_KEY_CHARS:
        raise refuse(f"a client key must be at most {MAX_CLIENT_KEY_CHARS} characters")
    return value


def _rounding(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value not in ROUNDING_CHOICES:
        choices = ", ".join(str(choice) for choice in ROUNDING_CHOICES)
        raise refuse(f"must be one of {choices} (0 = no rounding), got {describe(value)}")
    return value


ClientKey: TypeAlias = Annotated[
    str, BeforeValidator(_client_key), text_schema(CLIENT_KEY_RE.pattern, "client key")
]
ClientName: TypeAlias = Annotated[
    str,
    BeforeValidator(text_of_at_most(MAX_CLIENT_NAME_CHARS, "what VA Desk stores")),
    WithJsonSchema({"type": "string", "minLength": 1, "maxLength": MAX_CLIENT_NAME_CHARS}),
]
RoundingMinutes: TypeAlias = Annotated[
    int, BeforeValidator(_rounding), WithJsonSchema({"enum": list(ROUNDING_CHOICES)})
]


class ClientEntry(Section):
    """One client as `[clients.<key>]` writes it; schedule fields fall back to the workspace's."""

    name: ClientName
    channel: ChannelId | None = None
    timezone: TimeZoneName | None = None
    business_hours: Hours | None = None
    business_days: Days | None = None
    csat: StrictBool = False  # ask the client channel "How did we do?" when a task is done
    # The VA who keeps the client: a client added to the file gets its onboarding tasks
    # assigned to them (unassigned without one).
    owner: UserId | None = None


class ClientSettings(ClientEntry):
    """A client with its key (the name of its table)."""

    key: ClientKey

    @property
    def zone(self) -> ZoneInfo | None:
        """The client's own time zone, or None to use the workspace's."""
        return ZoneInfo(self.timezone) if self.timezone else None
