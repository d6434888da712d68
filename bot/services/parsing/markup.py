"""A command's words and the Slack markup in them: the subcommand, escaped mentions and
channel links, and the one `#tag` word a command may carry."""

from __future__ import annotations

import re
from collections.abc import Collection

from bot.services.errors import InputError
from bot.services.text import quoted

USER_MENTION_RE = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^<>]*)?>")
CHANNEL_MENTION_RE = re.compile(r"<#([CGD][A-Z0-9]+)(?:\|[^<>]*)?>")
ANGLE_TOKEN_RE = re.compile(r"<[^<>]*>")
# `#word` typed as is (a channel arrives escaped as <#C123|name>): a tag, unless it is a
# number ("Invoice #123").
TAG_RE = re.compile(r"(?<!\S)#([^\s\0]+)")
_NUMBER_WORD_RE = re.compile(r"[\d.,:;!?)]+")


def split_command(text: str) -> tuple[str, str]:
    """Split "add Call Bob" into ("add", "Call Bob"); ("", "") when empty."""
    parts = text.strip().split(maxsplit=1)
    if not parts:
        return "", ""
    return parts[0].lower(), parts[1].strip() if len(parts) > 1 else ""


def extract_user_id(text: str) -> str | None:
    """The user id of the first escaped mention (<@U123|name> or <@U123>) in the text."""
    match = USER_MENTION_RE.search(text)
    return match[1] if match else None


def extract_channel_id(text: str) -> str | None:
    """The channel id of the first escaped channel link (<#C123|name> or <#C123>)."""
    match = CHANNEL_MENTION_RE.search(text)
    return match[1] if match else None


def mask(text: str, start: int, end: int) -> str:
    """Blank out a span (same length) so later patterns skip it."""
    return text[:start] + "\0" * (end - start) + text[end:]


def masked_markup(text: str) -> str:
    """The text with every Slack markup token (<...>) blanked out."""
    for token in ANGLE_TOKEN_RE.finditer(text):
        text = mask(text, *token.span())
    return text


def take_client_word(
    masked: str, client_keys: Collection[str], what: str
) -> tuple[str, str | None, list[tuple[int, int]]]:
    """Take the `#key` words of configured clients out of the masked text: (the text with
    them blanked, the key, their spans). `what` (a task, a contact) has one client."""
    keys = {key.casefold() for key in client_keys}
    key: str | None = None
    spans: list[tuple[int, int]] = []
    for match in TAG_RE.finditer(masked):
        word = match[1].casefold()
        if word not in keys:
            continue
        if key is not None and key != word:
            raise InputError(f"{what} has one client; you wrote #{key} and #{word}.")
        key = word
        spans.append(match.span())
        masked = mask(masked, *match.span())
    return masked, key, spans


def tag_words(masked: str) -> list[tuple[tuple[int, int], str]]:
    """The `#tag` words outside markup (`#` included), with their spans; at most one tag
    is meant."""
    found: list[tuple[tuple[int, int], str]] = []
    for match in TAG_RE.finditer(masked):
        if _NUMBER_WORD_RE.fullmatch(match[1]):
            continue
        if found and found[0][1].casefold() != match[0].casefold():
            raise InputError(
                f"Name one tag; you wrote {quoted(found[0][1])} and {quoted(match[0])}."
            )
        found.append((match.span(), match[0]))
    return found


def take_tag(text: str) -> tuple[str, str | None]:
    """Split a `#tag` word (not a channel link, not a number) off a command's text:
    (the rest, the tag as typed with its `#`, or None)."""
    found = tag_words(masked_markup(text))
    if not found:
        return text, None
    return cut_out(text, [span for span, _word in found]), found[0][1]


def cut_out(text: str, spans: list[tuple[int, int]]) -> str:
    """The text without the spans, its whitespace runs made single spaces."""
    kept: list[str] = []
    position = 0
    for start, end in sorted(spans):
        kept.append(text[position:start])
        position = end
    kept.append(text[position:])
    return " ".join(" ".join(kept).split())


def person_and_channel(
    text: str, what: str, person_role: str, channel_role: str
) -> tuple[str, str | None, str | None, list[tuple[int, int]]]:
    """Slack markup read as options: the one user mention (`person_role`: "assignee",
    "owner") and the one channel link (`channel_role`) of a `what` ("A task"); two
    different ones are refused. Other tokens (links, <!here>) stay verbatim and are
    masked so nothing inside a link label is read as an option. Returns the masked text,
    the user, the channel and the mentions' spans."""
    masked, spans = text, []
    user_id: str | None = None
    channel_id: str | None = None
    for token in ANGLE_TOKEN_RE.finditer(text):
        user, channel = USER_MENTION_RE.fullmatch(token[0]), CHANNEL_MENTION_RE.fullmatch(token[0])
        if user:
            if user_id is not None and user_id != user[1]:
                raise InputError(
                    f"{what} has one {person_role}; you named <@{user_id}> and <@{user[1]}>."
                )
            user_id = user[1]
            spans.append(token.span())
        elif channel:
            if channel_id is not None and channel_id != channel[1]:
                raise InputError(
                    f"{what} has one {channel_role}; you named <#{channel_id}> and <#{channel[1]}>."
                )
            channel_id = channel[1]
            spans.append(token.span())
        masked = mask(masked, *token.span())
    return masked, user_id, channel_id, spans
