"""The draft preview (`/invoice draft`): the client, the period, one row a line, the
totals, what was left out, and Finalize, Change period and Cancel; the Change period form;
what replaces the preview once it is finalized or cancelled. The buttons carry the
draft's request and fingerprint, so Finalize bills exactly what was shown."""

from __future__ import annotations

import json
from datetime import date

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.services.billing.drafts import Draft, DraftLine, DraftRequest, LeftOut
from bot.services.billing.money import format_amount, format_rate
from bot.services.billing.periods import PERIOD_HINT, is_calendar_month
from bot.services.parsing import format_task_id
from bot.services.text import counted, day_text, escape, shown
from bot.views.blocks import HEADER_LIMIT, plain
from bot.views.invoices.ids import (
    CANCEL_ACTION,
    CHANGE_PERIOD_ACTION,
    FINALIZE_ACTION,
    PERIOD_CALLBACK,
)
from bot.views.invoices.table import Row, table_blocks

PERIOD_BLOCK = "period"


def period_text(first: date, last: date) -> str:
    """`November 2026 (Sun 2026-11-01 to Mon 2026-11-30)`, or the two days."""
    days = f"{day_text(first)} to {day_text(last)}"
    return f"{first:%B %Y} ({days})" if is_calendar_month(first, last) else days


def period_words(first: date, last: date) -> str:
    """The period as `/invoice draft` reads it back: `2026-11`, or `from … to …`."""
    if is_calendar_month(first, last):
        return f"{first.year:04d}-{first.month:02d}"
    return f"from {first.isoformat()} to {last.isoformat()}"


def draft_value(request: DraftRequest, fingerprint: str) -> str:
    """What the preview's buttons carry: `client:first:last:fingerprint`."""
    return (
        f"{request.client_id}:{request.first_day.isoformat()}:{request.last_day.isoformat()}:"
        f"{fingerprint}"
    )


def read_draft_value(value: object) -> tuple[DraftRequest, str] | None:
    """A button's request and fingerprint; None when VA Desk did not write it."""
    if not isinstance(value, str):
        return None
    parts = value.split(":")
    if len(parts) != 4 or not parts[0].isdigit() or not parts[3].isalnum():
        return None
    try:
        first, last = date.fromisoformat(parts[1]), date.fromisoformat(parts[2])
    except ValueError:
        return None
    client_id = int(parts[0])
    if not 0 < client_id < 2**31 or last < first:
        return None
    return DraftRequest(client_id, first, last), parts[3]


def _row(line: DraftLine) -> Row:
    title = line.description
    if line.task_number is not None:
        ref = format_task_id(line.task_number)
        title = title if title.startswith(ref) else f"{ref} {title}"
    elif line.day is not None and line.day.isoformat() not in title:
        title = f"{line.day.isoformat()} {title}"
    return Row(title, line.person, line.billed_seconds, line.rate, line.amount)


def left_out_text(left_out: LeftOut) -> str:
    """What the period holds that the draft does not bill, with counts."""
    return f"*Left out*: {escape(left_out.sentence()) or 'nothing'}."


def draft_text(draft: Draft) -> str:
    """The preview as one line: its notification, and what shows where blocks cannot."""
    return (
        f"Invoice draft for {escape(draft.client_name)}, "
        f"{period_text(draft.request.first_day, draft.request.last_day)}: "
        f"{counted(len(draft.lines), 'line')}, total "
        f"{format_amount(draft.total, draft.terms.currency)}, due {day_text(draft.due_on)}"
    )


def totals_fields(draft: Draft) -> list[MarkdownTextObject]:
    currency = draft.terms.currency
    tax = f"*Tax* ({draft.terms.tax_percent.normalize():f}%)" if draft.tax else "*Tax*"
    return [
        MarkdownTextObject(text=f"*Subtotal*\n{format_amount(draft.subtotal, currency)}"),
        MarkdownTextObject(text=f"{tax}\n{format_amount(draft.tax, currency)}"),
        MarkdownTextObject(text=f"*Total*\n{format_amount(draft.total, currency)}"),
        MarkdownTextObject(
            text=f"*Due*\n{day_text(draft.due_on)} ({draft.terms.payment_terms_days} days)"
        ),
    ]


def draft_blocks(draft: Draft, notice: str | None = None) -> list:
    """The whole preview. `notice` (mrkdwn) goes first: why it is shown again."""
    request = draft.request
    value = draft_value(request, draft.fingerprint)
    entries = counted(len(draft.entry_ids), "time entry", "time entries")
    blocks: list = []
    if notice:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=notice)))
    blocks += [
        HeaderBlock(text=plain(f"Invoice draft: {draft.client_name}", HEADER_LIMIT)),
        SectionBlock(
            text=MarkdownTextObject(
                text=f"*Period*: {period_text(request.first_day, request.last_day)}\n"
                f"*Billed as*: {_terms_text(draft)}"
            )
        ),
        *table_blocks([_row(line) for line in draft.lines], draft.terms.currency),
        SectionBlock(fields=totals_fields(draft)),
        SectionBlock(text=MarkdownTextObject(text=left_out_text(draft.left_out))),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text="A draft locks nothing. Finalize numbers the invoice, locks the "
                    "entries it bills, and sends you the PDF and the CSV."
                )
            ]
        ),
        ActionsBlock(
            block_id="invoice_draft",
            elements=[
                ButtonElement(
                    text="Finalize",
                    action_id=FINALIZE_ACTION,
                    value=value,
                    style="primary",
                    confirm=ConfirmObject(
                        title="Finalize this invoice?",
                        text=PlainTextObject(  # as typed: plain text is not read as markup
                            text=plain(
                                f"{draft.client_name}: "
                                f"{format_amount(draft.total, draft.terms.currency)}. It gets its "
                                f"number and its {entries} are locked until it is voided.",
                                300,
                            )
                        ),
                        confirm="Finalize",
                        deny="Not yet",
                    ),
                ),
                ButtonElement(text="Change period", action_id=CHANGE_PERIOD_ACTION, value=value),
                ButtonElement(text="Cancel", action_id=CANCEL_ACTION, value=value),
            ],
        ),
    ]
    return blocks


def _terms_text(draft: Draft) -> str:
    terms = draft.terms
    parts: list[str] = [terms.model]
    if terms.rate is not None:
        parts.append(f"{format_rate(terms.rate, terms.currency)} an hour")
    parts.append(terms.rounding.describe())
    return " · ".join(parts)


def period_modal(request: DraftRequest, client_name: str, response_url: str | None) -> View:
    """Change period: the period as typed into `/invoice draft`, prefilled with the
    preview's."""
    metadata = {"client": request.client_id, "response_url": response_url or ""}
    return View(
        type="modal",
        callback_id=PERIOD_CALLBACK,
        title="Change period",
        submit="Show draft",
        close="Cancel",
        private_metadata=json.dumps(metadata),
        blocks=[
            SectionBlock(
                text=MarkdownTextObject(text=f"Invoice draft for *{shown(client_name, 200)}*")
            ),
            InputBlock(
                block_id=PERIOD_BLOCK,
                label="Period",
                hint=f"Which days to bill: {PERIOD_HINT}.",
                element=PlainTextInputElement(
                    action_id="value",
                    initial_value=period_words(request.first_day, request.last_day),
                    max_length=60,
                ),
            ),
        ],
    )


CANCELLED_TEXT = "Invoice draft cancelled: nothing was billed or locked."
