"""The `/contact add` grammar: `<name> [#client|#channel] [@owner] [#tag]`, the options
anywhere in the text, the rest the contact's name."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from bot.services.errors import InputError
from bot.services.parsing.markup import (
    cut_out,
    person_and_channel,
    tag_words,
    take_client_word,
)
from bot.services.text import escape

CONTACT_ADD_GRAMMAR = "/contact add <name> [#client] [@owner] [#tag]"


@dataclass(frozen=True)
class ContactDraft:
    """What `/contact add` understood, before the service checks and stores it."""

    name: str
    client_key: str | None = None  # a `#word` that is a configured client's key
    channel_id: str | None = None  # a client's channel named with `#`
    owner_id: str | None = None
    tag: str | None = None  # `#word` as typed; bot/services/tags.py resolves it


def parse_contact_add(text: str, *, client_keys: Collection[str] = ()) -> ContactDraft:
    """Read `<name> [#client|#channel] [@owner] [#tag]`. A mention is the owner, a
    channel link names the client by its channel; other Slack markup stays in the name."""
    masked, owner_id, channel_id, spans = person_and_channel(text, "A contact", "owner", "client")
    masked, client_key, client_spans = take_client_word(masked, client_keys, "A contact")
    tags = tag_words(masked)
    name = cut_out(text, spans + client_spans + [span for span, _word in tags])
    if not name:
        raise InputError(f"Give the contact a name: {escape(CONTACT_ADD_GRAMMAR)}")
    return ContactDraft(
        name=name,
        client_key=client_key,
        channel_id=channel_id,
        owner_id=owner_id,
        tag=tags[0][1] if tags else None,
    )
