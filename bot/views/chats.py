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
from bot.services.rows import saved_id
from bot.services.text import escape, shown, time_token
from store.models import Conversation

RESOLVE_ACTION = "chat_resolve"
CLAIM_ACTION = "chat_claim"
ASYNC_ACTION = "chat_async"
TRANSFER_ACTION = "chat_transfer"
TRANSFER_CALLBACK = "chat_transfer"
OPEN_ACTION = "chat_open"
HOME_CHAT_LIMIT = 10
EXCERPT_LIMIT = 150  # characters of the client's message an alert shows
ALERT_CHAT_LIMIT = 20  # chats one breach post shows (two blocks each, of Slack's 50)


def where(conversation: Conversation, client_name: str) -> str:
    """The client and a link to the message that opened the conversation."""
    name = f"*{escape(client_name)}*"
    if conversation.permalink:
        return f"{name} (<{conversation.permalink}|open the message>)"
    return f"{name} in <#{conversation.channel_id}>"


def target_words(conversation: Conversation, now: datetime) -> str:
    """When the reply is due, or that it is late: a target in the past is never "due"."""
    kind = "acknowledgment" if conversation.asynchronous else "first response"
    due = target_due(conversation)
    if due <= now:
        return f"*late*: {kind} was due {time_token(due)}"
    return f"{kind} due {time_token(due)}"


def _state(conversation: Conversation, now: datetime) -> str:
    if conversation.first_response_at is not None:
        return "answered"
    return target_words(conversation, now)


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


def assigned_text(
    conversation: Conversation, client_name: str, now: datetime, how: str = "assigned"
) -> str:
    opened = time_token(conversation.opened_at)
    lead = "You claimed" if how == "claimed" else "New client chat for you:"
    if how == "transferred":
        lead = "A client chat was transferred to you:"
    state = _state(conversation, now)
    return f"{lead} {where(conversation, client_name)}, opened {opened}; {state}."


def assigned_blocks(
    conversation: Conversation, client_name: str, now: datetime, how: str = "assigned"
) -> list:
    text = assigned_text(conversation, client_name, now, how)
    return [SectionBlock(text=MarkdownTextObject(text=text)), _buttons(conversation)]


def resolved_text(conversation: Conversation, client_name: str) -> str:
    assert conversation.closed_at is not None  # a resolved conversation is closed
    return (
        f"Resolved: {where(conversation, client_name)} by <@{conversation.closed_by}> "
        f"{time_token(conversation.closed_at)}."
    )


def _claim_button(conversation: Conversation) -> ButtonElement:
    return ButtonElement(text="Claim", action_id=CLAIM_ACTION, value=str(conversation.id))


def _with_claim(
    conversation: Conversation, client_name: str, since: datetime, now: datetime
) -> SectionBlock:
    """A waiting conversation, with Claim."""
    return SectionBlock(
        block_id=f"claim_{conversation.id}",
        text=MarkdownTextObject(
            text=f"{where(conversation, client_name)} · waiting since {time_token(since)} · "
            f"{target_words(conversation, now)}"
        ),
        accessory=_claim_button(conversation),
    )


def _claims(block: dict, conversation_id: int) -> bool:
    def is_claim(element: object) -> bool:
        return (
            isinstance(element, dict)
            and element.get("action_id") == CLAIM_ACTION
            and element.get("value") == str(conversation_id)
        )

    return is_claim(block.get("accessory")) or any(map(is_claim, block.get("elements") or []))


def after_claim(blocks: list, conversation_id: int, claimed_by: str, at: datetime) -> list:
    """A post listing waiting chats (the queue post, a breach alert) as Slack sent it back,
    with the claimed chat's Claim replaced by who claimed it: the other chats keep theirs."""
    claimed = f":white_check_mark: claimed by <@{claimed_by}> {time_token(at)}"
    updated: list = []
    for block in blocks:
        if not isinstance(block, dict) or not _claims(block, conversation_id):
            updated.append(block)
            continue
        block = dict(block)
        if "accessory" in block:
            del block["accessory"]
            text = dict(block.get("text") or {"type": "mrkdwn", "text": ""})
            text["text"] = f"{text.get('text', '')} · {claimed}"
            updated.append({**block, "text": text})
            continue
        others = [
            e
            for e in block.get("elements") or []
            if not (_claims({"accessory": e}, conversation_id))
        ]
        if others:
            updated.append({**block, "elements": others})
        updated.append({"type": "context", "elements": [{"type": "mrkdwn", "text": claimed}]})
    return updated


QUEUE_POST_LIMIT = 20  # conversations listed with Claim in one queue post


def queue_post(
    conversations: list[Conversation], client_names: dict[int, str], cap: int, now: datetime
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
        blocks.append(_with_claim(conversation, name(conversation), conversation.opened_at, now))
    if count > QUEUE_POST_LIMIT:
        more = count - QUEUE_POST_LIMIT
        blocks.append(
            ContextBlock(elements=[MarkdownTextObject(text=f"{more} more: see the App Home")])
        )
    lines = [text] + [f"• {where(c, name(c))}" for c in conversations[:QUEUE_POST_LIMIT]]
    return "\n".join(lines), blocks


def message_link(conversation: Conversation) -> str:
    """The client's message: its permalink, else the archives address Slack resolves."""
    if conversation.permalink:
        return conversation.permalink
    ts = conversation.thread_ts.replace(".", "")
    return f"https://slack.com/archives/{conversation.channel_id}/p{ts}"


def excerpt(text: str | None) -> str | None:
    """The start of what the client wrote, on one line: escaped first, then cut."""
    if not text or not text.strip():
        return None
    return shown(" ".join(text.split()), EXCERPT_LIMIT)


def _alert_blocks(conversation: Conversation, line: str, opening: str | None) -> list:
    """One chat of an SLA alert: the line, the start of the client's message, Open and
    (while nobody holds it) Claim."""
    text = line if opening is None else f"{line}\n>{opening}"
    buttons = [
        ButtonElement(
            text="Open", action_id=OPEN_ACTION, url=message_link(conversation), value="open"
        )
    ]
    if conversation.assignee_id is None:
        buttons.append(_claim_button(conversation))
    return [
        SectionBlock(block_id=f"alert_{conversation.id}", text=MarkdownTextObject(text=text)),
        ActionsBlock(block_id=f"alert_buttons_{conversation.id}", elements=buttons),
    ]


def near_breach_text(
    conversation: Conversation, client_name: str, waited_minutes: float, now: datetime
) -> str:
    return (
        f":warning: {where(conversation, client_name)} has waited {waited_minutes:.0f} "
        f"business minutes; {target_words(conversation, now)}."
    )


def near_breach_blocks(
    conversation: Conversation,
    client_name: str,
    waited_minutes: float,
    now: datetime,
    opening: str | None,
) -> list:
    line = near_breach_text(conversation, client_name, waited_minutes, now)
    return _alert_blocks(conversation, line, excerpt(opening))


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


def breach_blocks(
    conversations: list[Conversation], client_names: dict[int, str], openings: dict[int, str]
) -> list:
    """The breach post: each chat with the start of its message, Open and Claim."""

    def name(conversation: Conversation) -> str:
        return client_names.get(conversation.client_id or 0, conversation.channel_id)

    shown = conversations[:ALERT_CHAT_LIMIT]
    blocks: list = []
    if len(conversations) > 1:
        lead = f":rotating_light: {len(conversations)} client chats passed their target:"
        blocks.append(SectionBlock(text=MarkdownTextObject(text=lead)))
    for conversation in shown:
        line = breach_text(conversation, name(conversation))
        if len(conversations) > 1:
            line = line.removeprefix(":rotating_light: ")
        blocks += _alert_blocks(conversation, line, excerpt(openings.get(saved_id(conversation))))
    if len(conversations) > len(shown):
        more = len(conversations) - len(shown)
        blocks.append(
            ContextBlock(elements=[MarkdownTextObject(text=f"{more} more: see the App Home")])
        )
    return blocks


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
    now: datetime,
) -> list:
    """My open client chats (Resolve) and the oldest of the queue (Claim)."""
    if not mine and not queue:
        return []

    def name(conversation: Conversation) -> str:
        return client_names.get(conversation.client_id or 0, conversation.channel_id)

    blocks: list = [DividerBlock(), HeaderBlock(text="Client chats")]
    for conversation in mine[:HOME_CHAT_LIMIT]:
        state = _state(conversation, now)
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
        blocks.append(_with_claim(conversation, name(conversation), since, now))
    if queue_length > len(queue):
        more = queue_length - len(queue)
        blocks.append(
            ContextBlock(elements=[MarkdownTextObject(text=f"{more} more waiting, oldest first")])
        )
    return blocks
