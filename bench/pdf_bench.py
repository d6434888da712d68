"""Two PDF libraries that install from PyPI alone, ReportLab and fpdf2, on the same 60-line
invoice (sender, client, a table whose header repeats on every page, totals, "Page n of
m"): what each installs, how long it takes to import, and how long a render takes.

Each library is installed with pip into a folder of its own (with its dependencies), so
the sizes are what a fresh install puts on disk; "extra" leaves out what VA Desk installs
anyway (Pillow and fontTools come with matplotlib). Every timing runs in a fresh process
that puts that folder first on its path: the import first, then the first render (fonts
loaded, subset and embedded) and the best of three more. The baseline, in the same run,
is ReportLab with its built-in Helvetica.

    .venv/bin/python -m bench.pdf_bench                 # about two minutes
    .venv/bin/python -m bench.pdf_bench --runs 11 --keep /tmp/pdf-bench

Cases: both libraries with Helvetica (Latin-1 only) and with DejaVu Sans (TrueType,
accented names), then VA Desk's own `render_invoice_pdf` (fpdf2) on names with accents
only, and on names in five scripts (Latin, Arabic and Hebrew shaped with uharfbuzz, Chinese
and Korean from the Noto Sans CJK fallback).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# What VA Desk installs for its PDFs alone (matplotlib brings Pillow and fontTools).
PDF_STACK = frozenset({"fpdf2", "uharfbuzz", "noto-cjk-sans-otc", "defusedxml"})
LINES = 60
# What each candidate installs: (folder, requirements).
INSTALLS = {
    "reportlab": ["reportlab"],
    "fpdf2": ["fpdf2"],
    "uharfbuzz": ["uharfbuzz"],
    "noto-cjk-sans-otc": ["noto-cjk-sans-otc"],
}
# case: (folder on the path, library, font)
CASES = {
    "reportlab-helvetica": ("reportlab", "reportlab", "helvetica"),
    "fpdf2-helvetica": ("fpdf2", "fpdf2", "helvetica"),
    "reportlab-dejavu": ("reportlab", "reportlab", "dejavu"),
    "fpdf2-dejavu": ("fpdf2", "fpdf2", "dejavu"),
    "vadesk-accents": (None, "vadesk", "accents"),
    "vadesk-five-scripts": (None, "vadesk", "scripts"),
}
ACCENTED = ("Ana Núñez", "Zoë Ångström", "José Müller", "Chloé Dubois", "Łukasz Wójcik")
SCRIPTS = ("Ana Núñez", "محمد علي", "דוד כהן", "王小明", "김민준", "Zoë Ångström")
LATIN_1 = ("Ana Nunez", "Zoe Angstrom", "Jose Muller", "Chloe Dubois", "Lukasz Wojcik")


# --------------------------------------------------------------------------- the invoice


def _rows(names: tuple[str, ...]) -> list[tuple[str, str, str, str, str]]:
    return [
        (
            f"T-{n} Call with {names[n % len(names)]} about the plan"
            + (" and the follow-up notes for the quarter" if n % 4 == 0 else ""),
            names[n % len(names)],
            "1.50",
            "$35.50/h",
            "$53.25",
        )
        for n in range(1, LINES + 1)
    ]


HEADINGS = ("Description", "Person", "Hours", "Rate", "Amount")
TOTALS = (("Subtotal", "$3,195.00"), ("Tax (8.25%)", "$263.59"), ("Total", "$3,458.59"))
SENDER = ("Olivia's VA Agency", "1 Main St, Springfield, IL 62701", "billing@example.com")


def _dejavu() -> tuple[str, str]:
    """The DejaVu Sans that VA Desk uses (matplotlib's), found without importing either."""
    import importlib.util

    spec = importlib.util.find_spec("matplotlib")
    assert spec is not None and spec.submodule_search_locations
    folder = Path(next(iter(spec.submodule_search_locations))) / "mpl-data" / "fonts" / "ttf"
    return str(folder / "DejaVuSans.ttf"), str(folder / "DejaVuSans-Bold.ttf")


def render_reportlab(font: str) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen.canvas import Canvas
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    regular, bold = "Helvetica", "Helvetica-Bold"
    if font == "dejavu":
        files = _dejavu()
        pdfmetrics.registerFont(TTFont("DejaVu", files[0]))
        pdfmetrics.registerFont(TTFont("DejaVu-Bold", files[1]))
        regular, bold = "DejaVu", "DejaVu-Bold"
    names = ACCENTED if font == "dejavu" else LATIN_1

    class NumberedCanvas(Canvas):
        """ReportLab's way to "Page n of m": keep each page, number them at the end."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages = []

        def showPage(self):
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            for page in self._pages:
                self.__dict__.update(page)
                self.setFont(regular, 8)
                self.drawCentredString(
                    A4[0] / 2, 10 * mm, f"Page {self._pageNumber} of {len(self._pages)}"
                )
                super().showPage()
            super().save()

    body = ParagraphStyle("body", fontName=regular, fontSize=8.5, leading=10.5)
    title = ParagraphStyle("title", fontName=bold, fontSize=13, leading=16)
    out = io.BytesIO()
    document = SimpleDocTemplate(out, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm)
    story = [Paragraph(SENDER[0], title), *(Paragraph(text, body) for text in SENDER[1:])]
    story += [Spacer(1, 6 * mm), Paragraph("INVOICE INV-2026-0007", title), Spacer(1, 4 * mm)]
    cells = [[Paragraph(text, body) for text in row] for row in _rows(names)]
    table = Table(
        [list(HEADINGS), *cells],
        colWidths=[80 * mm, 36 * mm, 18 * mm, 22 * mm, 24 * mm],
        repeatRows=1,
    )
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, 0), bold, 8.5),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#ececec")),
                ("LINEBELOW", (0, 0), (-1, -1), 0.4, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    story += [table, Spacer(1, 4 * mm)]
    story += [Paragraph(f"{label}: {value}", body) for label, value in TOTALS]
    document.build(story, canvasmaker=NumberedCanvas)
    return out.getvalue()


def render_fpdf2(font: str) -> bytes:
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    family = "helvetica"

    class Invoice(FPDF):
        def footer(self) -> None:
            self.set_y(-15)
            self.set_font(family, "", 8)
            self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="C")

    pdf = Invoice(format="A4")
    if font == "dejavu":
        files = _dejavu()
        pdf.add_font("dejavu", "", files[0])
        pdf.add_font("dejavu", "B", files[1])
        family = "dejavu"
    names = ACCENTED if font == "dejavu" else LATIN_1
    pdf.set_margins(15, 15, 15)
    pdf.add_page()
    pdf.set_font(family, "B", 13)
    pdf.cell(0, 6, SENDER[0], new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 9)
    for text in SENDER[1:]:
        pdf.cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font(family, "B", 13)
    pdf.cell(0, 6, "INVOICE INV-2026-0007", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(family, "", 8.5)
    with pdf.table(
        col_widths=(44, 20, 10, 12, 14),
        text_align=("LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT"),
        headings_style=FontFace(emphasis="BOLD", fill_color=(236, 236, 236)),
        borders_layout="HORIZONTAL_LINES",
        line_height=4.6,
    ) as table:
        table.row(HEADINGS)
        for row in _rows(names):
            table.row(row)
    pdf.ln(4)
    for label, value in TOTALS:
        pdf.cell(0, 5, f"{label}: {value}", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def render_vadesk(font: str) -> bytes:
    from bot.services.billing.document import render_invoice_pdf

    invoice, lines = _vadesk_invoice(ACCENTED if font == "accents" else SCRIPTS)
    return render_invoice_pdf(invoice, lines, "A4")


def _vadesk_invoice(names: tuple[str, ...]):
    from dataclasses import asdict
    from datetime import UTC, date, datetime
    from decimal import Decimal

    from bot.services.billing.terms import BillingTerms, Sender
    from store.models.billing import Invoice, InvoiceLine

    terms = BillingTerms("acme", rate=Decimal("35.5"), tax_percent=Decimal("8.25"))
    sender = Sender(SENDER[0], SENDER[1], SENDER[2])
    invoice = Invoice(
        id=1,
        team_id="T0BENCH",
        number="INV-2026-0007",
        year=2026,
        seq=7,
        client_id=1,
        client_name="Acme Corp",
        client_channel="acme",
        period_start=date(2026, 11, 1),
        period_end=date(2026, 11, 30),
        issued_on=date(2026, 12, 1),
        due_on=date(2026, 12, 15),
        currency="USD",
        subtotal_minor=319_500,
        tax_minor=26_359,
        total_minor=345_859,
        terms=json.dumps(terms.to_record()),
        sender=json.dumps(asdict(sender)),
        created_by="U0OWNER",
        created_at=datetime(2026, 12, 1, 15, tzinfo=UTC),
    )
    lines = [
        InvoiceLine(
            invoice_id=1,
            position=n,
            kind="time",
            description=row[0],
            person=row[1],
            raw_seconds=5400,
            billed_seconds=5400,
            rate="35.5",
            amount_minor=5325,
        )
        for n, row in enumerate(_rows(names), start=1)
    ]
    return invoice, lines


# --------------------------------------------------------------------------- one process


IMPORTS = {
    "reportlab": "import reportlab.platypus, reportlab.pdfgen.canvas, reportlab.pdfbase.ttfonts",
    "fpdf2": "import fpdf",
    "vadesk": "import bot.services.billing.document",
}
RENDERERS = {"reportlab": render_reportlab, "fpdf2": render_fpdf2, "vadesk": render_vadesk}


def child(library: str, font: str) -> None:
    """Runs in a fresh process: the import, the first render, the best of three more."""
    started = time.perf_counter()
    exec(IMPORTS[library])  # the measured import, before anything else loads Pillow
    imported = time.perf_counter()
    render = RENDERERS[library]
    pdf = render(font)
    first = time.perf_counter() - imported
    warm = []
    for _ in range(3):
        began = time.perf_counter()
        render(font)
        warm.append(time.perf_counter() - began)
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
    result = {"import": imported - started, "first": first, "warm": min(warm)}
    print(json.dumps(result | {"bytes": len(pdf), "pages": pages}))


# --------------------------------------------------------------------------- the bench


def _install(folder: Path, requirements: list[str]) -> None:
    if folder.exists() and any(folder.iterdir()):
        return
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--target", str(folder)]
    subprocess.run([*command, *requirements], check=True, capture_output=True)


def _size(folder: Path, only: set[str] | None = None) -> tuple[int, list[str]]:
    """Bytes on disk of what pip put in `folder` (only the distributions named in `only`
    when given) and the distributions it holds."""
    dists = {}
    for info in folder.glob("*.dist-info"):
        dist = metadata.Distribution.at(info)
        name = dist.metadata["Name"].lower()
        dists[name] = sum(
            (folder / str(path)).stat().st_size
            for path in dist.files or ()
            if (folder / str(path)).is_file()
        )
    chosen = {name: size for name, size in dists.items() if only is None or name in only}
    return sum(chosen.values()), sorted(
        f"{name} {size / 1e6:.1f} MB" for name, size in chosen.items()
    )


def _installed_here() -> set[str]:
    return {dist.metadata["Name"].lower() for dist in metadata.distributions()}


def _measure(case: str, folder: Path | None, runs: int) -> list[dict]:
    _, library, font = CASES[case]
    env = dict(os.environ)
    paths = [str(folder)] if folder else []
    env["PYTHONPATH"] = os.pathsep.join([*paths, str(REPO)])
    results = []
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-m", "bench.pdf_bench", "--child", library, font],
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode:
            raise SystemExit(f"{case} failed:\n{done.stderr}")
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return results


def _spread(values: list[float]) -> str:
    """Median (min–max), in milliseconds."""
    low, high = min(values) * 1000, max(values) * 1000
    return f"{statistics.median(values) * 1000:.0f} ms ({low:.0f}–{high:.0f})"


def _print_sizes(root: Path) -> None:
    here = _installed_here() - PDF_STACK
    print("Install size (pip install --target, with dependencies; extra: what VA Desk's")
    print("other dependencies do not install already)")
    for name, requirements in INSTALLS.items():
        _install(root / name, requirements)
        total, dists = _size(root / name)
        extra, _ = _size(root / name, {dist.split()[0] for dist in dists} - here)
        print(f"  {name:18} {total / 1e6:6.1f} MB  extra {extra / 1e6:5.1f} MB  {', '.join(dists)}")


def _print_timings(root: Path, runs: int) -> None:
    print(f"\n{LINES}-line invoice on A4, {runs} fresh processes per case: median (min–max)")
    print(f"  {'case':20} {'import':>20} {'first render':>20} {'best later':>20}  pages  PDF")
    baseline = None
    for case, (folder, _library, _font) in CASES.items():
        results = _measure(case, root / folder if folder else None, runs)
        first = [result["first"] for result in results]
        baseline = baseline or statistics.median(first)
        ratio = statistics.median(first) / baseline
        print(
            f"  {case:20} {_spread([r['import'] for r in results]):>20} {_spread(first):>20} "
            f"{_spread([r['warm'] for r in results]):>20}  {results[0]['pages']:>5}  "
            f"{results[0]['bytes'] / 1000:.0f} kB  first render {ratio:.1f}x the baseline"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="fresh processes per case (7)")
    parser.add_argument("--keep", help="install into this folder and reuse it next time")
    parser.add_argument("--child", nargs=2, metavar=("LIBRARY", "FONT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return 0
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(args.keep or scratch)
        _print_sizes(root)
        _print_timings(root, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
