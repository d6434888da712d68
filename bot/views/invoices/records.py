"""Finalized invoices in Slack: `/invoice list` and `/invoice show`, a void's answer, the
billing part of an owner's App Home and the weekly report's unbilled hours. Amounts are
stored in minor units and shown in the invoice's currency."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from slack_sdk.models.blocks import ContextBlock, HeaderBlock, MarkdownTextObject, SectionBlock

from bot.services.billing.money import format_amount, from_minor_units, hours
from bot.services.text import day_text, escape, shown
from bot.views.blocks import HEADER_LIMIT, line_sections, plain
from bot.views.invoices.preview import period_text
from bot.views.invoices.table import Row, table_blocks
from store.models import Invoice, InvoiceLine

INVOICE_HELP = escape("""*`/invoice`* — invoices from tracked time (owners)
• `/invoice draft <client> [this month|last month|2026-11|from 2026-11-01 to 2026-11-15]` — a \
preview: the lines, totals and what was left out, with *Finalize*, *Change period* and *Cancel*
• `/invoice list [client] [open|void|all]` — the invoices (open ones by default)
• `/invoice show INV-2026-0007` — one invoice, its lines and totals
• `/invoice void INV-2026-0007 <reason>` — void it: its time is unlocked, its number stays taken
A client is its key (`acme`) or its name. A draft locks nothing; Finalize numbers the \
invoice, locks the time it bills and sends you the PDF and the CSV.""")
LIST_LIMIT = 100  # invoices listed one by one
HOME_UNBILLED_LIMIT = 15  # clients on the App Home
WEEKLY_UNBILLED_LIMIT = 10


def money(minor: int, currency: str) -> str:
    return format_amount(from_minor_units(minor, currency), currency)


def _status(invoice: Invoice) -> str:
    if invoice.status == "void":
        return f"void: {shown(invoice.void_reason or 'no reason given', 120)}"
    return f"open, due {day_text(invoice.due_on)}"


def invoice_line(invoice: Invoice) -> str:
    """`*INV-2026-0007* · Acme Corp · November 2026 (…) · $1,234.50 · open, due …`."""
    return (
        f"*{escape(invoice.number)}* · {shown(invoice.client_name, 80)} · "
        f"{period_text(invoice.period_start, invoice.period_end)} · "
        f"{money(invoice.total_minor, invoice.currency)} · {_status(invoice)}"
    )


def list_text(count: int, status: str, client_name: str | None) -> str:
    whose = f" for {escape(client_name)}" if client_name else ""
    which = "" if status == "all" else f" {status}"
    return f"{count}{which} invoice{'s' if count != 1 else ''}{whose}"


def invoice_list_blocks(invoices: Sequence[Invoice], status: str, client_name: str | None) -> list:
    heading = list_text(len(invoices), status, client_name)
    if not invoices:
        others = "" if status == "all" else " (`/invoice list all` shows void ones too)"
        return line_sections([f"No{'' if status == 'all' else ' ' + status} invoices{others}."])
    lines = [f"*{heading.capitalize()}*"] + [invoice_line(i) for i in invoices[:LIST_LIMIT]]
    if len(invoices) > LIST_LIMIT:
        lines.append(f"… and {len(invoices) - LIST_LIMIT} more: name a client to narrow it.")
    return line_sections(lines)


def _row(line: InvoiceLine, currency: str) -> Row:
    rate = Decimal(line.rate) if line.rate is not None else None
    return Row(
        line.description,
        line.person,
        line.billed_seconds,
        rate,
        from_minor_units(line.amount_minor, currency),
    )


def invoice_text(invoice: Invoice) -> str:
    return (
        f"{invoice.number} for {escape(invoice.client_name)}: "
        f"{money(invoice.total_minor, invoice.currency)} ({invoice.status})"
    )


def invoice_blocks(invoice: Invoice, lines: Sequence[InvoiceLine]) -> list:
    """`/invoice show`: the invoice as it was issued, its lines and totals, and its state."""
    currency = invoice.currency
    head = f"{invoice.number} · {invoice.client_name}"
    state = (
        f":no_entry: *Void*: {shown(invoice.void_reason or 'no reason given', 500)} (the number "
        "stays taken; its time is unlocked)"
        if invoice.status == "void"
        else f"*Open*, due {day_text(invoice.due_on)}"
    )
    return [
        HeaderBlock(text=plain(head, HEADER_LIMIT)),
        SectionBlock(
            text=MarkdownTextObject(
                text=f"*Period*: {period_text(invoice.period_start, invoice.period_end)}\n"
                f"*Issued*: {day_text(invoice.issued_on)} · {state}"
            )
        ),
        *table_blocks([_row(line, currency) for line in lines], currency),
        SectionBlock(
            fields=[
                MarkdownTextObject(text=f"*Subtotal*\n{money(invoice.subtotal_minor, currency)}"),
                MarkdownTextObject(text=f"*Tax*\n{money(invoice.tax_minor, currency)}"),
                MarkdownTextObject(text=f"*Total*\n{money(invoice.total_minor, currency)}"),
            ]
        ),
    ]


def voided_text(invoice: Invoice) -> str:
    return (
        f"*{escape(invoice.number)}* for {escape(invoice.client_name)} is void "
        f"({shown(invoice.void_reason or '', 300)}): its time entries are unlocked, and the "
        "number stays taken."
    )


def unbilled_parts(unbilled: Sequence[tuple[str, int]], limit: int) -> list[str]:
    """`Acme Corp 12.50 h`, the largest first."""
    ordered = sorted(unbilled, key=lambda item: (-item[1], item[0]))
    parts = [f"{shown(name, 60)} {hours(seconds)} h" for name, seconds in ordered[:limit]]
    if len(ordered) > limit:
        parts.append(f"and {len(ordered) - limit} more clients")
    return parts


def unbilled_text(unbilled: Sequence[tuple[str, int]]) -> str:
    """The weekly report's unbilled hours: `Acme Corp 3.50 h · Globex 1.00 h`."""
    return " · ".join(unbilled_parts(unbilled, WEEKLY_UNBILLED_LIMIT)) or "nothing"


def home_billing_blocks(
    unbilled: Sequence[tuple[str, int]], last: Sequence[Invoice], month: str
) -> list:
    """An owner's App Home: unbilled hours per client this month, the last invoices."""
    lines = [f"*Unbilled this month* ({month})"]
    lines += [f"• {part}" for part in unbilled_parts(unbilled, HOME_UNBILLED_LIMIT)] or [
        "Nothing: every billable hour of the month is on an invoice."
    ]
    lines.append("*Last invoices*")
    lines += [f"• {invoice_line(invoice)}" for invoice in last] or ["None yet."]
    return [
        HeaderBlock(text="Invoices"),
        *line_sections(lines),
        ContextBlock(
            elements=[
                MarkdownTextObject(text=escape("`/invoice draft <client> last month` drafts one."))
            ]
        ),
    ]


def document_comment(invoice: Invoice) -> str:
    """What introduces the PDF in the owner's DM."""
    return (
        f"*{escape(invoice.number)}* for {escape(invoice.client_name)} "
        f"({period_text(invoice.period_start, invoice.period_end)}): "
        f"{money(invoice.total_minor, invoice.currency)}, due {day_text(invoice.due_on)}. "
        "The PDF to send, and the CSV of its lines."
    )


def finalized_text(invoice: Invoice) -> str:
    return (
        f"*{escape(invoice.number)}* for {escape(invoice.client_name)} "
        f"({period_text(invoice.period_start, invoice.period_end)}): "
        f"*{money(invoice.total_minor, invoice.currency)}*, due {day_text(invoice.due_on)}. "
        "The time it bills is locked."
    )


def finalized_blocks(invoice: Invoice) -> list:
    """What replaces a finalized preview."""
    number = escape(invoice.number)
    return [
        SectionBlock(text=MarkdownTextObject(text=f":white_check_mark: {finalized_text(invoice)}")),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text="The PDF and the CSV are in your DM with VA Desk. "
                    f"`/invoice show {number}` shows it again; "
                    f"`/invoice void {number} &lt;reason&gt;` unlocks its time."
                )
            ]
        ),
    ]
