"""The destruction certificate wraps a long place or name instead of cutting it, and
names the unit by CUSTOS_UNIT_NAME (issue 19: "销毁点 Destru…")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pypdfium2
import zxingcpp
from django.utils import timezone

from backend.custody.models import CustodyEvent
from backend.custody.statements import checkpoint_sign, statement_of
from backend.desk.certificate import Entry, layout, render
from backend.registry.models import Location
from labels.layout import Text


def test_a_long_place_is_wrapped_whole_and_the_unit_is_named(
    unit: Any, make_carrier: Any, settings: Any
) -> None:
    settings.CUSTOS_UNIT_NAME = "某县保密局机关"
    place = "销毁点 Destruction room B, basement level 2, east wing of the archive building"
    carrier = make_carrier("secret", title="很长的文件名称" * 12)
    destroyed = CustodyEvent(
        action="destroy",
        actor=unit.clerk,
        location=Location(name=place, kind="destruction"),
        occurred_at=timezone.now(),
        seq=7,
        hash="ab" * 32,
    )
    pages = layout(
        [Entry(carrier=carrier, title=carrier.title, events=[destroyed])], issued_by=unit.committee
    )
    lines = [item.text for page in pages for item in page.items if isinstance(item, Text)]
    shown = "".join(lines)
    assert not any(line.endswith("…") and "哈希" not in line for line in lines), lines
    assert "".join(place.split()) in "".join(shown.split())
    assert "".join(carrier.title.split()) in "".join(shown.split())
    assert any("单位：某县保密局机关" in line for line in lines)


def _destroyed(unit: Any, carrier: Any) -> Entry:
    event = CustodyEvent(
        action="destroy",
        actor=unit.clerk,
        location=Location(name="销毁点", kind="destruction"),
        occurred_at=timezone.now(),
        seq=5,
        hash="cd" * 32,
    )
    return Entry(carrier=carrier, title=carrier.title, events=[event])


def test_the_certificate_carries_the_latest_signed_statement_at_its_foot(
    unit: Any, make_carrier: Any, settings: Any, tmp_path: Path
) -> None:
    """Issue 13: the statement leaves the database on paper too; a phone reading the
    certificate's DataMatrix gets the statement, signature and all."""
    settings.CUSTOS_KEY_DIR = tmp_path / "keys"
    carrier = make_carrier("secret")
    before = render([_destroyed(unit, carrier)], issued_by=unit.committee)
    checkpoint_sign()
    after = render([_destroyed(unit, carrier)], issued_by=unit.committee)

    def symbols(pdf: bytes) -> list[str]:
        found = []
        for page in pypdfium2.PdfDocument(pdf):
            image = page.render(scale=400 / 72).to_pil().convert("L")
            found += [
                s.text
                for s in zxingcpp.read_barcodes(image)
                if s.format == zxingcpp.BarcodeFormat.DataMatrix
            ]
        return found

    assert symbols(before) == []  # no checkpoint yet: no foot
    assert symbols(after) == [statement_of(None).text()]
