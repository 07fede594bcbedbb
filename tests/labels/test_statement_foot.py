"""labels/statement_foot.py: a checkpoint statement at a page's foot reads back whole."""

from __future__ import annotations

import zxingcpp

from labels import raster
from labels.layout import Label, Text
from labels.matrix import Matrix
from labels.statement_foot import FOOT_HEIGHT, statement_foot
from labels.vector import PdfDocument

# The shape of a real statement's text form (backend/custody/statements.py).
STATEMENT = (
    "custos-checkpoint/1 unit=BMB id=42 at=2026-12-04T17:47:55.470522Z carriers=1000000"
    " events=10000000 hash=sha256 root=" + "a3" * 32 + " prev=" + "0d" * 32 + " key=5f0c2b9e1a7d"
    " sig=" + "Qk" * 43
)


def _foot(width: float = 174.0) -> list[Matrix | Text]:
    return statement_foot(
        text=STATEMENT, fingerprint="a3a3 0de1 4077", checkpoint=42, left=18, top=250, width=width
    )


def test_the_2d_code_holds_the_statement_and_reads_back_from_the_printed_dots() -> None:
    items = _foot()
    label = Label(width=210.0, height=297.0, dpi=600, items=tuple(items))
    [symbol] = [i for i in items if isinstance(i, Matrix)]
    assert symbol.y + symbol.side - symbol.quiet <= 250 + FOOT_HEIGHT
    found = zxingcpp.read_barcodes(raster.image(label).convert("L"))
    assert [b.text for b in found] == [STATEMENT]


def test_the_text_beside_it_is_the_whole_statement_within_the_width() -> None:
    items = _foot(width=120.0)
    texts = [i for i in items if isinstance(i, Text)]
    assert "#42" in texts[0].text and "a3a3 0de1 4077" in texts[0].text
    assert "".join(t.text.replace(" ", "") for t in texts[1:]) == STATEMENT.replace(" ", "")
    assert max(t.baseline for t in texts) <= 250 + FOOT_HEIGHT
    doc = PdfDocument()
    doc.new_page(210.0, 297.0)
    doc.draw(Label(width=210.0, height=297.0, dpi=600, items=tuple(items)))
    assert doc.finish().startswith(b"%PDF")
