"""`vadesk export invoice` end to end: a finalized invoice saved as rows, the console
script run as an operator runs it, the files read back."""

from __future__ import annotations

import codecs
import csv
import io

import pytest
from pypdf import PdfReader

from bot import clock
from store.db import session_scope
from tests.invoice_rows import NUMBER, save_invoice
from tests.vadesk_process import one_line, run_vadesk, vadesk_env


@pytest.fixture
def saved(engine, settings, database_url) -> dict[str, str]:
    """A 60-line invoice in the database; the environment the CLI needs to read it."""
    clock.set_now("2026-12-01T15:00:00Z")
    with session_scope(engine) as session:
        save_invoice(session, settings)
    clock.set_now(None)
    return vadesk_env(database_url, VADESK_CONFIG=str(settings.config_path))


def _pdf_pages(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def test_export_invoice_writes_the_pdf(tmp_path, saved):
    out = tmp_path / "invoice.pdf"
    result = run_vadesk("export", "invoice", NUMBER, "--out", str(out), env=saved, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"Wrote {NUMBER} (PDF, 60 lines) to {out}"
    pages = _pdf_pages(out.read_bytes())
    assert len(pages) > 1
    assert "Total $3,458.59" in pages[-1]
    assert PdfReader(io.BytesIO(out.read_bytes())).pages[0].mediabox[2:] == [595.28, 841.89]


@pytest.mark.parametrize(
    ("flags", "name", "kind"),
    [
        ((), "lines.csv", "csv"),  # from the extension
        (("--csv",), "lines.txt", "csv"),
        (("--pdf",), "invoice.csv", "pdf"),  # the flag wins
        ((), "invoice", "pdf"),  # neither: PDF
    ],
)
def test_the_flag_or_else_the_extension_picks_the_file(tmp_path, saved, flags, name, kind):
    out = tmp_path / name
    number = NUMBER.lower()  # typed in any letter case
    result = run_vadesk(
        "export", "invoice", number, *flags, "--out", str(out), env=saved, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    data = out.read_bytes()
    if kind == "pdf":
        assert data.startswith(b"%PDF-")
        return
    assert data.startswith(codecs.BOM_UTF8)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert len(rows) == 61
    assert {row[0] for row in rows[1:]} == {NUMBER}
    assert [row[1] for row in rows[1:]] == [str(n) for n in range(1, 61)]


def test_the_paper_is_the_settings(tmp_path, saved, config_file):
    with config_file.open("a", encoding="utf-8") as stream:
        stream.write('\n[billing]\npaper = "Letter"\n')
    out = tmp_path / "letter.pdf"
    result = run_vadesk(
        "export", "invoice", NUMBER, "--pdf", "--out", str(out), env=saved, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert PdfReader(io.BytesIO(out.read_bytes())).pages[0].mediabox[2:] == [612, 792]


def test_an_unknown_number_is_one_line_and_a_failure(tmp_path, saved):
    out = tmp_path / "nothing.pdf"
    result = run_vadesk(
        "export", "invoice", "INV-2026-9999", "--out", str(out), env=saved, cwd=tmp_path
    )
    assert result.returncode == 2
    assert one_line(result.stderr) == (
        "vadesk: There is no invoice 'INV-2026-9999' in this workspace; /invoice list shows them."
    )
    assert "Traceback" not in result.stderr
    assert not out.exists()
