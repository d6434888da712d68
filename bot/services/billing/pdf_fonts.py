"""The fonts an invoice PDF is set in, so a name in any script people type in Slack
renders: DejaVu Sans (Latin with its accents, Greek, Cyrillic, Hebrew, Arabic), the copy
matplotlib installs for the weekly chart, and Noto Sans CJK (the noto-cjk-sans-otc
package) as the fallback for Chinese, Japanese and Korean. Both ship on PyPI; nothing
comes from the system.

Loading the 19 MB CJK collection and shaping text (right-to-left scripts need it) cost
more than the rest of a render, so each is done only for an invoice whose text needs it."""

from __future__ import annotations

import importlib.util
import unicodedata
from collections.abc import Iterable
from functools import cache
from importlib.resources import files
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import TTFFont

BODY = "body"
CJK = "cjk"
# Noto Sans CJK's collection holds JP, KR, SC, TC and HK faces, each with every CJK
# ideograph, kana and hangul; they differ in regional glyph forms only.
CJK_FACE = 0
# Scripts whose letters change shape with their neighbours or run right to left.
_SHAPED_BIDI_CLASSES = frozenset({"R", "AL", "AN", "NSM"})


@cache
def _dejavu_dir() -> Path:
    """matplotlib's bundled DejaVu fonts, found without importing matplotlib."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("matplotlib (which ships the DejaVu fonts) is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "mpl-data" / "fonts" / "ttf"


def body_font_files() -> tuple[Path, Path]:
    """DejaVu Sans, regular and bold."""
    folder = _dejavu_dir()
    return folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"


def cjk_font_file() -> Path:
    return Path(str(files("noto_cjk_sans_otc").joinpath("NotoSansCJK-Regular.ttc")))


def needs_shaping(text: str) -> bool:
    """Right-to-left letters (Hebrew, Arabic) and combining marks: text shaping joins
    Arabic letters, orders the line and places the marks."""
    return any(unicodedata.bidirectional(char) in _SHAPED_BIDI_CLASSES for char in text)


def set_up_fonts(pdf: FPDF, texts: Iterable[str]) -> bool:
    """Adds the body font (regular and bold); the CJK fallback when a text has a
    character the body font lacks; shaping when a text needs it (returned)."""
    regular, bold = body_font_files()
    pdf.add_font(BODY, "", str(regular))
    pdf.add_font(BODY, "B", str(bold))
    body = pdf.fonts[BODY]
    assert isinstance(body, TTFFont)  # added from a file just above
    covered = body.cmap
    wanted = "".join(texts)
    if any(ord(char) not in covered for char in set(wanted) if not char.isspace()):
        pdf.add_font(CJK, "", str(cjk_font_file()), collection_font_number=CJK_FACE)
        pdf.set_fallback_fonts([CJK], exact_match=False)
    shaping = needs_shaping(wanted)
    pdf.set_text_shaping(shaping)
    return shaping
