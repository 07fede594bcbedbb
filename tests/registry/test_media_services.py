"""Storage media and devices: registered with their serial, unique in the unit, and never
used below the highest level they have held (backend/registry/media_services.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from backend.registry.media import Medium
from backend.registry.models import Carrier


def usb(unit: Any, serial: str = "AA11-BB22-CC33", level: str = "secret", **kw: Any) -> dict:
    body = {
        "title": "涉密U盘",
        "form": "electronic",
        "level": level,
        "period": {"years": 10},
        "basis": "定密事项一览表第3项",
        "custodian": unit.clerk.code,
        "location": unit.safe.code,
        "medium": {
            "kind": "usb",
            "serial": serial,
            "maker": "Netac",
            "model": "U335",
            "capacity": "64 GB",
            **kw,
        },
    }
    return body


def error_of(response: Any) -> tuple[int, str, dict[str, Any]]:
    body = response.json()["error"]
    return response.status_code, body["code"], body["details"]


def test_a_usb_drive_registers_with_its_medium_fields_and_get_shows_them(
    unit: Any, api_as: Callable[..., Any]
) -> None:
    response = api_as(unit.registrar).post("/carriers", usb(unit))
    assert response.status_code == 201, response.content
    code = response.json()["code"]
    assert response.json()["medium"]["serial"] == "AA11-BB22-CC33"
    got = api_as(unit.committee).get(f"/carriers/{code}").json()
    assert got["medium"] == {
        "kind": "usb",
        "serial": "AA11-BB22-CC33",
        "maker": "Netac",
        "model": "U335",
        "capacity": "64 GB",
        "high_water": "secret",
        "host": None,
    }
    paper = api_as(unit.registrar).post("/carriers", {**usb(unit), "medium": None})
    assert paper.json()["medium"] is None


def test_a_second_registration_of_the_same_serial_is_refused_with_duplicate_serial(
    unit: Any, api_as: Callable[..., Any]
) -> None:
    api = api_as(unit.registrar)
    first = api.post("/carriers", usb(unit)).json()["code"]
    before = Carrier.objects.count()
    # The same drive typed another way: case and separators do not make it another drive.
    again = api.post("/carriers", usb(unit, serial="aa11 bb22 cc33", level="top_secret"))
    status, code, details = error_of(again)
    assert (status, code) == (409, "duplicate_serial")
    assert details["carrier"] == first
    assert Carrier.objects.count() == before  # nothing written, not even the carrier
    assert Medium.objects.count() == 1


def test_reusing_a_medium_at_a_lower_level_is_refused_with_level_lowered(
    unit: Any, api_as: Callable[..., Any]
) -> None:
    api = api_as(unit.registrar)
    api.post("/carriers", usb(unit, level="secret"))
    lower = api.post("/carriers", usb(unit, serial="AA11BB22CC33", level="confidential"))
    status, code, details = error_of(lower)
    assert (status, code) == (409, "level_lowered")
    assert details["high_water"] == "secret" and details["level"] == "confidential"


def test_a_blank_serial_or_an_unknown_kind_is_refused_as_invalid(
    unit: Any, api_as: Callable[..., Any]
) -> None:
    api = api_as(unit.registrar)
    assert error_of(api.post("/carriers", usb(unit, serial=" - ")))[:2] == (422, "invalid")
    assert api.post("/carriers", usb(unit, kind="floppy")).status_code == 422
    assert Medium.objects.count() == 0


def test_storage_is_installed_only_in_a_registered_device(
    unit: Any, api_as: Callable[..., Any]
) -> None:
    api = api_as(unit.registrar)
    drive = api.post("/carriers", usb(unit)).json()["code"]
    inside_a_drive = api.post(
        "/carriers", usb(unit, serial="X-2", kind="internal_disk", host=drive)
    )
    assert error_of(inside_a_drive)[:2] == (422, "invalid")
    pc = api.post("/carriers", usb(unit, serial="PC-1", kind="computer")).json()["code"]
    disk = api.post("/carriers", usb(unit, serial="WD-1", kind="internal_disk", host=pc))
    assert disk.status_code == 201, disk.content
    assert disk.json()["medium"]["host"] == pc
