"""Tags (SOP: tag every contact with the taxonomy before a transfer).

The taxonomy is `[tags]` in the settings: labels "Category – Subcategory". A tag written
by a person is the label itself (any case) or its slug (`lead-hot-prospect`: lowercase,
everything else collapsed to `-`), so it can be typed after `#` in a command. An unknown
tag is refused with the valid ones.

What gets tagged: a client contact (a Slack user; each tagging adds a row, the latest is
the contact's tag), a task (`Task.tag`, audited), and the open conversation a message
belongs to (`Conversation.tag`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from bot import clock
from bot.services import audit
from bot.services.access import check_may_change_task
from bot.services.chats import contact_tag as contact_tag  # the contact's latest tag
from bot.services.chats import on_the_team
from bot.services.errors import FieldErrors, InputError, VADeskError
from bot.services.parsing import parse_task_id
from bot.services.people import Actor
from bot.services.rows import saved_id
from bot.services.tasks import get_task
from bot.services.text import escape, quoted
from store.models import ContactTag, Conversation, ConversationEvent, Task

if TYPE_CHECKING:
    from bot.settings import Settings

# A tag is shown as "Category – Subcategory" (an en dash between spaces).
TAG_SEPARATOR = " – "
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
# The SOP's examples of the contact taxonomy, used when the file has no [tags].
DEFAULT_TAGS: dict[str, tuple[str, ...]] = {
    "Lead": ("Hot Prospect", "Cold Lead"),
    "Client": ("Onboarding", "Active"),
    "Support": ("Technical Issue",),
    "Billing": ("Payment Question",),
}

# The valid tags are named in a refusal; a taxonomy of hundreds stops naming them here.
LISTED_IN_REFUSAL = 40


def tag_slug(text: str) -> str:
    """`Lead – Hot Prospect` -> `lead-hot-prospect`: what can be typed after `#`."""
    return _NOT_SLUG.sub("-", text.casefold()).strip("-")


def tags_in_effect(taxonomy: dict[str, tuple[str, ...]] | None) -> tuple[str, ...]:
    """Every "Category – Subcategory" of the taxonomy, in the file's order."""
    categories = DEFAULT_TAGS if taxonomy is None else taxonomy
    return tuple(
        f"{category}{TAG_SEPARATOR}{sub}" for category, subs in categories.items() for sub in subs
    )


def category_of(tag: str) -> str:
    return tag.split(TAG_SEPARATOR, 1)[0]


def categories(tags: tuple[str, ...]) -> dict[str, list[str]]:
    """The taxonomy by category, in the settings' order: {category: [tag, ...]}."""
    grouped: dict[str, list[str]] = {}
    for tag in tags:
        grouped.setdefault(category_of(tag), []).append(tag)
    return grouped


def tag_list_text(tags: tuple[str, ...], limit: int | None = None) -> str:
    """`Lead – Hot Prospect (#lead-hot-prospect), …` for replies in mrkdwn."""
    if not tags:
        return "none (an owner adds them under `[tags]` in vadesk.toml)"
    shown = tags if limit is None else tags[:limit]
    text = ", ".join(f"{escape(tag)} (`#{tag_slug(tag)}`)" for tag in shown)
    if len(shown) < len(tags):
        text += f" and {len(tags) - len(shown)} more (`/task help` lists them all)"
    return text


def resolve_tag(tags: tuple[str, ...], written: str) -> str:
    """The label of the taxonomy a person meant: the label itself in any case, or its slug
    (with or without a leading `#`). Anything else is refused with the valid tags."""
    text = written.strip()
    bare = text[1:] if text.startswith("#") else text
    for tag in tags:
        if bare.casefold() == tag.casefold():
            return tag
    slug = tag_slug(bare)
    if slug:
        for tag in tags:
            if tag_slug(tag) == slug:
                return tag
    if not bare:
        raise InputError(f"Pick a tag. Tags: {tag_list_text(tags, LISTED_IN_REFUSAL)}.")
    raise InputError(
        f"There is no tag {quoted(text)}. Tags: {tag_list_text(tags, LISTED_IN_REFUSAL)}."
    )


def check_contact(
    session: Session, settings: Settings, team_id: str, user_id: str | None, bot: bool
) -> str:
    """The client contact behind a message: a person, not a bot, not on the team."""
    if bot or not user_id:
        raise InputError(
            "That message was posted by an app, not a client contact; tag a message a client wrote."
        )
    if on_the_team(session, settings, team_id, user_id):
        raise InputError(
            f"<@{user_id}> is on the team, not a client contact; tag a message a client wrote."
        )
    return user_id


def tag_contact(
    session: Session,
    actor: Actor,
    contact_id: str,
    tag: str,
    channel_id: str | None = None,
    message_ts: str | None = None,
) -> ContactTag:
    """Give a contact a tag; the earlier ones stay as its history."""
    row = ContactTag(
        team_id=actor.team_id,
        contact_id=contact_id,
        tag=tag,
        tagged_by=actor.user_id,
        tagged_at=clock.now(),
        channel_id=channel_id,
        message_ts=message_ts,
    )
    session.add(row)
    session.flush()
    return row


def tag_task(session: Session, actor: Actor, number: int, tag: str) -> Task:
    """Set a task's tag, as its assignee, creator or a manager may; the change is audited."""
    task = get_task(session, actor.team_id, number, for_update=True)
    check_may_change_task(actor, task)
    if task.tag != tag:
        old = task.tag
        task.tag, task.updated_at = tag, clock.now()
        session.add(task)
        audit.record(session, actor, "task", saved_id(task), "tag", {"tag": old}, {"tag": tag})
    return task


def open_conversation_of(
    session: Session, team_id: str, channel_id: str, ts: str, thread_ts: str | None
) -> Conversation | None:
    """The open conversation a message belongs to: the one of its thread, else the oldest
    open one in its channel."""
    open_here = (
        Conversation.team_id == team_id,
        Conversation.channel_id == channel_id,
        col(Conversation.closed_at).is_(None),
    )
    threads = {ts, thread_ts} - {None}
    same_thread = session.exec(
        select(Conversation)
        .where(*open_here, col(Conversation.thread_ts).in_(threads))
        .order_by(col(Conversation.opened_at), col(Conversation.id))
        .with_for_update()
    ).first()
    if same_thread is not None:
        return same_thread
    return session.exec(
        select(Conversation)
        .where(*open_here)
        .order_by(col(Conversation.opened_at), col(Conversation.id))
        .limit(1)
        .with_for_update()
    ).first()


def tag_conversation(
    session: Session, actor: Actor, conversation: Conversation, tag: str
) -> Conversation:
    if conversation.tag != tag:
        conversation.tag = tag
        session.add(conversation)
        session.add(
            ConversationEvent(
                conversation_id=saved_id(conversation),
                kind="tagged",
                at=clock.now(),
                actor_id=actor.user_id,
                note=tag,
            )
        )
    return conversation


@dataclass(frozen=True)
class MessageTagged:
    """What tagging from a message changed."""

    tag: str
    contact_id: str
    conversation: Conversation | None
    task: Task | None


def tag_from_message(
    session: Session,
    settings: Settings,
    actor: Actor,
    *,
    contact_id: str,
    channel_id: str,
    message_ts: str,
    thread_ts: str | None,
    written_tag: str | None,
    task_ref: str | None,
) -> MessageTagged:
    """The **Tag contact** form: the message's author, the open conversation it belongs
    to, and the task if one is named, all get the tag in one unit of work. A refusal
    names its field (`tag`, `task`) and changes nothing."""
    try:
        tag = resolve_tag(settings.tags, written_tag or "")
    except InputError as refusal:
        raise FieldErrors({"tag": refusal.message}) from None
    check_contact(session, settings, actor.team_id, contact_id, bot=False)
    task = None
    if task_ref and task_ref.strip():
        try:
            task = tag_task(session, actor, parse_task_id(task_ref), tag)
        except VADeskError as refusal:
            raise FieldErrors({"task": refusal.message}) from None
    tag_contact(session, actor, contact_id, tag, channel_id, message_ts)
    conversation = open_conversation_of(session, actor.team_id, channel_id, message_ts, thread_ts)
    if conversation is not None:
        tag_conversation(session, actor, conversation, tag)
    return MessageTagged(tag, contact_id, conversation, task)
