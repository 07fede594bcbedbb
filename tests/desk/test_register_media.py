"""The registration page records a storage medium's fields and refuses a serial twice."""

from __future__ import annotations

from typing import Any

from backend.registry.media import Medium
from tests.desk.conftest import shot


def register_usb(page: Any, unit: Any, title: str, serial: str) -> None:
    page.goto("/register/")
    page.fill("#title", title)
    page.select_option("#form", "electronic")
    page.select_option("#level", "secret")
    page.fill("#basis", "本单位定密事项一览表第3项")
    page.fill("#custodian", unit.clerk.code)
    page.select_option("#medium_kind", "usb")
    page.fill("#medium_serial", serial)
    page.fill("#medium_maker", "Netac")
    page.fill("input[name=medium_model]", "U335")
    page.fill("#medium_capacity", "64 GB")
    page.click("#register button")
    page.wait_for_selector("#banner")


def test_a_usb_drive_is_registered_from_the_page_and_its_serial_only_once(
    sign_in: Any, unit: Any
) -> None:
    page = sign_in(unit.registrar)
    register_usb(page, unit, "涉密U盘 01", "NT-0001")
    assert page.locator("#banner.ok").count() == 1, page.locator("#banner").inner_text()
    medium = Medium.objects.select_related("carrier").get()
    assert (medium.kind, medium.serial, medium.maker, medium.model, medium.capacity) == (
        "usb",
        "NT-0001",
        "Netac",
        "U335",
        "64 GB",
    )
    assert medium.carrier.title == "涉密U盘 01"

    register_usb(page, unit, "涉密U盘 02", "nt 0001")
    banner = page.locator("#banner.bad").inner_text()
    assert "NT-0001" in banner and medium.carrier.code in banner
    assert page.locator("#medium_serial").input_value() == "nt 0001"  # what was typed stays
    shot(page, "register-medium-refused.png")
    assert Medium.objects.count() == 1
