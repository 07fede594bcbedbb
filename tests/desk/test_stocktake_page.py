"""The stocktake page in a real browser: open a stocktake, scan what is there (and one
carrier that belongs elsewhere), close it, read missing and unexpected, alerts raised."""

from __future__ import annotations

from typing import Any

from django.test import Client

from backend.alerts.models import Alert
from backend.custody.models import CustodyEvent
from backend.desk.services import person_set_password
from backend.inventory.models import Stocktake
from tests.desk.conftest import scan_in, shot, sign_in_with_form
from tests.security.test_csp_pages import strict_page  # noqa: F401 - the fixture


def _answers(page: Any, n: int) -> None:
    page.wait_for_function(f"(+document.body.dataset.answered || 0) >= {n}")


def _count(page: Any, which: str) -> int:
    return int(page.locator(f"#n-{which}").inner_text())


def test_a_stocktake_is_opened_scanned_closed_and_reconciled_in_the_browser(
    sign_in: Any, unit: Any, make_carrier: Any
) -> None:
    here = [make_carrier("secret", location=unit.safe, title=f"会议纪要第{i}号") for i in range(3)]
    elsewhere = make_carrier("confidential", location=unit.safe2, title="另柜文件")
    page = sign_in(unit.clerk)
    page.click("header.top nav a[href='/stocktakes/']")
    page.select_option("#location", unit.safe.code)
    page.click("#open-stocktake")
    page.wait_for_url("**/stocktakes/*/")
    take = Stocktake.objects.get()
    assert take.location == unit.safe and sorted(take.expected) == sorted(c.code for c in here)
    assert (_count(page, "expected"), _count(page, "found")) == (3, 0)
    assert page.evaluate("document.activeElement.id") == "scan"

    scan_in(page, here[0].code)
    _answers(page, 1)
    banner = page.locator("#banner .banner")
    assert banner.get_attribute("data-ok") == "1" and here[0].code in banner.inner_text()
    assert _count(page, "found") == 1 and _count(page, "remaining") == 2
    scan_in(page, here[1].code.lower())  # any case, as a scanner may send it
    _answers(page, 2)
    assert _count(page, "found") == 2, page.locator("#banner").inner_text()
    # The same carrier again is counted once, without another request.
    scan_in(page, here[0].code)
    page.wait_for_function("document.querySelector('#banner .banner').textContent.includes('✔')")
    assert page.evaluate("+document.body.dataset.answered") == 2
    # A carrier the ledger places in the other safe: recorded, shown red, counted apart.
    scan_in(page, elsewhere.code)
    _answers(page, 3)
    assert page.locator("#banner .banner").get_attribute("data-ok") == "0"
    assert _count(page, "unexpected") == 1 and _count(page, "found") == 2
    # A misread label is refused on the page before anything is sent.
    scan_in(page, here[2].code[:-1] + ("0" if here[2].code[-1] != "0" else "1"))
    page.wait_for_function("document.querySelector('#banner .banner').dataset.ok === '0'")
    assert page.evaluate("+document.body.dataset.answered") == 3
    assert page.evaluate("document.activeElement.id") == "scan"
    shot(page, "stocktake-scanning.png")
    sightings = CustodyEvent.objects.filter(action="inventory", payload__inventory=take.id)
    assert sorted(sightings.values_list("carrier__code", flat=True)) == sorted(
        [here[0].code, here[1].code, elsewhere.code]
    )

    page.once("dialog", lambda dialog: dialog.accept())  # "not scanned will be reported"
    page.click("#close-stocktake")
    result = page.locator("#result")
    result.wait_for()
    assert (result.get_attribute("data-missing"), result.get_attribute("data-unexpected")) == (
        "1",
        "1",
    )
    assert page.locator("#missing li").all_inner_texts()[0].startswith(here[2].code)
    assert page.locator("#unexpected li").all_inner_texts()[0].startswith(elsewhere.code)
    assert "会议纪要第2号" in page.locator("#missing").inner_text()  # the clerk may know it
    take.refresh_from_db()
    assert take.closed_by == unit.clerk and take.missing == [here[2].code]
    assert take.unexpected == [elsewhere.code]
    # The same cases as the API's close: one inventory_missing, one custody_mismatch.
    missing = Alert.objects.get(kind="inventory_missing")
    assert missing.carrier == here[2] and missing.details["stocktake"] == take.id
    assert Alert.objects.filter(kind="custody_mismatch", carrier=elsewhere).count() == 1
    rows = page.locator("#alerts tbody tr")
    assert sorted(
        (rows.nth(i).get_attribute("data-kind"), rows.nth(i).get_attribute("data-carrier"))
        for i in range(rows.count())
    ) == sorted([("custody_mismatch", elsewhere.code), ("inventory_missing", here[2].code)])
    shot(page, "stocktake-result.png")

    page.goto("/stocktakes/")
    past = page.locator(f"#past tr[data-id='{take.id}']")
    assert past.locator("td.missing").inner_text() == "1"
    assert past.locator("td.unexpected").inner_text() == "1"
    shot(page, "stocktakes.png")
    with page.expect_download() as download:
        past.locator("a[href$='report.pdf']").click()
    assert download.value.suggested_filename == f"清查报告-{take.id}.pdf"
    assert page.outside == []


def test_a_reloaded_page_does_not_count_a_carrier_twice(
    sign_in: Any, unit: Any, make_carrier: Any
) -> None:
    carrier = make_carrier("secret", location=unit.safe)
    page = sign_in(unit.clerk)
    page.goto("/stocktakes/")
    page.select_option("#location", unit.safe.code)
    page.click("#open-stocktake")
    page.wait_for_url("**/stocktakes/*/")
    scan_in(page, carrier.code)
    _answers(page, 1)
    page.reload()
    assert page.locator(f"#lines li[data-code='{carrier.code}']").get_attribute("class") == "found"
    scan_in(page, carrier.code)
    page.wait_for_function("document.querySelector('#banner .banner') !== null")
    assert CustodyEvent.objects.filter(action="inventory", carrier=carrier).count() == 1


def _client(person: Any, settings: Any) -> Client:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    person_set_password(person=person, password="pw", check=False)
    client = Client()
    assert client.post("/", {"username": person.code, "password": "pw"}).status_code == 302
    return client


def test_only_clerks_and_the_committee_run_stocktakes_from_the_pages(
    unit: Any, settings: Any
) -> None:
    committee = _client(unit.committee, settings)
    assert committee.get("/stocktakes/").status_code == 200
    opened = committee.post("/stocktakes/open/", {"location": unit.safe.code})
    assert opened.status_code == 302
    take = Stocktake.objects.get()
    # A second stocktake of the same place is refused in plain words.
    again = committee.post("/stocktakes/open/", {"location": unit.safe.code})
    assert again.status_code == 409 and "该位置已有未结束的清查" in again.content.decode()
    for person in (unit.approver, unit.registrar, unit.admin):
        client = _client(person, settings)
        assert client.get("/stocktakes/").status_code == 403
        assert client.post(f"/stocktakes/{take.id}/close/").status_code == 403
    take.refresh_from_db()
    assert take.closed_at is None


def test_the_new_pages_work_under_the_content_security_policy(
    strict_page: Any,  # noqa: F811 - the fixture imported above
    unit: Any,
    make_carrier: Any,
    settings: Any,
    tmp_path: Any,
) -> None:
    settings.VAR_DIR = tmp_path
    carrier = make_carrier("secret", location=unit.safe)
    person = unit.clerk
    person.roles = ["clerk", "committee"]
    person.save(update_fields=["roles_text"])
    page = sign_in_with_form(strict_page, person)
    page.goto("/stocktakes/")
    page.select_option("#location", unit.safe.code)
    page.click("#open-stocktake")
    page.wait_for_url("**/stocktakes/*/")
    page.keyboard.type(carrier.code)
    page.keyboard.press("Enter")
    page.locator("#n-found", has_text="1").wait_for()
    page.goto("/registers/")
    page.click("#export-start")
    page.locator("#export").wait_for()
    assert page.violations == []  # type: ignore[attr-defined]
