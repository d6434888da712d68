"""A finalized invoice's files by its number: what `vadesk export invoice` writes and
what Finalize uploads, made the same way."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.services.billing.document import invoice_csv, render_invoice_pdf
from bot.services.errors import NotFound
from bot.services.rows import saved_id
from store.models.billing import Invoice, InvoiceLine

FileKind = Literal["pdf", "csv"]


@dataclass(frozen=True)
class InvoiceFile:
    kind: FileKind
    name: str  # INV-2026-0007.pdf
    content: bytes


def find_invoice(
    session: Session, number: str, team_id: str | None = None
) -> tuple[Invoice, list[InvoiceLine]]:
    """The invoice numbered `number` (any letter case) and its lines in order; an unknown
    number is refused with a sentence."""
    wanted = number.strip()
    query = select(Invoice).where(func.upper(Invoice.number) == wanted.upper())
    if team_id is not None:
        query = query.where(Invoice.team_id == team_id)
    found = session.exec(query.order_by(col(Invoice.id))).all()
    if not found:
        raise NotFound(f"No invoice is numbered {wanted!r}.")
    if len(found) > 1:
        teams = ", ".join(invoice.team_id for invoice in found)
        raise NotFound(f"{wanted} is an invoice of several workspaces ({teams}).")
    invoice = found[0]
    lines = session.exec(
        select(InvoiceLine)
        .where(InvoiceLine.invoice_id == saved_id(invoice))
        .order_by(col(InvoiceLine.position))
    ).all()
    return invoice, list(lines)


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
