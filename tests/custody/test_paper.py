"""backend/custody/paper.py: the ledger's latest signed statement at a printed page's foot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import zxingcpp

from backend.custody.paper import checkpoint_foot
from backend.custody.statements import checkpoint_sign, statement_of, statement_text_parse
from labels import raster
from labels.layout import Label


@pytest.mark.django_db
def test_the_ledgers_latest_statement_goes_to_the_foot(
    make_carrier: Any, settings: Any, tmp_path: Path
) -> None:
    settings.CUSTOS_KEY_DIR = tmp_path / "keys"
    assert checkpoint_foot(left=18, top=250, width=174) == []
    make_carrier()
    checkpoint_sign()
    latest = statement_of(None)
    items = checkpoint_foot(left=18, top=250, width=174)
    label = Label(width=210.0, height=297.0, dpi=600, items=tuple(items))
    [found] = zxingcpp.read_barcodes(raster.image(label).convert("L"))
    assert found.text == latest.text()
    assert statement_text_parse(found.text).authentic()  # a phone's read verifies as signed
