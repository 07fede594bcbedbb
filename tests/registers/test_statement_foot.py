"""Issue 13: a register PDF carries the ledger's latest signed statement at its foot, as a
DataMatrix a phone can read and check, so the printed register proves what was published."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pypdfium2
import zxingcpp

from backend.custody.statements import checkpoint_sign, statement_of


def _symbols(pdf: bytes) -> list[str]:
    found: list[str] = []
    for page in pypdfium2.PdfDocument(pdf):
        image = page.render(scale=400 / 72).to_pil().convert("L")
        found += [
            s.text
            for s in zxingcpp.read_barcodes(image)
            if s.format == zxingcpp.BarcodeFormat.DataMatrix
        ]
    return found


def test_the_register_pdf_ends_with_the_latest_signed_statement(
    unit: Any, make_carrier: Any, api_as: Any, settings: Any, tmp_path: Path
) -> None:
    settings.CUSTOS_KEY_DIR = tmp_path / "keys"
    for _ in range(3):
        make_carrier("secret")
    api = api_as(unit.committee)
    before = api.get("/registers/carriers.pdf")
    assert before.status_code == 200
    assert _symbols(b"".join(before.streaming_content)) == []  # nothing signed yet
    checkpoint_sign()
    after = api.get("/registers/carriers.pdf")
    assert _symbols(b"".join(after.streaming_content)) == [statement_of(None).text()]
