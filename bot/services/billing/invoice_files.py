"""A finalized invoice's files, named: what `vadesk export invoice` writes and what
Finalize uploads, made the same way."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from bot.services.billing.document import invoice_csv, render_invoice_pdf
from store.models.billing import Invoice, InvoiceLine

FileKind = Literal["pdf", "csv"]


@dataclass(frozen=True)
class InvoiceFile:
    kind: FileKind
    name: str  # INV-2026-0007.pdf
    content: bytes


def file_name(invoice: Invoice, kind: FileKind) -> str:
    """`INV-2026-0007.pdf`: the number with what a file name cannot hold replaced."""
    safe = "".join(char if char.isalnum() or char in "-_." else "_" for char in invoice.number)
    return f"{safe}.{kind}"


def invoice_file(
    invoice: Invoice, lines: Sequence[InvoiceLine], kind: FileKind, paper: str
) -> InvoiceFile:
    if kind == "csv":
        content = invoice_csv(invoice, lines)
    else:
        content = render_invoice_pdf(invoice, lines, paper)
    return InvoiceFile(kind=kind, name=file_name(invoice, kind), content=content)
