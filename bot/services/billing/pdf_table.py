"""The invoice's table of services, drawn row by row: its header again at the top of every
page, only the description and the person wrapped (the figures fit one line), and text
shaping only for the cells whose text needs it. fpdf2's own table shaped and wrapped
every cell, which made a 60-line invoice take several times longer to render."""

from __future__ import annotations

from collections.abc import Sequence

from fpdf import FPDF
from fpdf.enums import MethodReturnValue

from bot.services.billing.pdf_fonts import BODY, needs_shaping

LINE_HEIGHT = 4.6  # mm
PADDING = 1.2
FONT_SIZE = 8.5
HEADER_FILL = (236, 236, 236)
RULE_GREY = 160


def _shaped(pdf: FPDF, text: str, shaping: bool) -> None:
    pdf.set_text_shaping(shaping and needs_shaping(text))


def _height(
    pdf: FPDF, row: Sequence[str], widths: Sequence[float], wrapped: int, shaping: bool
) -> float:
    """The row's height: its tallest wrapped cell, padded."""
    lines = 1
    for text, width in zip(row[:wrapped], widths, strict=False):
        _shaped(pdf, text, shaping)
        broken = pdf.multi_cell(
            width - 2 * PADDING, LINE_HEIGHT, text, dry_run=True, output=MethodReturnValue.LINES
        )
        assert isinstance(broken, list)  # what output=LINES returns
        lines = max(lines, len(broken))
    return lines * LINE_HEIGHT + 2 * PADDING


def _cells(
    pdf: FPDF,
    row: Sequence[str],
    widths: Sequence[float],
    align: Sequence[str],
    wrapped: int,
    shaping: bool,
) -> None:
    top, x = pdf.get_y(), pdf.l_margin
    for column, (text, width) in enumerate(zip(row, widths, strict=True)):
        _shaped(pdf, text, shaping)
        pdf.set_xy(x + PADDING, top + PADDING)
        inner = width - 2 * PADDING
        if column < wrapped:
            pdf.multi_cell(inner, LINE_HEIGHT, text, align=align[column])
        else:
            pdf.cell(inner, LINE_HEIGHT, text, align=align[column])
        x += width


def _rule(pdf: FPDF, y: float) -> None:
    pdf.set_draw_color(RULE_GREY)
    pdf.line(pdf.l_margin, y, pdf.l_margin + pdf.epw, y)


def _header(
    pdf: FPDF, headings: Sequence[str], widths: Sequence[float], align: Sequence[str]
) -> None:
    height = LINE_HEIGHT + 2 * PADDING
    top = pdf.get_y()
    pdf.set_fill_color(*HEADER_FILL)
    pdf.rect(pdf.l_margin, top, pdf.epw, height, style="F")
    pdf.set_font(BODY, "B", FONT_SIZE)
    _cells(pdf, headings, widths, align, wrapped=0, shaping=False)
    pdf.set_font(BODY, "", FONT_SIZE)
    pdf.set_xy(pdf.l_margin, top + height)
    _rule(pdf, top + height)


def draw_table(
    pdf: FPDF,
    headings: Sequence[str],
    rows: Sequence[Sequence[str]],
    shares: Sequence[float],
    align: Sequence[str],
    *,
    wrapped: int,
    shaping: bool,
) -> None:
    """`rows` under `headings`, columns sized by `shares` of the text width; the first
    `wrapped` columns wrap. `shaping`: whether the document needs shaping at all."""
    widths = [pdf.epw * share / sum(shares) for share in shares]
    _header(pdf, headings, widths, align)
    for row in rows:
        height = _height(pdf, row, widths, wrapped, shaping)
        if pdf.will_page_break(height):
            pdf.add_page()
            _header(pdf, headings, widths, align)
        top = pdf.get_y()
        _cells(pdf, row, widths, align, wrapped, shaping)
        _rule(pdf, top + height)
        pdf.set_xy(pdf.l_margin, top + height)
    pdf.set_text_shaping(shaping)
