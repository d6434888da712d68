"""A finalized invoice's documents, sent to the owner's DM the one way VA Desk posts
outside a reply (`bot.scheduling.notify`): the PDF, introduced by a summary, and the CSV
of its lines, each claimed once per (team, `invoice-document`, the invoice's creation,
owner and file), so a retried click or a second process never sends them twice."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session

from bot.scheduling.notify import FileUpload, Outgoing
from bot.services.billing import invoices
from bot.services.billing.document import invoice_csv, render_invoice_pdf
from bot.services.rows import saved_id
from bot.settings import Settings
from bot.views.invoices.records import document_comment
from store.models import Invoice, InvoiceLine

INVOICE_DOCUMENT = "invoice-document"


def invoice_documents(settings: Settings, invoice: Invoice, owner_id: str) -> list[Outgoing]:
    """The PDF and the CSV of `invoice` for `owner_id`'s DM with VA Desk."""
    team_id, number = invoice.team_id, invoice.number

    def document(
        suffix: str, render: Callable[[Invoice, list[InvoiceLine]], bytes], title: str
    ) -> Callable[[Session], FileUpload]:
        def compose(session: Session) -> FileUpload:
            issued = invoices.invoice_by_number(session, team_id, number)
            lines = list(invoices.invoice_lines(session, saved_id(issued)))
            comment = document_comment(issued) if suffix == "pdf" else None
            return FileUpload(f"{number}.{suffix}", render(issued, lines), title, comment)

        return compose

    def pdf(invoice: Invoice, lines: list[InvoiceLine]) -> bytes:
        return render_invoice_pdf(invoice, lines, settings.billing.paper)

    sent = [
        ("pdf", pdf, f"{number} {invoice.client_name}"),
        ("csv", invoice_csv, f"{number} lines (CSV)"),
    ]
    return [
        Outgoing(
            team_id=team_id,
            job=INVOICE_DOCUMENT,
            slot=invoice.created_at,
            recipient=f"{owner_id}:{invoice.id}:{suffix}",  # numbers may be long
            channel=owner_id,
            compose=document(suffix, render, title),
        )
        for suffix, render, title in sent
    ]
