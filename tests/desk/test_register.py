"""Registration through the 定密 steps, and labels, in a real browser."""

from __future__ import annotations

from typing import Any

import pypdfium2

from backend.desk.services import person_set_password
from backend.registry.models import Carrier
from tests.desk.conftest import shot


def test_a_registered_carrier_is_reviewed_and_approved_by_two_approvers(
    sign_in: Any, browser: Any, live_server: Any, unit: Any
) -> None:
    page = sign_in(unit.registrar)
    assert page.url.endswith("/register/")
    page.fill("#title", "关于加强涉密载体管理的通知")
    page.select_option("#level", "secret")
    page.select_option("#period_kind", "years")
    page.fill("input[name=period_value]", "10")
    page.fill("#basis", "本单位定密事项一览表第3项")
    page.fill("#custodian", unit.clerk.code)
    page.fill("#copy_no", "1")
    page.fill("input[name=copies_total]", "3")
    page.click("#register button")
    page.wait_for_selector("#banner.ok")
    carrier = Carrier.objects.get(title="关于加强涉密载体管理的通知")
    assert carrier.marking == "机密★10年"
    assert carrier.status == "draft"
    assert page.locator("#banner img").count() == 0  # no label before approval
    shot(page, "register.png")

    unit.approver2.authority = "top_secret"  # 定密权限: the approving authority's ceiling
    unit.approver2.save(update_fields=["authority"])
    for approver, decision in ((unit.approver, "review"), (unit.approver2, "approve")):
        context = browser.new_context(base_url=live_server.url)
        other = context.new_page()
        person_set_password(person=approver, password="pw-approver", check=False)
        other.goto("/")
        other.fill("#username", approver.code)
        other.fill("#password", "pw-approver")
        other.keyboard.press("Enter")
        other.wait_for_url("**/classification/")  # a 定密 case waits: the approver lands on it
        other.goto("/classification/")
        row = other.locator("#cases tr", has_text=carrier.code)
        row.locator("input[name=opinion]").fill("同意")
        row.locator(f"button[value={decision}]").click()
        other.wait_for_selector("#banner")
        assert "✔" in other.locator("#banner").inner_text(), other.locator("#banner").inner_text()
        if decision == "review":
            shot(other, "classification.png")
        context.close()
    carrier.refresh_from_db()
    assert carrier.status == "registered"
    page.goto("/register/")
    row = page.locator("tr", has_text=carrier.code)
    assert row.locator("a", has_text="PNG").count() == 1  # approved: the label prints now
    assert page.request.get(f"/labels/{carrier.code}.svg").status == 200


def test_labels_print_as_a_sheet_from_a_start_offset(
    sign_in: Any, unit: Any, make_carrier: Any
) -> None:
    carriers = [make_carrier("secret") for _ in range(3)]
    page = sign_in(unit.registrar)
    page.goto("/labels/")
    for c in carriers[:2]:
        page.check(f"input[value='{c.code}']")
    page.select_option("#start", "5")
    shot(page, "labels.png")
    form = page.locator("#sheet")
    token = form.locator("input[name=csrfmiddlewaretoken]").get_attribute("value")
    answer = page.request.post(
        "/labels/sheet.pdf",
        form={"csrfmiddlewaretoken": token, "code": carriers[0].code, "start": "5"},
        headers={"Referer": page.url},
    )
    assert answer.status == 200, answer.text()
    assert len(pypdfium2.PdfDocument(answer.body())) == 1
    png = page.request.get(f"/labels/{carriers[2].code}.png")
    assert png.status == 200 and png.body()[:4] == b"\x89PNG"
