"""The handover desk in a real browser: keyboard only, as a wedge scanner types."""

from __future__ import annotations

import json
from typing import Any

from backend.custody.models import CustodyEvent
from backend.registry.models import Carrier
from tests.desk.conftest import scan_in, shot


def _banner(page: Any) -> Any:
    banner = page.locator("#banner .banner")
    banner.wait_for()
    return banner


def _answers(page: Any, n: int) -> None:
    page.wait_for_function(f"(+document.body.dataset.answered || 0) >= {n}")


def test_a_handover_is_done_entirely_by_typing_codes_and_enter(
    sign_in: Any, unit: Any, make_carrier: Any
) -> None:
    first, second = make_carrier("secret"), make_carrier("confidential")
    page = sign_in(unit.clerk)
    assert page.url.endswith("/desk/")
    assert page.evaluate("document.activeElement.id") == "scan"
    scan_in(page, "1")  # action 1: checkout
    scan_in(page, first.code.lower(), second.code, unit.reader.code)
    assert page.locator("#carriers li").count() == 2
    page.wait_for_function("document.getElementById('receiver-view').textContent.includes('·')")
    assert page.locator("#receiver-view").inner_text() == f"{unit.reader.code} · {unit.reader.name}"
    shot(page, "desk-scanning.png")
    page.keyboard.press("Enter")  # an empty Enter confirms
    banner = _banner(page)
    assert banner.get_attribute("data-ok") == "1"
    assert unit.reader.name in banner.inner_text()
    assert page.evaluate("document.body.dataset.sound") == "ok"
    for carrier in (first, second):
        carrier.refresh_from_db()
        assert carrier.status == "in_use"
        assert carrier.custodian_id == unit.reader.id
        assert carrier.due_at is not None  # the picker's default: close of business
    # The page is ready for the next handover: list empty, the field still focused.
    assert page.locator("#carriers li").count() == 0
    assert page.evaluate("document.activeElement.id") == "scan"
    shot(page, "desk-handover.png")
    assert page.outside == []


def test_a_double_enter_records_once(sign_in: Any, unit: Any, make_carrier: Any) -> None:
    carrier = make_carrier("secret")
    page = sign_in(unit.clerk)
    scan_in(page, "1", carrier.code, unit.reader.code)
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    _banner(page)
    page.wait_for_timeout(300)
    assert CustodyEvent.objects.filter(carrier=carrier, action="checkout").count() == 1
    assert page.locator("#banner .banner").get_attribute("data-ok") == "1"


def test_a_reload_and_confirm_again_records_once(
    sign_in: Any, unit: Any, make_carrier: Any
) -> None:
    carrier = make_carrier("secret")
    page = sign_in(unit.clerk)
    scan_in(page, "1", carrier.code, unit.reader.code)
    pending = page.evaluate("sessionStorage.getItem('custos.desk.handover')")
    page.reload()  # the handover survives a reload, with the same scan ids
    assert page.locator("#carriers li").count() == 1
    page.keyboard.press("Enter")
    _answers(page, 1)
    # The answer got lost (say the desk PC froze): the clerk confirms the same handover again.
    page.evaluate(f"sessionStorage.setItem('custos.desk.handover', {json.dumps(pending)})")
    page.reload()
    page.keyboard.press("Enter")
    banner = _banner(page)
    _answers(page, 1)
    assert banner.get_attribute("data-ok") == "1"
    assert "不会重复" in banner.inner_text() or "not twice" in banner.inner_text()
    assert CustodyEvent.objects.filter(carrier=carrier, action="checkout").count() == 1


def test_a_refused_checkout_shows_its_reason(sign_in: Any, unit: Any, make_carrier: Any) -> None:
    carrier = make_carrier("top_secret")
    page = sign_in(unit.clerk)
    scan_in(page, "1", carrier.code, unit.low.code, "")
    banner = _banner(page)
    assert banner.get_attribute("data-ok") == "0"
    text = banner.inner_text()
    assert unit.low.name in text and "密级" in text  # who, and why: the clearance
    assert page.evaluate("document.body.dataset.sound") == "bad"
    carrier.refresh_from_db()
    assert carrier.status == "registered"
    # The refused carrier stays on the list so the clerk can fix the handover.
    assert page.locator("#carriers li").count() == 1
    shot(page, "desk-refused.png")


def test_a_misread_code_is_refused_at_the_desk_before_it_is_sent(
    sign_in: Any, unit: Any, make_carrier: Any
) -> None:
    carrier = make_carrier("secret")
    wrong = carrier.code[:-1] + ("A" if carrier.code[-1] != "A" else "B")
    page = sign_in(unit.clerk)
    scan_in(page, wrong)
    banner = _banner(page)
    assert banner.get_attribute("data-ok") == "0"
    assert page.locator("#carriers li").count() == 0


def test_every_desk_action_is_chosen_and_confirmed_from_the_keyboard(
    sign_in: Any, unit: Any, make_carrier: Any
) -> None:
    carrier = make_carrier("secret")
    page = sign_in(unit.clerk)
    # 6 = store, at the location scanned as an L… code; then 9 = inventory; then 4 dispatch.
    scan_in(page, "6", unit.safe2.code, carrier.code, "")
    _answers(page, 1)
    carrier.refresh_from_db()
    assert (carrier.status, carrier.location_id) == ("in_storage", unit.safe2.id)
    for key in "123456789":
        scan_in(page, key)
        checked = page.locator("input[name=action]:checked").get_attribute("value")
        assert (
            checked
            == [
                "checkout",
                "return",
                "transfer",
                "dispatch",
                "receive",
                "store",
                "repair_out",
                "repair_in",
                "inventory",
            ][int(key) - 1]
        )
    scan_in(page, "4", carrier.code, "")
    _answers(page, 2)
    carrier.refresh_from_db()
    assert carrier.status == "in_transit"
    scan_in(page, "5", carrier.code, "")  # receive: the clerk takes it in
    _answers(page, 3)
    assert Carrier.objects.get(pk=carrier.pk).status == "in_storage"
    page.keyboard.press("Escape")
    assert page.evaluate("document.activeElement.id") == "scan"


def test_the_right_receiver_is_accepted_after_a_clearance_refusal_with_no_escort_slot(
    sign_in: Any, unit: Any, make_carrier: Any
) -> None:
    """Issue 19: the refused receiver leaves the slot; the next badge is the receiver; a 机密
    carrier never shows the 陪同人（绝密）slot; the desk says what it expects next."""
    carrier = make_carrier("secret")
    page = sign_in(unit.clerk)
    escort_slot = page.locator("#escort-slot")
    expect = page.locator("#expect")
    assert "请扫描载体标签" in expect.inner_text()
    scan_in(page, "1", carrier.code)
    assert "请扫描接收人胸卡" in expect.inner_text()
    scan_in(page, unit.low.code, "")  # 秘密 clearance: refused for a 机密 carrier
    banner = _banner(page)
    assert banner.get_attribute("data-ok") == "0"
    assert unit.low.name in banner.inner_text()
    # The refused receiver has left the slot; the carrier stays; the desk asks for a receiver.
    assert page.locator("#receiver-view").inner_text() == "—"
    assert page.evaluate("window.custosDesk.state().counterpart") == ""
    assert page.locator("#carriers li").count() == 1
    assert "请扫描接收人胸卡" in expect.inner_text()
    assert escort_slot.is_hidden()
    shot(page, "desk-after-refusal.png")
    scan_in(page, unit.reader.code)
    page.wait_for_function("document.getElementById('receiver-view').textContent.includes('·')")
    assert page.locator("#receiver-view").inner_text() == f"{unit.reader.code} · {unit.reader.name}"
    assert escort_slot.is_hidden()  # never for 机密
    assert page.evaluate("window.custosDesk.state().escort") == ""
    page.keyboard.press("Enter")
    _answers(page, 2)
    assert page.locator("#banner .banner").get_attribute("data-ok") == "1"
    carrier.refresh_from_db()
    assert (carrier.status, carrier.custodian_id) == ("in_use", unit.reader.id)
    event = CustodyEvent.objects.get(carrier=carrier, action="checkout")
    assert (event.counterpart_id, event.escort_id) == (unit.reader.id, None)


def test_a_top_secret_transfer_asks_for_the_escort_the_lifecycle_requires(
    sign_in: Any, unit: Any, make_carrier: Any
) -> None:
    carrier = make_carrier("top_secret")
    page = sign_in(unit.clerk)
    escort_slot = page.locator("#escort-slot")
    scan_in(page, "3", carrier.code)  # 3 = transfer
    escort_slot.wait_for(state="visible")  # once the page knows the carrier is 绝密
    scan_in(page, unit.clerk2.code)
    assert "陪同人" in page.locator("#expect").inner_text()
    scan_in(page, unit.approver.code, "")
    _answers(page, 1)
    assert page.locator("#banner .banner").get_attribute("data-ok") == "1"
    event = CustodyEvent.objects.get(carrier=carrier, action="transfer")
    assert (event.counterpart_id, event.escort_id) == (unit.clerk2.id, unit.approver.id)


def test_a_recorded_scan_shows_its_receipt_and_the_browser_keeps_it(
    sign_in: Any, unit: Any, make_carrier: Any
) -> None:
    carrier = make_carrier("secret")
    page = sign_in(unit.clerk)
    scan_in(page, "1", carrier.code, unit.reader.code)
    page.keyboard.press("Enter")
    _answers(page, 1)
    event = CustodyEvent.objects.get(carrier=carrier, seq=2)
    receipt = page.locator("#banner .receipt")
    assert f"#2 {event.hash[:12]}" in receipt.inner_text()
    kept = json.loads(page.evaluate("localStorage.getItem('custos.receipts')"))
    assert kept[-1] == {
        "id": str(event.id),
        "carrier": carrier.code,
        "seq": 2,
        "hash": event.hash,
    }
