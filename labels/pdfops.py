"""The PDF drawing pieces both writers share: numbers, strings, and glyphs as paths.

``labels.vector`` (labels and sheets, through reportlab) and ``labels.pdfstream``
(registers and reports of any length, written page by page) draw text the same way: each
glyph of the label font once per document as a form XObject, placed by reference.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from labels.matrix import Matrix

PT_PER_MM = 72 / 25.4


def num(value: float) -> str:
    """Compact decimal: enough digits for 1/600 in, no exponent, no trailing zeros."""
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def pdf_string(text: str) -> str:
    """A PDF text string (UTF-16BE with BOM), hex-encoded so no escaping is needed."""
    return "<FEFF" + text.encode("utf-16-be").hex().upper() + ">"


def form_name(ch: str, weight: int) -> str:
    """The form XObject's name for one glyph at one weight."""
    return f"g{weight}u{ord(ch):x}"


def glyph_path(segments: Iterable[tuple[str, tuple[float, ...]]]) -> str:
    """A glyph outline (labels.fonts.segments) as PDF path operators, filled."""
    ops = []
    for kind, pts in segments:
        nums = " ".join(num(v) for v in pts)
        ops.append({"M": f"{nums} m", "L": f"{nums} l", "C": f"{nums} c", "Z": "h"}[kind])
    ops.append("f")  # nonzero winding, as CFF outlines are designed for
    return "\n".join(ops)


def matrix_ops(item: Matrix, x_pt: float, y_pt: float) -> str:
    """A DataMatrix as filled runs of modules, its top-left corner at (``x_pt``, ``y_pt``)
    in points (y up). Drawn in module units, y down from the symbol's top edge: whole
    numbers only, so a sheet of a thousand symbols formats integers, not coordinates."""
    m = num(item.module * PT_PER_MM)
    runs = " ".join(f"{start} {row} {run} 1 re" for row, start, run in item.symbol.runs())
    return f"q {m} 0 0 -{m} {num(x_pt)} {num(y_pt)} cm {runs} f Q"
