"""An invoice's PDF and CSV, read back: the PDF parsed with pypdf (its text in every
script, its pages and their repeated table header), the CSV as a spreadsheet reads it."""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from bot.services.billing.document import (
    CSV_COLUMNS,
    channel_name,
    invoice_csv,
    render_invoice_pdf,
)
from tests.invoice_rows import NUMBER, PEOPLE, SENDER, make_invoice

POINTS_PER_MM = 72 / 25.4
HEADER_ROW = "Description Person Hours Rate Amount"


def _pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def _compact(text: str) -> str:
    """Text without its spacing. pypdf reads the CJK font's embedded encoding CMap as
    one-byte codes and puts a NUL and a space before each CJK character (pdfium reads the
    same file clean), so those go too."""
    return "".join(text.replace("\x00", "").split())


@pytest.fixture(scope="module", params=["A4", "Letter"])
def sixty_lines(request: pytest.FixtureRequest) -> tuple[str, bytes]:
    invoice, lines = make_invoice(60)
    return request.param, render_invoice_pdf(invoice, lines, request.param)


def test_the_pdf_shows_every_script_the_figures_and_the_terms(sixty_lines):
    _, pdf = sixty_lines
    text = "\n".join(_pages(pdf))
    compact = _compact(text)
    for name in PEOPLE:
        assert _compact(name) in compact, name
    for expected in (
        NUMBER,
        "Olivia's VA Agency",
        "Springfield, IL 62701",
        "billing@example.com",
        "Acme Corp",
        "株式会社アクメ",
        "#acme",
        "Issued: December 1, 2026",
        "Due: December 15, 2026",
        "Services from November 1, 2026 to November 30, 2026",
        "T-60 Call with",
        "$35.50/h",
        "$53.25",
        "Subtotal $3,195.00",
        "Tax (8.25%) $263.59",
        "Total $3,458.59",
        "Due within 14 days, by December 15, 2026",
    ):
        assert _compact(expected) in compact, expected
    assert "VOID" not in text


def test_sixty_lines_take_several_pages_each_with_the_table_header(sixty_lines):
    paper, pdf = sixty_lines
    pages = _pages(pdf)
    with_lines = [text for text in pages if "Call with" in text]
    assert len(with_lines) > 1
    assert all(HEADER_ROW in text for text in with_lines)
    for number, text in enumerate(pages, start=1):
        assert f"{NUMBER} · Page {number} of {len(pages)}" in text
    every_line = _compact("".join(pages))
    assert all(f"T-{n}Callwith" in every_line for n in range(1, 61))
    width, height = PdfReader(io.BytesIO(pdf)).pages[0].mediabox[2:]
    assert (round(float(width)), round(float(height))) == (
        (595, 842) if paper == "A4" else (612, 792)
    )


def test_a_void_invoice_says_so_on_every_page_with_its_reason():
    invoice, lines = make_invoice(60)
    invoice.status = "void"
    invoice.void_reason = "Billed the wrong month"
    invoice.voided_at = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
    pages = _pages(render_invoice_pdf(invoice, lines, "A4"))
    assert "VOID: this invoice was voided on December 2, 2026: Billed the wrong month" in (
        pages[0].replace("\n", " ")
    )
    assert all("VOID" in page for page in pages)


def test_latin_text_embeds_one_font_family_and_cjk_adds_the_fallback():
    """The 19 MB CJK font is loaded only for an invoice whose text needs it."""
    invoice, lines = make_invoice(3)
    for line in lines:
        line.person = "Zoë Ångström"
        line.description = "Inbox zero, déjà vu"
    invoice.client_name = "Acme Corp"
    latin = PdfReader(io.BytesIO(render_invoice_pdf(invoice, lines, "A4")))
    lines[0].person = "王小明"
    mixed = PdfReader(io.BytesIO(render_invoice_pdf(invoice, lines, "A4")))

    def fonts(reader: PdfReader) -> set[str]:
        names = set()
        for page in reader.pages:
            for font in page["/Resources"]["/Font"].values():
                names.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
        return names

    assert fonts(latin) == {"DejaVuSansBook", "DejaVuSansBold"}
    assert fonts(mixed) == {"DejaVuSansBook", "DejaVuSansBold", "NotoSansCJKJP"}
    assert "王小明" in _compact(latin.pages[0].extract_text() + mixed.pages[0].extract_text())


def test_the_logo_is_drawn_when_its_file_exists(tmp_path: Path):
    logo = tmp_path / "logo.png"
    Image.new("RGB", (120, 40), (20, 90, 160)).save(logo)
    invoice, lines = make_invoice(2, sender=replace(SENDER, logo_path=str(logo)))
    with_logo = PdfReader(io.BytesIO(render_invoice_pdf(invoice, lines, "A4")))
    assert len(with_logo.pages[0].images) == 1
    missing = replace(SENDER, logo_path=str(tmp_path / "gone.png"))
    invoice, lines = make_invoice(2, sender=missing)
    without = PdfReader(io.BytesIO(render_invoice_pdf(invoice, lines, "A4")))
    assert len(without.pages[0].images) == 0
    assert "Olivia's VA Agency" in without.pages[0].extract_text()


def test_the_channel_is_shown_by_name_never_by_id():
    assert channel_name("acme") == channel_name("#acme") == "acme"
    assert channel_name("C0ACME") is None and channel_name("C08ABCDEF12") is None
    assert channel_name(None) is None and channel_name("") is None
    invoice, lines = make_invoice(1)
    invoice.client_channel = "C08ABCDEF12"
    text = PdfReader(io.BytesIO(render_invoice_pdf(invoice, lines, "A4"))).pages[0].extract_text()
    assert "C08ABCDEF12" not in text and "Slack channel" not in text


def test_an_unknown_paper_is_refused():
    invoice, lines = make_invoice(1)
    with pytest.raises(ValueError, match="A4, Letter"):
        render_invoice_pdf(invoice, lines, "A3")


def test_the_csv_has_one_row_per_line_and_runs_no_formula():
    invoice, lines = make_invoice(3)
    lines[0].description = '=HYPERLINK("http://evil")'
    lines[1].person = "+1 555 0100"
    lines[2].description = "@SUM(A1)"
    lines[2].day = lines[2].day or datetime(2026, 11, 3).date()
    lines[2].rate = "35.1275"
    data = invoice_csv(invoice, list(reversed(lines)))
    assert data.startswith(codecs.BOM_UTF8)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0] == list(CSV_COLUMNS)
    assert [row[1] for row in rows[1:]] == ["1", "2", "3"]  # in position order
    first, second, third = (dict(zip(rows[0], row, strict=True)) for row in rows[1:])
    assert first["description"] == '\'=HYPERLINK("http://evil")'
    assert second["person"] == "'+1 555 0100"
    assert third["description"] == "'@SUM(A1)"
    assert first == {
        "invoice": NUMBER,
        "position": "1",
        "kind": "time",
        "description": '\'=HYPERLINK("http://evil")',
        "person": PEOPLE[1],
        "day": "",
        "entries": "2",
        "raw_seconds": "5340",
        "billed_seconds": "5400",
        "hours": "1.50",
        "rate": "35.5",
        "amount": "53.25",
        "currency": "USD",
    }
    assert (third["day"], third["rate"]) == ("2026-11-03", "35.1275")
    assert len(rows) == 4
