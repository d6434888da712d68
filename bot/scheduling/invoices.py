"""A finalized invoice's documents, sent to the owner's DM the one way VA Desk posts
outside a reply (`bot.scheduling.notify`): the PDF, introduced by a summary, and the CSV
of its lines, each claimed once per (team, `invoice-document`, the invoice's creation,
owner and file), so a retried click or a second process never sends them twice."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlmodel import Session

from bot.scheduling.notify import FileUpload, Outgoing
from bot.services.billing import invoices
from bot.services.rows import saved_id
from bot.settings import Settings
from bot.views.invoices.records import document_comment
from store.models import Invoice

if TYPE_CHECKING:
    from bot.services.billing.invoice_files import FileKind

INVOICE_DOCUMENT = "invoice-document"


def invoice_documents(settings: Settings, invoice: Invoice, owner_id: str) -> list[Outgoing]:
    """The PDF and the CSV of `invoice` for `owner_id`'s DM with VA Desk, made and named
    as `vadesk export invoice` makes them (`invoice_files`)."""
    team_id, number = invoice.team_id, invoice.number

    def document(kind: FileKind, title: str) -> Callable[[Session], FileUpload]:
        def compose(session: Session) -> FileUpload:
            # The PDF library loads when a file is made, not when the app starts.
            from bot.services.billing.invoice_files import invoice_file

            issued = invoices.invoice_by_number(session, team_id, number)
            lines = invoices.invoice_lines(session, saved_id(issued))
            made = invoice_file(issued, lines, kind, settings.billing.paper)
            comment = document_comment(issued) if kind == "pdf" else None
            return FileUpload(made.name, made.content, title, comment)

        return compose

    sent: list[tuple[FileKind, str]] = [
        ("pdf", f"{number} {invoice.client_name}"),
        ("csv", f"{number} lines (CSV)"),
    ]
    return [
        Outgoing(
            team_id=team_id,
            job=INVOICE_DOCUMENT,
            slot=invoice.created_at,
            recipient=f"{owner_id}:{invoice.id}:{kind}",  # numbers may be long
            channel=owner_id,
            compose=document(kind, title),
        )
        for kind, title in sent
    ]
