"""Block Kit pieces shared by the views."""

from __future__ import annotations

from slack_sdk.models.blocks import MarkdownTextObject, SectionBlock

SECTION_TEXT_LIMIT = 2900  # Slack allows 3000 characters in a section's text


def line_sections(lines: list[str]) -> list[SectionBlock]:
    """Lines of mrkdwn packed into as few sections as Slack's text limit allows."""
    sections: list[SectionBlock] = []
    chunk: list[str] = []
    size = 0
    for line in lines:
        if chunk and size + len(line) + 1 > SECTION_TEXT_LIMIT:
            sections.append(SectionBlock(text=MarkdownTextObject(text="\n".join(chunk))))
            chunk, size = [], 0
        chunk.append(line)
        size += len(line) + 1
    if chunk:
        sections.append(SectionBlock(text=MarkdownTextObject(text="\n".join(chunk))))
    return sections
