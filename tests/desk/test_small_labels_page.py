"""Small labels in a real browser: a USB drive's 20×10 DataMatrix label printed from the
label page, its preview decoded from a screenshot and its ZPL from the printer; and the
stocktake page counting a carrier from a 2D imager's GS1 read (]d2 + AI 91)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
import zxingcpp
from PIL import Image

from backend.inventory.models import Stocktake
from backend.printing.models import PrintedLabel
from labels import zpl
from tests.desk.conftest import scan_in, shot
from tests.printing.conftest import FakeRawPrinter


def datamatrix(image: Image.Image) -> list[str]:
    found = zxingcpp.read_barcodes(image.convert("L"), formats=zxingcpp.BarcodeFormat.DataMatrix)
    return [r.text for r in found]


@pytest.fixture
def zebra(settings: Any) -> Iterator[FakeRawPrinter]:
    printer = FakeRawPrinter()
    settings.CUSTOS_PRINTERS = [f"zebra=raw://127.0.0.1:{printer.port}?dpi=203&size=50x30"]
    yield printer
    printer.close()


def test_a_usb_drive_label_printed_from_the_page_decodes_from_its_screenshot(
    sign_in: Any, unit: Any, make_carrier: Any, zebra: FakeRawPrinter
) -> None:
    carrier = make_carrier("secret", title="涉密U盘")
    page = sign_in(unit.registrar)
    page.goto("/labels/")
    page.select_option("#size", "20x10")
    page.click("form.panel button:not(.print):not(.reprint)")  # "Show", with the size
    page.wait_for_url("**/labels/?*size=20x10*")
    row = page.locator(f"tr[data-code='{carrier.code}']")
    row.locator("button.print").click()
    banner = page.locator("#print-result .banner")
    banner.wait_for()
    assert banner.get_attribute("data-ok") == "1", banner.inner_text()
    preview = page.locator("#label-preview")
    page.wait_for_function(
        "document.getElementById('label-preview').complete"
        " && document.getElementById('label-preview').naturalWidth > 0"
    )
    # 20×10 mm at 600 dpi, as the page shows it.
    assert preview.evaluate("i => [i.naturalWidth, i.naturalHeight]") == [472, 236]
    shot_png = preview.screenshot()
    assert datamatrix(Image.open(io.BytesIO(shot_png))) == [carrier.code]
    shot(page, "labels-small-print.png")
    # The printer got the same label as ZPL at its own 203 dpi: 20×10 mm of dots.
    job = zebra.wait_for(1)[0]
    printed = zpl.to_image(job)
    assert printed.size == (160, 80)
    assert datamatrix(printed) == [carrier.code]
    assert PrintedLabel.objects.filter(carrier=carrier).count() == 1
    assert page.outside == []


def test_the_stocktake_page_counts_a_gs1_datamatrix_read(
    sign_in: Any, unit: Any, make_carrier: Any
) -> None:
    here = make_carrier("secret", location=unit.safe)
    page = sign_in(unit.clerk)
    page.goto("/stocktakes/")
    page.select_option("#location", unit.safe.code)
    page.click("#open-stocktake")
    page.wait_for_url("**/stocktakes/*/")
    scan_in(page, f"]d291{here.code}")  # a 2D imager in GS1 mode, FNC1 not typed
    page.wait_for_function("(+document.body.dataset.answered || 0) >= 1")
    banner = page.locator("#banner .banner")
    assert banner.get_attribute("data-ok") == "1", banner.inner_text()
    assert int(page.locator("#n-found").inner_text()) == 1
    take = Stocktake.objects.get()
    assert take.location == unit.safe
    assert page.outside == []
