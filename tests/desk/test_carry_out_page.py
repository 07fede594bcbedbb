"""外出携带 in a real browser, keyboard only: a request filed on the form, approved by an
approver, then the exit desk lets its carriers leave with a wedge scanner and refuses a
carrier the request does not name; the return scans bring them back."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from backend.carryouts.models import CarryOut
from backend.registry.models import Carrier
from tests.desk.conftest import scan_in, shot, sign_in_with_form


def _answers(page: Any, n: int) -> None:
    page.wait_for_function(f"(+document.body.dataset.answered || 0) >= {n}")


def test_a_carry_out_is_requested_approved_and_scanned_out_and_in_by_keyboard(
    page: Any, browser: Any, live_server: Any, unit: Any, make_carrier: Any
) -> None:
    carriers = [make_carrier("secret", title=f"汇报材料第{i}号") for i in (1, 2)]
    stranger = make_carrier("secret", title="不在申请中的文件")
    today = timezone.now().astimezone(ZoneInfo(settings.CUSTOS_TIME_ZONE)).date()

    # The registrar files the request: every field reached with Tab, sent with Enter.
    sign_in_with_form(page, unit.registrar)
    page.goto("/carry-outs/")
    assert page.evaluate("document.activeElement.id") == "carriers"
    scan_in(page, *(c.code for c in carriers))  # a wedge scanner's Enter is a new line here
    for text in ("向上级汇报", "市保密局", str(today), str(today + timedelta(days=1))):
        page.keyboard.press("Tab")
        page.keyboard.type(text)
    page.keyboard.press("Tab")
    page.keyboard.type(unit.registrar.code)
    page.keyboard.press("Enter")
    page.wait_for_url("**/carry-outs/*/")
    made = CarryOut.objects.get()
    assert (made.status, made.leaves_on, made.returns_on) == (
        "requested",
        today,
        today + timedelta(days=1),
    )
    assert sorted(i.carrier.code for i in made.items.all()) == sorted(c.code for c in carriers)

    # The approver decides: the opinion field has the focus, Enter approves.
    approver = browser.new_context(base_url=live_server.url, locale="en-US", bypass_csp=True)
    decide = sign_in_with_form(approver.new_page(), unit.approver)
    decide.goto(f"/carry-outs/{made.id}/")
    assert decide.evaluate("document.activeElement.id") == "opinion"
    decide.keyboard.type("同意，按期带回")
    decide.keyboard.press("Enter")
    decide.wait_for_selector("#co-status[data-status='approved']")
    approver.close()

    # The clerk's exit desk: the scanner field has the focus.
    clerk = browser.new_context(
        base_url=live_server.url,
        locale="en-US",
        bypass_csp=True,
        viewport={"width": 1280, "height": 860},
    )
    desk = sign_in_with_form(clerk.new_page(), unit.clerk)
    desk.goto(f"/carry-outs/{made.id}/")
    assert desk.evaluate("document.activeElement.id") == "scan"
    scan_in(desk, carriers[0].code, stranger.code)
    _answers(desk, 2)
    banner = desk.locator("#banner .banner")
    assert banner.get_attribute("data-ok") == "0"  # the stranger is not on the request
    assert f"未列入 {stranger.code}" in banner.inner_text()  # the request's own sentence
    assert Carrier.objects.get(id=stranger.id).status == "registered"
    assert desk.locator("#n-out").inner_text() == "1"
    scan_in(desk, carriers[1].code)
    _answers(desk, 3)
    assert desk.locator("#n-out").inner_text() == "2"
    shot(desk, "carry-out-desk.png")
    scan_in(desk, carriers[0].code, carriers[1].code)
    _answers(desk, 5)
    assert desk.locator("#n-back").inner_text() == "2"
    assert CarryOut.objects.get(id=made.id).status == "returned"
    assert {c.status for c in Carrier.objects.filter(id__in=[c.id for c in carriers])} == {
        "in_storage"
    }
    clerk.close()
