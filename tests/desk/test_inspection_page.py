"""The self-inspection page in Chromium, keyboard only: a committee member starts the
year's self-inspection, answers manual items with an attachment, records a finding by
typing (or scanning) the responsible person's badge, and downloads the annual report."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from backend.inspection.models import Answer, Finding, Item, SelfInspection
from tests.desk.conftest import shot


def tab_to(page: Any, element_id: str, key: str = "Tab", limit: int = 80) -> None:
    """Press ``key`` until the element with ``element_id`` has the focus."""
    for _ in range(limit):
        if page.evaluate("document.activeElement.id") == element_id:
            return
        page.keyboard.press(key)
    raise AssertionError(f"#{element_id} never took the focus")


def test_a_committee_member_walks_the_self_inspection_keyboard_only(
    sign_in: Any, unit: Any, make_carrier: Any
) -> None:
    year = timezone.localdate().year
    make_carrier("secret")
    page = sign_in(unit.committee)
    page.goto(f"/inspection/?year={year}")
    assert page.evaluate("document.activeElement.id") == "start"
    page.keyboard.press("Enter")
    page.wait_for_selector("#checklist")
    assert SelfInspection.objects.get().year == year
    rows = page.locator("#checklist tbody tr")
    assert rows.count() == 17
    # Automatic items show their figure; one carrier was registered this year.
    registered = page.locator("tr[data-evidence='carriers_registered']")
    assert registered.locator("b.figure").inner_text() == "1"

    # The first manual item has the focus: yes, a note, an attachment, save.
    first = page.evaluate("document.activeElement.id")
    assert first.startswith("value-")
    item_id = int(first.removeprefix("value-"))
    page.keyboard.press("ArrowDown")  # from "—" to yes
    page.keyboard.press("Tab")
    page.keyboard.type("保密委员会已于1月成立，分工明确")
    page.keyboard.press("Tab")
    page.set_input_files(
        f"#file-{item_id}",
        files=[{"name": "成立文件.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 x"}],
    )
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == f"save-{item_id}"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    answer = Answer.objects.select_related("attachment").get(item_id=item_id)
    assert (answer.value, answer.score, answer.answered_by) == ("yes", 5, unit.committee)
    assert answer.attachment is not None and bytes(answer.attachment.data) == b"%PDF-1.4 x"
    assert "成立文件.pdf" in page.locator(f"#item-{item_id}").inner_text()

    # The next unanswered item takes the focus: partly, saved with Enter.
    second = page.evaluate("document.activeElement.id")
    assert second.startswith("value-") and second != first
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")  # partly
    page.keyboard.press("Tab")
    page.keyboard.type("部分人员未签")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    partly = Answer.objects.get(item_id=int(second.removeprefix("value-")))
    assert (partly.value, float(partly.score)) == ("partial", 2.5)

    # The rows behind a figure open from the keyboard and link to the carrier.
    tab_to(page, f"rows-{registered.get_attribute('data-item')}", key="Shift+Tab")
    page.keyboard.press("Enter")
    assert registered.locator("ul.rows a").get_attribute("href").startswith("/carriers/C")

    # A finding: title, the responsible person's badge as a scanner types it, a date.
    tab_to(page, "finding-title")
    page.keyboard.type("保密柜密码未定期更换")
    page.keyboard.press("Tab")
    page.keyboard.type(unit.clerk.code.lower())
    page.keyboard.press("Tab")
    page.keyboard.type(f"0115{year + 1}")  # en-US date field: month, day, year
    page.keyboard.press("Enter")
    page.wait_for_selector("#finding-list")
    finding = Finding.objects.get()
    assert (finding.responsible, finding.status) == (unit.clerk, "open")
    assert timezone.localdate(finding.deadline).isoformat() == f"{year + 1}-01-15"
    shot(page, "self-inspection.png")

    # The annual report: reached with the keyboard and downloaded.
    tab_to(page, "annual-pdf", key="Shift+Tab")
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    path = download.value.path()
    with open(path, "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    assert download.value.suggested_filename.endswith(".pdf")
    assert page.outside == []


def test_only_the_committee_opens_the_self_inspection(unit: Any, client: Client) -> None:
    client.force_login(_user(unit.clerk))
    assert client.get("/inspection/").status_code == 403
    assert client.post("/inspection/start/", {"year": "2026"}).status_code == 403
    assert not SelfInspection.objects.exists()


def _user(person: Any) -> Any:
    user = get_user_model().objects.create_user(username=person.code)
    person.user = user
    person.save(update_fields=["user"])
    return user


def test_the_committee_edits_the_checklist_on_its_page(unit: Any, client: Client) -> None:
    client.force_login(_user(unit.committee))
    page = client.get("/inspection/checklist/")
    assert page.status_code == 200 and "保密组织" in page.content.decode()
    item = Item.objects.get(text__startswith="涉密载体是否定期清查")
    fields = {
        "present": "1",
        "heading": item.heading,
        "text": item.text,
        "evidence_text": item.evidence_text,
        "evidence": "stocktakes",
        "comparison": "at_least",
        "target": "2",
        "of_evidence": "",
        "weight": "12",
    }
    assert client.post(f"/inspection/checklist/items/{item.id}/", fields).status_code == 302
    item.refresh_from_db()
    assert (item.target, item.weight, item.retired) == (2, 12, False)
    bad = client.post(f"/inspection/checklist/items/{item.id}/", {**fields, "evidence": "x"})
    assert bad.status_code == 422 and "x" in bad.content.decode()
    added = client.post(
        "/inspection/checklist/items/",
        {
            "heading": "宣传教育",
            "text": "新任涉密人员是否经岗前培训",
            "evidence": "manual",
            "weight": "3",
        },
    )
    assert added.status_code == 302
    assert Item.objects.filter(text="新任涉密人员是否经岗前培训", weight=3).exists()
