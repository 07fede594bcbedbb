"""The label room in a real browser: print, reprint (the old label is void at the desk),
and a bulk print whose progress the page polls."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest

from backend.custody.models import CustodyEvent
from backend.printing.models import BulkPrint, PrintedLabel
from tests.desk.conftest import scan_in, shot
from tests.printing.conftest import FakeRawPrinter
from worker.tasks import slow_labels_print


@pytest.fixture
def zebra(settings: Any) -> Iterator[FakeRawPrinter]:
    """The unit's one label printer, a fake raw-9100 printer on loopback."""
    printer = FakeRawPrinter()
    settings.CUSTOS_PRINTERS = [f"zebra=raw://127.0.0.1:{printer.port}?dpi=203&size=50x30"]
    yield printer
    printer.close()


def _result(page: Any) -> Any:
    banner = page.locator("#print-result .banner")
    banner.wait_for()
    return banner


def test_a_reprint_from_the_page_voids_the_old_label_at_the_handover_desk(
    sign_in: Any, unit: Any, make_carrier: Any, zebra: FakeRawPrinter
) -> None:
    carrier = make_carrier("secret")
    page = sign_in(unit.registrar)
    page.goto("/labels/")
    row = page.locator(f"tr[data-code='{carrier.code}']")
    assert row.locator(".label-code").inner_text() == carrier.code

    row.locator("button.print").click()
    assert _result(page).get_attribute("data-ok") == "1"
    assert len(zebra.wait_for(1)) == 1

    page.evaluate("document.getElementById('print-result').innerHTML = ''")
    page.fill("#copies", "2")
    page.fill("#reason", "标签破损")
    page.once("dialog", lambda dialog: dialog.accept())  # "its current label will be void"
    row.locator("button.reprint").click()
    banner = _result(page)
    assert banner.get_attribute("data-ok") == "1"
    new = PrintedLabel.objects.get(carrier=carrier, voided_at__isnull=True).code
    assert new != carrier.code
    assert new in banner.inner_text()
    assert page.locator("#print-result code.void").all_inner_texts() == [carrier.code]
    # The row now shows the label that scans.
    page.wait_for_function(
        f"document.getElementById('label-{carrier.code}').textContent === '{new}'"
    )
    event = (
        CustodyEvent.objects.filter(carrier=carrier, action="label_printed").order_by("seq").last()
    )
    assert event is not None
    assert event.payload["voided"] == [carrier.code]
    assert (event.payload["copies"], event.payload["reason"]) == (2, "标签破损")
    jobs = zebra.wait_for(2)
    assert len(jobs) == 2
    assert jobs[1].count(b"^XA") == 2  # two copies, each a complete job
    shot(page, "labels-reprint.png")
    assert page.outside == []

    # At the desk the old label is refused, in red, and the new one scans.
    page.context.clear_cookies()
    sign_in(unit.clerk)
    scan_in(page, "1", carrier.code, unit.reader.code)
    page.keyboard.press("Enter")
    refused = page.locator("#banner .banner")
    refused.wait_for()
    assert refused.get_attribute("data-ok") == "0"
    assert "voided_label" in refused.inner_text()
    assert new in refused.inner_text() or carrier.code in refused.inner_text()
    assert page.evaluate("document.body.dataset.sound") == "bad"
    assert not CustodyEvent.objects.filter(carrier=carrier, action="checkout").exists()
    shot(page, "desk-voided-label.png")

    page.keyboard.press("Escape")
    scan_in(page, "1", new, unit.reader.code)
    page.keyboard.press("Enter")
    page.wait_for_selector("#banner .banner[data-ok='1']")
    carrier.refresh_from_db()
    assert (carrier.status, carrier.custodian_id) == ("in_use", unit.reader.id)


def test_a_bulk_print_from_the_page_shows_its_progress(
    sign_in: Any, unit: Any, make_carrier: Any, zebra: FakeRawPrinter
) -> None:
    carriers = [make_carrier("confidential") for _ in range(3)]
    page = sign_in(unit.registrar)
    page.goto("/labels/")
    for carrier in carriers:
        page.check(f"input[name=code][value='{carrier.code}']")
    page.click("#bulk-start")
    bulk = page.locator("#bulk")
    bulk.wait_for()
    assert bulk.get_attribute("data-total") == "3"
    job = BulkPrint.objects.get()
    assert sorted(job.codes) == sorted(c.code for c in carriers)

    # The worker's task, run here; the page's polling picks the result up by itself.
    slow_labels_print.apply(args=[job.pk])
    page.wait_for_selector("#bulk[data-status='done']", timeout=8_000)
    assert page.locator("#bulk").get_attribute("data-done") == "3"
    assert page.locator("#bulk progress").get_attribute("value") == "3"
    assert len(zebra.wait_for(3)) == 3
    shot(page, "labels-bulk.png")
    assert page.outside == []


def test_a_print_to_a_dead_printer_says_so_and_records_nothing(
    sign_in: Any, unit: Any, make_carrier: Any, settings: Any
) -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        dead = probe.getsockname()[1]
    settings.CUSTOS_PRINTERS = [f"dead=raw://127.0.0.1:{dead}?dpi=203"]
    carrier = make_carrier("secret")
    page = sign_in(unit.registrar)
    page.goto("/labels/")
    page.locator(f"tr[data-code='{carrier.code}'] button.print").click()
    banner = _result(page)
    assert (banner.get_attribute("data-ok"), banner.get_attribute("data-error")) == (
        "0",
        "printer_unavailable",
    )
    assert not PrintedLabel.objects.filter(carrier=carrier).exists()
