"""清查: open a stocktake, scan what is there, close it: found, missing, unexpected."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pypdfium2 as pdfium

from backend.alerts.models import Alert
from backend.registry.models import Carrier
from tests.conftest import scan


def test_closing_a_stocktake_reconciles_and_raises_the_alerts(
    unit: Any, api_as: Any, make_carrier: Callable[..., Carrier]
) -> None:
    here = [make_carrier("secret", location=unit.safe) for _ in range(3)]
    elsewhere = make_carrier("confidential", location=unit.safe2)
    clerk = api_as(unit.clerk)
    opened = clerk.post("/inventories", {"location": unit.safe.code})
    assert opened.status_code == 201, opened.content
    take = opened.json()
    assert take["location"] == unit.safe.code and take["expected"] == 3

    sightings = [
        scan("inventory", c, location=unit.safe, inventory=take["id"])
        for c in (here[0], here[1], elsewhere)
    ]
    results = clerk.post("/scans", {"scans": sightings}).json()["results"]
    assert [r["status"] for r in results] == ["recorded"] * 3

    closed = clerk.post(f"/inventories/{take['id']}/close", {})
    assert closed.status_code == 200, closed.content
    out = closed.json()
    assert out["expected"] == 3
    assert out["found"] == sorted([here[0].code, here[1].code, elsewhere.code])
    assert out["missing"] == [here[2].code]
    assert out["unexpected"] == [elsewhere.code]
    missing = Alert.objects.get(kind="inventory_missing")
    assert missing.carrier == here[2] and missing.details["stocktake"] == take["id"]
    assert Alert.objects.filter(kind="custody_mismatch", carrier=elsewhere).count() == 1

    again = clerk.post(f"/inventories/{take['id']}/close", {})
    assert again.status_code == 409 and again.json()["error"]["code"] == "invalid_transition"

    report = api_as(unit.committee).get(f"/inventories/{take['id']}/report.pdf")
    assert report.status_code == 200
    pdf = pdfium.PdfDocument(b"".join(report.streaming_content))
    assert len(pdf) == 1
    text = pdf[0].get_textpage().get_text_range()  # the invisible layer over the outlines
    assert here[2].code in text and "缺失" in text


def test_scans_after_the_close_do_not_change_the_result(
    unit: Any, api_as: Any, make_carrier: Callable[..., Carrier]
) -> None:
    carrier = make_carrier("secret", location=unit.safe)
    clerk = api_as(unit.clerk)
    take = clerk.post("/inventories", {"location": unit.safe.code}).json()
    assert clerk.post(f"/inventories/{take['id']}/close", {}).json()["missing"] == [carrier.code]
    clerk.post(
        "/scans", {"scans": [scan("inventory", carrier, location=unit.safe, inventory=take["id"])]}
    )
    from backend.inventory.models import Stocktake

    assert Stocktake.objects.get(id=take["id"]).missing == [carrier.code]


def test_one_open_stocktake_per_location_and_only_clerks_run_them(unit: Any, api_as: Any) -> None:
    clerk = api_as(unit.clerk)
    assert clerk.post("/inventories", {"location": unit.safe.code}).status_code == 201
    second = clerk.post("/inventories", {"location": unit.safe.code})
    assert second.status_code == 409 and second.json()["error"]["code"] == "conflict"
    assert (
        api_as(unit.registrar).post("/inventories", {"location": unit.safe2.code}).status_code
        == 403
    )
    assert clerk.post("/inventories/999999/close", {}).status_code == 404
