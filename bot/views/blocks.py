"""Block Kit pieces shared by the views, and Slack's limits on the text in them.

Every text follows one rule (bot.services.text): what a person typed is escaped first,
then fitted to the limit of where it goes, so no text built here makes Slack answer
`invalid_blocks`. Mrkdwn too long for one section is split over several
(`line_sections`); elsewhere it is cut with "…" (`shown`, `fit`) and the whole is one
click away. Plain text (headers, buttons, options, titles) is shown as typed, not
escaped, and cut with `plain`."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    SectionBlock,
)

from bot.services.text import NOTES_LIMIT, fit, split_mrkdwn, truncate

# Slack's limits, in characters of what Slack receives (after escaping).
SECTION_TEXT_LIMIT = 3000  # a section's text
FIELD_TEXT_LIMIT = 2000  # each of a section's fields
CONTEXT_TEXT_LIMIT = 3000  # each text element of a context block (a text object's limit)
CONTEXT_ELEMENTS_LIMIT = 10
HEADER_LIMIT = 150  # a header's plain text
BUTTON_TEXT_LIMIT = 75
OPTION_LIMIT = 75
MODAL_TITLE_LIMIT = 24
MESSAGE_BLOCKS_LIMIT = 50
VIEW_BLOCKS_LIMIT = 100  # a modal or the App Home


def plain(text: str, limit: int) -> str:
    """Plain text (a header, button, option or title) of at most `limit` characters."""
    return truncate(text, limit)


def line_sections(lines: list[str], limit: int = SECTION_TEXT_LIMIT) -> list[SectionBlock]:
    """Lines of mrkdwn (user text already escaped) packed into as few sections as
    Slack's text limit allows; a line longer than a section is split over several."""
    pieces = [piece for line in lines for piece in split_mrkdwn(line, limit)]
    sections: list[SectionBlock] = []
    chunk: list[str] = []
    size = 0
    for piece in pieces:
        if chunk and size + 1 + len(piece) > limit:
            sections.append(SectionBlock(text=MarkdownTextObject(text="\n".join(chunk))))
            chunk, size = [], 0
        size = size + 1 + len(piece) if chunk else len(piece)
        chunk.append(piece)
    if chunk:
        sections.append(SectionBlock(text=MarkdownTextObject(text="\n".join(chunk))))
    return sections


def context_block(parts: list[str], separator: str = " · ") -> ContextBlock:
    """Short mrkdwn parts (user text already escaped) as one context line, cut to fit."""
    text = fit(separator.join(parts), CONTEXT_TEXT_LIMIT)
    return ContextBlock(elements=[MarkdownTextObject(text=text)])


def notes_input(
    block_id: str,
    label: str,
    *,
    initial: str | None = None,
    optional: bool = False,
    hint: str | None = None,
) -> InputBlock:
    """A multi-line text field of up to NOTES_LIMIT characters (every kind of notes has
    that one limit), prefilled with `initial` as far as the field holds it."""
    return InputBlock(
        block_id=block_id,
        label=label,
        optional=optional,
        hint=hint,
        element=PlainTextInputElement(
            action_id="value",
            multiline=True,
            max_length=NOTES_LIMIT,
            initial_value=truncate(initial, NOTES_LIMIT) if initial else None,
        ),
    )
