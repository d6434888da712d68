"""Block Kit for client chats: the DM to the VA who holds one (Resolve, Asynchronous
request, Transfer), the queue post in the supervisor channel, near-breach DMs, breach
posts, and the Client chats section of the App Home (Resolve, Claim)."""

from __future__ import annotations

import json
from datetime import datetime

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    SectionBlock,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.services.chats import target_due
from bot.services.text import escape, time_token
from store.models import Conversation

RESOLVE_ACTION = "chat_resolve"
CLAIM_ACTION = "chat_claim"
ASYNC_ACTION = "chat_async"
TRANSFER_ACTION = "chat_transfer"
TRANSFER_CALLBACK = "chat_transfer"
HOME_CHAT_LIMIT = 10


def where(conversation: Conversation, client_name: str) -> str:
    """The client and a link to the message that opened the conversation."""
    name = f"*{escape(client_name)}*"
    if conversation.permalink:
        return f"{name} (<{conversation.permalink}|open the message>)"
    return f"{name} in <#{conversation.channel_id}>"


def target_words(conversation: Conversation) -> str:
    kind = "acknowledgment" if conversation.asynchronous else "first response"
    return f"{kind} due {time_token(target_due(conversation))}"


def _buttons(conversation: Conversation, with_transfer: bool = True) -> ActionsBlock:
    value = str(conversation.id)
    elements = [
        ButtonElement(text="Resolve", action_id=RESOLVE_ACTION, value=value, style="primary")
    ]
    if conversation.first_response_at is None and not conversation.asynchronous:
        elements.append(
            ButtonElement(text="Asynchronous request", action_id=ASYNC_ACTION, value=value)
        )
    if with_transfer:
        elements.append(ButtonElement(text="Transfer", action_id=TRANSFER_ACTION, value=value))
    return ActionsBlock(block_id=f"chat_{conversation.id}", elements=elements)


def assigned_text(conversation: Conversation, client_name: str, how: str = "assigned") -> str:
    opened = time_token(conversation.opened_at)
    lead = "You claimed" if how == "claimed" else "New client chat for you:"
    if how == "transferred":
        lead = "A client chat was transferred to you:"
    state = "answered" if conversation.first_response_at is not None else target_words(conversation)
    return f"{lead} {where(conversation, client_name)}, opened {opened}; {state}."


def assigned_blocks(conversation: Conversation, client_name: str, how: str = "assigned") -> list:
    return [
        SectionBlock(text=MarkdownTextObject(text=assigned_text(conversation, client_name, how))),
        _buttons(conversation),
    ]


def resolved_text(conversation: Conversation, client_name: str) -> str:
    return (
        f"Resolved: {where(conversation, client_name)} by <@{conversation.closed_by}> "
        f"{time_token(conversation.closed_at)}."
    )


def _with_claim(conversation: Conversation, client_name: str, since: datetime) -> SectionBlock:
    """A waiting conversation, with Claim."""
    return SectionBlock(
        text=MarkdownTextObject(
            text=f"{where(conversation, client_name)} · waiting since {time_token(since)} · "
            f"{target_words(conversation)}"
        ),
        accessory=ButtonElement(text="Claim", action_id=CLAIM_ACTION, value=str(conversation.id)),
    )


QUEUE_POST_LIMIT = 20  # conversations listed with Claim in one queue post


def queue_post(
    conversations: list[Conversation], client_names: dict[int, str], cap: int
) -> tuple[str, list]:
    """The supervisor channel's post about chats newly queued: each with Claim."""

    def name(conversation: Conversation) -> str:
        return client_names.get(conversation.client_id or 0, conversation.channel_id)

    count = len(conversations)
    lead = "A client chat is" if count == 1 else f"{count} client chats are"
    text = (
        f":hourglass: {lead} waiting: no VA on shift has room (at most {cap} open chats "
        "each). Waiting chats show with *Claim* on every VA's App Home."
    )
    blocks: list = [SectionBlock(text=MarkdownTextObject(text=text))]
    for conversation in conversations[:QUEUE_POST_LIMIT]:
        blocks.append(_with_claim(conversation, name(conversation), conversation.opened_at))
    if count > QUEUE_POST_LIMIT:
        more = count - QUEUE_POST_LIMIT
        blocks.append(
            ContextBlock(elements=[MarkdownTextObject(text=f"{more} more: see the App Home")])
        )
    lines = [text] + [f"• {where(c, name(c))}" for c in conversations[:QUEUE_POST_LIMIT]]
    return "\n".join(lines), blocks


def near_breach_text(conversation: Conversation, client_name: str, waited_minutes: float) -> str:
    return (
        f":warning: {where(conversation, client_name)} has waited {waited_minutes:.0f} "
        f"business minutes; {target_words(conversation)}."
    )


def breach_text(conversation: Conversation, client_name: str) -> str:
    holder = (
        f"held by <@{conversation.assignee_id}>" if conversation.assignee_id else "still queued"
    )
    kind = "acknowledgment" if conversation.asynchronous else "first-response"
    return (
        f":rotating_light: {where(conversation, client_name)} passed its {kind} target "
        f"({time_token(target_due(conversation))}) with no reply; {holder}."
    )


def breaches_text(conversations: list[Conversation], client_names: dict[int, str]) -> str:
    """One post for the breaches one sweep found (one line each when several)."""

    def name(conversation: Conversation) -> str:
        return client_names.get(conversation.client_id or 0, conversation.channel_id)

    if len(conversations) == 1:
        return breach_text(conversations[0], name(conversations[0]))
    lines = [f":rotating_light: {len(conversations)} client chats passed their target:"]
    lines += [
        "• " + breach_text(c, name(c)).removeprefix(":rotating_light: ") for c in conversations
    ]
    return "\n".join(lines)


def transfer_modal(conversation: Conversation, client_name: str) -> View:
    return View(
        type="modal",
        callback_id=TRANSFER_CALLBACK,
        private_metadata=json.dumps({"conversation": conversation.id}),
        title="Transfer client chat",
        submit="Transfer",
        close="Cancel",
        blocks=[
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"{where(conversation, client_name)} · tag: "
                    + (escape(conversation.tag) if conversation.tag else "*none yet*")
                )
            ),
            InputBlock(
                block_id="to",
                label="Transfer to (an owner or a VA)",
                element=UserSelectElement(action_id="value"),
            ),
        ],
    )


def home_chat_blocks(
    mine: list[Conversation],
    queue: list[Conversation],
    queue_length: int,
    client_names: dict[int, str],
) -> list:
    """My open client chats (Resolve) and the oldest of the queue (Claim)."""
    if not mine and not queue:
        return []

    def name(conversation: Conversation) -> str:
        return client_names.get(conversation.client_id or 0, conversation.channel_id)

    blocks: list = [DividerBlock(), HeaderBlock(text="Client chats")]
    for conversation in mine[:HOME_CHAT_LIMIT]:
        state = (
            "answered" if conversation.first_response_at is not None else target_words(conversation)
        )
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(text=f"{where(conversation, name(conversation))} · {state}")
            )
        )
        blocks.append(_buttons(conversation))
    if queue:
        blocks.append(
            SectionBlock(text=MarkdownTextObject(text=f"*Waiting for a VA* ({queue_length})"))
        )
    for conversation in queue[:HOME_CHAT_LIMIT]:
        since = conversation.queued_at or conversation.opened_at
        blocks.append(_with_claim(conversation, name(conversation), since))
    if queue_length > len(queue):
        more = queue_length - len(queue)
        blocks.append(
            ContextBlock(elements=[MarkdownTextObject(text=f"{more} more waiting, oldest first")])
        )
    return blocks
