"""Register PDFs wrap a value too wide for its column instead of cutting it (issue 19:
"孙监销 Sun (witn…")."""

from __future__ import annotations

import io
from datetime import datetime

import pypdfium2

from backend.registers import render
from backend.registers.selectors import LENDING_HEADINGS, Filters, Register

NAME = "孙监销 Sun (witness for the destruction of classified carriers, archive office)"


def test_a_long_name_wraps_whole_and_the_row_grows() -> None:
    widths = [w * 277 / 248 for w in (26, 50, 10, 20, 20, 28, 28, 28, 20)]
    laid = render._laid_out(("CXZ-0000000M", "短", "", NAME), widths[:4])
    assert laid is not None
    cells, height = laid
    assert len(cells[3]) > 1 and height > render.ROW_H
    assert "".join(cells[3]).replace(" ", "") == NAME.replace(" ", "")
    assert not any(line.endswith("…") for cell in cells for line in cell)
    assert cells[2] == [] and cells[1] == ["短"]


def test_a_register_of_long_rows_fills_pages_without_losing_one() -> None:
    rows = [
        ("CXZ-0000000M", "文件" * 30, "机密", NAME, "clerk", "2026-01-01 08:00", "", "", "")
        for _ in range(120)
    ]
    register = Register(
        "lending",
        "涉密载体借阅登记簿",
        LENDING_HEADINGS,
        (26, 50, 10, 20, 20, 28, 28, 28, 20),
        iter(rows),
        Filters(),
    )
    out = io.BytesIO()
    assert render.pdf(register, out, generated=datetime(2026, 1, 1)) == 120  # noqa: DTZ001
    pages = len(pypdfium2.PdfDocument(out.getvalue()))
    assert pages > 120 // 25  # taller rows: more pages than one-line rows would take
