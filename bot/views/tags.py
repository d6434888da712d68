"""Block Kit for tags: the **Tag contact** form and what tagging tells the person."""

from __future__ import annotations

import json

from slack_sdk.models.blocks import (
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    OptionGroup,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.services.parsing import format_task_id
from bot.services.tags import TAG_SEPARATOR, MessageTagged, categories, tag_list_text
from bot.services.text import escape, fit, truncate

TAG_CONTACT_SHORTCUT = "tag_contact"
TAG_CONTACT_CALLBACK = "tag_contact_submit"
# Slack's select menus hold at most 100 options; a larger taxonomy is typed instead.
SELECT_LIMIT = 100
# A section's text holds 3,000 characters.
LIST_TEXT_LIMIT = 2900


def _option(tag: str, text: str) -> Option:
    return Option(value=tag, text=PlainTextObject(text=truncate(text, 75)))


def tag_select(tags: tuple[str, ...], current: str | None) -> StaticSelectElement:
    """Options grouped by category (the option shows the subcategory)."""
    groups = []
    initial = None
    for category, labels in categories(tags).items():
        options = []
        for tag in labels:
            option = _option(tag, tag.split(TAG_SEPARATOR, 1)[-1])
            options.append(option)
            if tag == current:
                initial = option
        groups.append(OptionGroup(label=truncate(category, 75), options=options))
    return StaticSelectElement(
        action_id="value",
        placeholder="Choose a tag",
        option_groups=groups,
        initial_option=initial,
    )


def tag_contact_modal(
    tags: tuple[str, ...], contact_id: str, current: str | None, metadata: dict
) -> View:
    """Tag the author of a message: the taxonomy to pick from, and a task to tag too."""
    intro = (
        f"Tag <@{contact_id}>, their open conversation in this channel and, if you name it, a task."
    )
    if current:
        intro += f"\nTheir tag now: *{escape(current)}*."
    element: StaticSelectElement | PlainTextInputElement
    if len(tags) <= SELECT_LIMIT:
        element = tag_select(tags, current)
        hint = None
    else:
        element = PlainTextInputElement(
            action_id="value", max_length=130, placeholder="e.g. lead-hot-prospect"
        )
        hint = "Type a tag or its short form, as listed above."
    blocks = [
        SectionBlock(text=MarkdownTextObject(text=intro)),
        InputBlock(block_id="tag", label="Tag", element=element, hint=hint),
        InputBlock(
            block_id="task",
            label="Also tag task",
            optional=True,
            hint="A task id such as T-12; leave empty to tag the contact and conversation only.",
            element=PlainTextInputElement(action_id="value", max_length=20, placeholder="T-12"),
        ),
        ContextBlock(
            elements=[MarkdownTextObject(text=fit(f"Tags: {tag_list_text(tags)}", LIST_TEXT_LIMIT))]
        ),
    ]
    return View(
        type="modal",
        callback_id=TAG_CONTACT_CALLBACK,
        title="Tag contact",
        submit="Tag",
        close="Cancel",
        private_metadata=json.dumps(metadata),
        blocks=blocks,
    )


def tagged_text(tagged: MessageTagged, channel_id: str) -> str:
    """What the person who tagged is told."""
    done = [f"<@{tagged.contact_id}>"]
    if tagged.conversation is not None:
        done.append(f"their open conversation in <#{channel_id}>")
    if tagged.task is not None:
        done.append(f"*{format_task_id(tagged.task.number)}*")
    what = done[0] if len(done) == 1 else ", ".join(done[:-1]) + " and " + done[-1]
    text = f":label: Tagged {what} *{escape(tagged.tag)}*."
    if tagged.conversation is None:
        text += f" No conversation is open in <#{channel_id}>, so none was tagged."
    return text
