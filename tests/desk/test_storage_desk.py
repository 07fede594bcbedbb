"""Storage in and out of a computer at the handover desk, keyboard only: 11 = install_storage
takes the device first and then the media; 10 = remove_storage takes a disk out."""

from __future__ import annotations

from typing import Any

from backend.registry.media import Medium
from backend.registry.media_services import MediumSpec
from tests.desk.conftest import scan_in, shot


def test_storage_is_installed_and_removed_at_the_desk_by_scanning_alone(
    sign_in: Any, unit: Any, make_carrier: Any
) -> None:
    pc = make_carrier("secret", form="device", medium=MediumSpec(kind="computer", serial="PC-D1"))
    disk = make_carrier(
        "confidential", form="magnetic", medium=MediumSpec(kind="internal_disk", serial="WD-D1")
    )
    page = sign_in(unit.clerk)
    scan_in(page, "11")
    assert page.locator("#host-slot").is_visible()
    assert "计算机或设备" in page.locator("#expect").inner_text()  # the device first
    scan_in(page, pc.code, disk.code)
    assert page.locator("#host-view").inner_text() == pc.code
    assert page.locator("#carriers li").all_inner_texts() == [disk.code]
    shot(page, "desk-install-storage.png")
    page.keyboard.press("Enter")
    banner = page.locator("#banner .banner")
    banner.wait_for()
    assert banner.get_attribute("data-ok") == "1", banner.inner_text()
    medium = Medium.objects.select_related("carrier").get(carrier=disk)
    # Into a secret computer: the confidential disk holds secret from now on.
    assert (medium.host_id, medium.high_water, medium.carrier.level) == (pc.id, "secret", "secret")
    assert page.locator("#host-view").inner_text() == "—"  # the next handover starts afresh

    # Installing it again (into the same device) is refused in plain words.
    scan_in(page, pc.code, disk.code, "")
    page.wait_for_function("(+document.body.dataset.answered || 0) >= 2")
    assert f"安装在 {pc.code} 中" in page.locator("#banner .banner").inner_text()

    page.keyboard.press("Escape")
    scan_in(page, "10", disk.code, "")
    page.wait_for_function("(+document.body.dataset.answered || 0) >= 3")
    assert page.locator("#banner .banner").get_attribute("data-ok") == "1"
    assert not page.locator("#host-slot").is_visible()
    assert Medium.objects.get(carrier=disk).host_id is None
    assert page.outside == []
