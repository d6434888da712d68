"""`vadesk export invoice INV-… [--pdf|--csv] --out FILE`: a finalized invoice's PDF or
CSV written to a file, the same bytes Finalize uploads. bot/cli.py holds the arguments."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.services.errors import VADeskError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from bot.services.billing.invoice_files import FileKind
    from bot.settings import Settings


def add_arguments(
    exports: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse.ArgumentParser:
    """The command's arguments; the PDF library is imported only when it runs."""
    invoice = exports.add_parser(
        "invoice",
        help="a finalized invoice's PDF or CSV",
        description="Write an invoice as PDF (on [billing] paper) or as the CSV of its "
        "lines. Without --pdf or --csv the extension of --out decides; else PDF.",
    )
    invoice.add_argument("number", help="the invoice number, e.g. INV-2026-0007")
    kind = invoice.add_mutually_exclusive_group()
    kind.add_argument("--pdf", dest="kind", action="store_const", const="pdf", help="PDF")
    kind.add_argument("--csv", dest="kind", action="store_const", const="csv", help="CSV")
    invoice.add_argument("--out", required=True, help="the file to write")
    return invoice


def file_kind(requested: str | None, out: str) -> FileKind:
    """--pdf or --csv; else the file's extension; else PDF."""
    if requested == "csv" or (requested is None and out.lower().endswith(".csv")):
        return "csv"
    return "pdf"


def export_invoice(settings: Settings, engine: Engine, args: argparse.Namespace) -> int:
    from bot.services.billing.invoice_files import invoice_file
    from bot.services.billing.invoices import invoice_by_number, invoice_lines
    from bot.services.people import only_known_workspace
    from bot.services.rows import saved_id
    from bot.services.text import counted
    from store.db import session_scope

    kind = file_kind(args.kind, args.out)
    with session_scope(engine) as session:
        team = only_known_workspace(session)
        if team is None:
            raise VADeskError(
                "The database holds no workspace, or several: there is no one workspace "
                "whose invoice to export."
            )
        invoice = invoice_by_number(session, team, args.number)
        lines = invoice_lines(session, saved_id(invoice))
        written = invoice_file(invoice, lines, kind, settings.billing.paper)
        summary = f"{invoice.number} ({kind.upper()}, {counted(len(lines), 'line')})"
    try:
        Path(args.out).write_bytes(written.content)
    except OSError as error:
        print(f"vadesk: cannot write {args.out}: {error.strerror or error}", file=sys.stderr)
        return 1
    print(f"Wrote {summary} to {args.out}")
    return 0
