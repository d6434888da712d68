"""A finalized invoice as the files its client gets: the PDF (A4 or Letter, the table's
header on every page, "Page n of m", VOID across a voided one) and the CSV of its lines.
Both are made from the stored invoice alone (its lines, terms and sender as issued), so
they come out the same after the settings change."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from babel.dates import format_date
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from bot.services.billing import money
from bot.services.billing.pdf_fonts import BODY, set_up_fonts
from bot.services.billing.pdf_table import draw_table
from bot.services.billing.terms import BillingTerms, Sender
from bot.services.text import spreadsheet_safe
from store.models.billing import Invoice, InvoiceLine

PAPERS = ("A4", "Letter")
CSV_COLUMNS = (
    "invoice",
    "position",
    "kind",
    "description",
    "person",
    "day",
    "entries",
    "raw_seconds",
    "billed_seconds",
    "hours",
    "rate",
    "amount",
    "currency",
)
MARGIN = 15.0  # mm
LOGO_HEIGHT = 18.0
TABLE_HEADINGS = ("Description", "Person", "Hours", "Rate", "Amount")
# Shares of the text width: the description wraps, the figures stay on one line.
TABLE_COLUMNS = (44, 20, 10, 12, 14)
TABLE_ALIGN = ("L", "L", "R", "R", "R")
GREY = (90, 90, 90)
VOID_RED = (200, 30, 30)
_CHANNEL_ID = re.compile(r"[CG][A-Z0-9]+")


@dataclass(frozen=True)
class _Issued:
    """What the invoice was issued with, read back from its JSON columns."""

    terms: BillingTerms
    sender: Sender


def _issued(invoice: Invoice) -> _Issued:
    return _Issued(
        terms=BillingTerms.from_record(json.loads(invoice.terms)),
        sender=Sender(**json.loads(invoice.sender)),
    )


def _day(day: date) -> str:
    return format_date(day, "long", locale="en_US")


def _amount(minor: int, invoice: Invoice) -> str:
    return money.format_amount(money.from_minor_units(minor, invoice.currency), invoice.currency)


def _percent(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return f"{text}%"


def payment_terms(invoice: Invoice, terms: BillingTerms) -> str:
    """The terms line: `Due within 14 days, by December 15, 2026`."""
    days = terms.payment_terms_days
    return f"Due within {days} day{'s' if days != 1 else ''}, by {_day(invoice.due_on)}"


def channel_name(stored: str | None) -> str | None:
    """The channel's name as the client knows it (`acme`), or None: a channel ID
    (`C0123ABCD`; names have no capitals) means nothing on paper, so it is left out."""
    name = (stored or "").strip().removeprefix("#")
    return None if not name or _CHANNEL_ID.fullmatch(name) else name


def _line_cells(line: InvoiceLine, currency: str) -> tuple[str, str, str, str, str]:
    seconds = line.billed_seconds or line.raw_seconds
    hours = f"{money.hours(seconds)}" if seconds else ""
    rate = f"{money.format_rate(Decimal(line.rate), currency)}/h" if line.rate else ""
    amount = money.format_amount(money.from_minor_units(line.amount_minor, currency), currency)
    return (line.description, line.person or "", hours, rate, amount)


def _position(line: InvoiceLine) -> int:
    return line.position


class _InvoicePDF(FPDF):
    """Every page: VOID across it when the invoice is void, "Page n of m" at its foot."""

    def __init__(self, paper: str, number: str, void: bool) -> None:
        super().__init__(orientation="portrait", unit="mm", format=paper)
        self.number = number
        self.void = void
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN + 5)
        self.set_title(f"Invoice {number}")
        self.set_creator("VA Desk")

    def header(self) -> None:
        if not self.void:
            return
        with (
            self.local_context(text_color=(235, 170, 170)),
            self.rotation(45, self.w / 2, self.h / 2),
        ):
            self.set_font(BODY, "B", 110)
            self.set_xy(0, self.h / 2 - 20)
            self.cell(self.w, 40, "VOID", align="C")
        self.set_xy(self.l_margin, self.t_margin)

    def footer(self) -> None:
        self.set_y(-MARGIN)
        self.set_font(BODY, "", 8)
        self.set_text_color(*GREY)
        self.cell(0, 5, f"{self.number} · Page {self.page_no()} of {{nb}}", align="C")
        self.set_text_color(0)


def _texts(invoice: Invoice, lines: Sequence[InvoiceLine], issued: _Issued) -> list[str]:
    """Everything people typed that the PDF prints, to pick its fonts."""
    sender = issued.sender
    texts = [sender.business_name, sender.address, sender.email, invoice.client_name]
    texts += [invoice.client_channel or "", invoice.void_reason or "", invoice.number]
    texts += [text for line in lines for text in (line.description, line.person or "")]
    return texts


def _sender_block(pdf: _InvoicePDF, sender: Sender) -> None:
    if sender.logo_path and Path(sender.logo_path).is_file():
        pdf.image(sender.logo_path, x=MARGIN, y=MARGIN, h=LOGO_HEIGHT)
        pdf.set_y(MARGIN + LOGO_HEIGHT + 3)
    width = pdf.epw * 0.55
    pdf.set_font(BODY, "B", 13)
    pdf.multi_cell(width, 6, sender.business_name or " ", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(BODY, "", 9)
    for text in (sender.address, sender.email):
        if text:
            pdf.multi_cell(width, 4.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _title_block(pdf: _InvoicePDF, invoice: Invoice) -> None:
    """The number and dates at the top right."""
    x, width = MARGIN + pdf.epw * 0.55, pdf.epw * 0.45
    pdf.set_xy(x, MARGIN)
    pdf.set_font(BODY, "B", 20)
    pdf.cell(width, 9, "INVOICE", align="R", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(BODY, "B", 10)
    pdf.cell(width, 5.5, invoice.number, align="R", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(BODY, "", 9)
    for label, day in (("Issued", invoice.issued_on), ("Due", invoice.due_on)):
        pdf.cell(width, 5, f"{label}: {_day(day)}", align="R", new_x=XPos.LEFT, new_y=YPos.NEXT)


def _client_block(pdf: _InvoicePDF, invoice: Invoice) -> None:
    pdf.set_font(BODY, "B", 9)
    pdf.set_text_color(*GREY)
    pdf.cell(0, 5, "BILL TO", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0)
    pdf.set_font(BODY, "B", 11)
    pdf.multi_cell(pdf.epw * 0.6, 5.5, invoice.client_name, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(BODY, "", 9)
    channel = channel_name(invoice.client_channel)
    if channel:
        pdf.cell(0, 5, f"Slack channel: #{channel}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    period = f"Services from {_day(invoice.period_start)} to {_day(invoice.period_end)}"
    pdf.cell(0, 5, period, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _void_notice(pdf: _InvoicePDF, invoice: Invoice) -> None:
    pdf.ln(2)
    pdf.set_text_color(*VOID_RED)
    pdf.set_font(BODY, "B", 11)
    voided = f" on {_day(invoice.voided_at.date())}" if invoice.voided_at else ""
    reason = f": {invoice.void_reason}" if invoice.void_reason else ""
    notice = f"VOID: this invoice was voided{voided}{reason}"
    pdf.multi_cell(0, 5.5, notice, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0)


def _lines_table(
    pdf: _InvoicePDF, invoice: Invoice, lines: Sequence[InvoiceLine], shaping: bool
) -> None:
    """The services, one row per line, the header repeated on every page."""
    rows = [_line_cells(line, invoice.currency) for line in sorted(lines, key=_position)]
    draw_table(pdf, TABLE_HEADINGS, rows, TABLE_COLUMNS, TABLE_ALIGN, wrapped=2, shaping=shaping)


def _totals(pdf: _InvoicePDF, invoice: Invoice, terms: BillingTerms) -> None:
    rows = [
        ("Subtotal", _amount(invoice.subtotal_minor, invoice)),
        (f"Tax ({_percent(terms.tax_percent)})", _amount(invoice.tax_minor, invoice)),
        ("Total", _amount(invoice.total_minor, invoice)),
    ]
    if pdf.will_page_break(6 * len(rows) + 20):
        pdf.add_page()
    pdf.ln(3)
    label_x, width = MARGIN + pdf.epw * 0.55, pdf.epw * 0.45
    for label, value in rows:
        bold = "B" if label == "Total" else ""
        pdf.set_font(BODY, bold, 11 if bold else 9.5)
        pdf.set_x(label_x)
        pdf.cell(width * 0.55, 6, label)
        pdf.cell(width * 0.45, 6, value, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _terms_block(pdf: _InvoicePDF, invoice: Invoice, terms: BillingTerms) -> None:
    pdf.ln(4)
    pdf.set_font(BODY, "B", 9)
    pdf.cell(0, 5, "Payment terms", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(BODY, "", 9)
    pdf.multi_cell(0, 5, payment_terms(invoice, terms), new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def render_invoice_pdf(invoice: Invoice, lines: Sequence[InvoiceLine], paper: str) -> bytes:
    """The invoice as a PDF on `paper` ("A4" or "Letter")."""
    if paper not in PAPERS:
        raise ValueError(f"paper must be one of {', '.join(PAPERS)}, not {paper!r}")
    issued = _issued(invoice)
    pdf = _InvoicePDF(paper, invoice.number, void=invoice.status == "void")
    shaping = set_up_fonts(pdf, _texts(invoice, lines, issued))
    pdf.add_page()
    _sender_block(pdf, issued.sender)
    sender_bottom = pdf.get_y()
    _title_block(pdf, invoice)
    pdf.set_y(max(sender_bottom, pdf.get_y()) + 6)
    _client_block(pdf, invoice)
    if pdf.void:
        _void_notice(pdf, invoice)
    pdf.ln(5)
    _lines_table(pdf, invoice, lines, shaping)
    _totals(pdf, invoice, issued.terms)
    _terms_block(pdf, invoice, issued.terms)
    return bytes(pdf.output())


def invoice_csv(invoice: Invoice, lines: Sequence[InvoiceLine]) -> bytes:
    """The lines as UTF-8 CSV (with a byte-order mark, as the timesheet export, so
    spreadsheet tools detect the encoding): the header and one row per line. Amounts and
    rates are plain decimals; text a spreadsheet would run as a formula is quoted."""
    stream = io.StringIO(newline="")
    writer = csv.writer(stream)
    writer.writerow(CSV_COLUMNS)
    currency = invoice.currency
    for line in sorted(lines, key=_position):
        seconds = line.billed_seconds or line.raw_seconds
        writer.writerow(
            [
                invoice.number,
                line.position,
                line.kind,
                spreadsheet_safe(line.description),
                spreadsheet_safe(line.person or ""),
                line.day.isoformat() if line.day else "",
                line.entry_count,
                line.raw_seconds,
                line.billed_seconds,
                money.hours(seconds) if seconds else "",
                line.rate or "",
                money.from_minor_units(line.amount_minor, currency),
                currency,
            ]
        )
    return stream.getvalue().encode("utf-8-sig")
