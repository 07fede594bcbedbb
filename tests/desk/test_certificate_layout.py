"""The destruction certificate wraps a long place or name instead of cutting it, and
names the unit by CUSTOS_UNIT_NAME (issue 19: "销毁点 Destru…")."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from backend.custody.models import CustodyEvent
from backend.desk.certificate import Entry, layout
from backend.registry.models import Location


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
    lines = [item.text for page in pages for item in page.items]
    shown = "".join(lines)
    assert not any(line.endswith("…") and "哈希" not in line for line in lines), lines
    assert "".join(place.split()) in "".join(shown.split())
    assert "".join(carrier.title.split()) in "".join(shown.split())
    assert any("单位：某县保密局机关" in line for line in lines)
