"""An invoice's lines as a monospaced table (title, VA, hours, rate, amount) in code-block
sections: one row a line, as many as a message holds, then "and N more lines".

Each cell is cut to its column first (as plain text), then escaped, so the table keeps
its columns and each section counts what Slack receives."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from slack_sdk.models.blocks import ContextBlock, MarkdownTextObject, SectionBlock

from bot.services.billing.money import format_amount, format_rate, hours
from bot.services.text import escape, truncate
from bot.views.blocks import SECTION_TEXT_LIMIT

TITLE_WIDTH = 32
PERSON_WIDTH = 16
FENCE = "```"
# A preview is one message of at most 50 blocks: the table takes this many sections.
TABLE_SECTIONS_LIMIT = 12


@dataclass(frozen=True)
class Row:
    """One line as the table shows it (a draft's line or a finalized invoice's)."""

    title: str
    person: str | None
    billed_seconds: int
    rate: Decimal | None  # per hour; None for a fee
    amount: Decimal


def _cell(text: str, width: int) -> str:
    """Plain text cut and padded to its column, then escaped (and no backtick that could
    close the code block)."""
    flat = " ".join(text.split()).replace("`", "'")
    return escape(truncate(flat, width).ljust(width))


def row_text(row: Row, currency: str) -> str:
    spent = f"{hours(row.billed_seconds)}" if row.billed_seconds else ""
    rate = format_rate(row.rate, currency) if row.rate is not None else "fee"
    return (
        f"{_cell(row.title, TITLE_WIDTH)} {_cell(row.person or '', PERSON_WIDTH)} "
        f"{spent:>7} {escape(rate):>10} {escape(format_amount(row.amount, currency)):>12}"
    )


def header_text() -> str:
    return (
        f"{'Task':<{TITLE_WIDTH}} {'VA':<{PERSON_WIDTH}} {'Hours':>7} {'Rate':>10} {'Amount':>12}"
    )


def table_blocks(
    rows: list[Row], currency: str, sections_limit: int = TABLE_SECTIONS_LIMIT
) -> list:
    """The rows in code-block sections of at most Slack's section text each, the header
    first; what does not fit is counted in a last context line."""
    room = SECTION_TEXT_LIMIT - 2 * len(FENCE) - 2
    chunks: list[list[str]] = [[header_text()]]
    size = len(chunks[0][0])
    shown_rows = 0
    for row in rows:
        text = row_text(row, currency)
        if size + 1 + len(text) > room:
            if len(chunks) == sections_limit:
                break
            chunks.append([])
            size = -1
        chunks[-1].append(text)
        size += 1 + len(text)
        shown_rows += 1
    blocks: list = [
        SectionBlock(text=MarkdownTextObject(text=f"{FENCE}\n" + "\n".join(chunk) + f"\n{FENCE}"))
        for chunk in chunks
    ]
    left = len(rows) - shown_rows
    if left:
        more = (
            f"… and {left} more line{'s' if left != 1 else ''}: the PDF and the CSV list every one."
        )
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=more)]))
    return blocks
