"""Destruction: approval from the request list, two witness scans at the site, the PDF."""

from __future__ import annotations

import uuid
from typing import Any

import pypdfium2

from backend.custody.services import ScanIn, scans_ingest
from backend.registry.principals import Principal
from tests.desk.conftest import DOCS, scan_in, shot


def _request(unit: Any, carrier: Any) -> None:
    [result] = scans_ingest(
        scans=[ScanIn(id=uuid.uuid4(), action="destroy_request", carrier=carrier.code)],
        principal=Principal(person=unit.approver2),
    )
    assert result.status == "recorded", result.error


def test_an_approver_approves_a_request_from_the_list(
    sign_in: Any, unit: Any, make_carrier: Any
) -> None:
    carrier = make_carrier("secret")
    _request(unit, carrier)
    page = sign_in(unit.approver)
    assert page.url.endswith("/destruction/")
    assert carrier.code in page.locator("#pending").inner_text()
    shot(page, "destruction-requests.png")
    page.locator("#pending button[value=approve]").click()
    page.wait_for_selector("#banner.ok")
    carrier.refresh_from_db()
    assert carrier.status == "pending_destruction"
    assert carrier.destroy_approved_by_id == unit.approver.id
    assert carrier.code in page.locator("#approved").inner_text()


def test_a_destruction_is_completed_by_two_witness_scans(
    sign_in: Any, unit: Any, make_carrier: Any
) -> None:
    carrier = make_carrier("secret", title="废止的保密工作方案")
    _request(unit, carrier)
    scans_ingest(
        scans=[ScanIn(id=uuid.uuid4(), action="destroy_approve", carrier=carrier.code)],
        principal=Principal(person=unit.approver),
    )
    page = sign_in(unit.clerk)
    page.goto("/destruction/site/")
    scan_in(page, carrier.code)
    page.wait_for_selector("#missing")
    assert "2" in page.locator("#missing").inner_text()
    scan_in(page, unit.witnesses[0].code)
    page.wait_for_selector("li.witness")
    assert unit.witnesses[0].name in page.locator("#checklist").inner_text()
    scan_in(page, "")  # too early: one witness is missing, the page says so
    page.wait_for_selector(".banner.bad")
    assert "1" in page.locator(".banner.bad").inner_text()
    carrier.refresh_from_db()
    assert carrier.status == "pending_destruction"
    scan_in(page, unit.witnesses[1].code)
    page.wait_for_selector("#ready")
    shot(page, "destruction-site.png")
    scan_in(page, "")
    page.wait_for_selector("#certificate")
    carrier.refresh_from_db()
    assert carrier.status == "destroyed"
    assert sorted(carrier.witnesses) == sorted(w.code for w in unit.witnesses[:2])
    answer = page.request.get(page.locator("#certificate").get_attribute("href"))
    assert answer.status == 200 and answer.headers["content-type"] == "application/pdf"
    pdf = pypdfium2.PdfDocument(answer.body())
    assert len(pdf) == 1
    pdf[0].render(scale=1.4).to_pil().save(DOCS / "destruction-certificate.png")
    assert page.outside == []


def test_the_requester_cannot_witness_at_the_site(
    sign_in: Any, unit: Any, make_carrier: Any
) -> None:
    carrier = make_carrier("secret")
    unit.approver2.roles = [*unit.approver2.roles, "witness"]
    unit.approver2.save()
    _request(unit, carrier)
    scans_ingest(
        scans=[ScanIn(id=uuid.uuid4(), action="destroy_approve", carrier=carrier.code)],
        principal=Principal(person=unit.approver),
    )
    page = sign_in(unit.clerk)
    page.goto("/destruction/site/")
    scan_in(page, carrier.code, unit.approver2.code)
    page.wait_for_selector(".banner.bad")
    assert "申请人不能担任监销人" in page.locator(".banner.bad").inner_text()
