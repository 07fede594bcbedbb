"""backend/desk/views_reports.py: the committee walks the reports page keyboard-only in
Chromium — the year's numbers as the API gives them, the report downloaded as PDF and
Word, the 一览表 — and a classification authority sees the 一览表 alone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
from django.test import Client
from docx import Document

from backend.desk.services import person_set_password
from backend.inspection.annual import annual_json, annual_report
from tests.desk.conftest import PASSWORD, shot
from tests.inspection.year import YEAR, script_year


@pytest.mark.django_db(transaction=True)  # the live server reads what the test wrote
def test_the_committee_reads_and_downloads_the_years_report_by_keyboard(
    sign_in: Any, unit: Any, make_carrier: Any, tmp_path: Path
) -> None:
    made = script_year(unit, make_carrier)
    body = annual_json(annual_report(YEAR))
    page = sign_in(unit.committee)
    page.goto("/reports/")
    # The year field has the focus: type the year, Enter shows it.
    assert page.evaluate("document.activeElement.id") == "year"
    page.keyboard.press("Control+A")
    page.keyboard.type(str(YEAR))
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/reports/?year={YEAR}")
    cells = page.locator("#by-level tbody tr").all_inner_texts()
    secret = [str(v) for v in body["by_level"]["secret"].values()]
    assert any(row.split() == ["机密", *secret] for row in cells), cells
    assert page.inner_text("[data-key=stocktakes]") == str(body["stocktakes"])
    assert page.inner_text("[data-key=overdue_cases]") == str(body["overdue_cases"])
    shot(page, "annual-report-page.png")
    # Tab from the year field: Show, then the PDF link, then the Word link.
    page.focus("#year")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "annual-pdf"
    with page.expect_download() as pdf_download:
        page.keyboard.press("Enter")
    assert pdf_download.value.suggested_filename.endswith(f"{YEAR}年度保密工作报告.pdf")
    saved = tmp_path / "annual.pdf"
    pdf_download.value.save_as(saved)
    text = "".join(p.get_textpage().get_text_range() for p in pdfium.PdfDocument(saved))
    assert f"本年度完成涉密载体清查 {body['stocktakes']} 次" in text
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "annual-docx"
    with page.expect_download() as docx_download:
        page.keyboard.press("Enter")
    saved = tmp_path / "annual.docx"
    docx_download.value.save_as(saved)
    words = "\n".join(p.text for p in Document(str(saved)).paragraphs)
    assert f"案件 {body['overdue_cases']} 起" in words
    # The 一览表 preview lists the originals still classified; its files are next.
    listed = page.inner_text("#matters-list")
    assert made["carriers"][0].code in listed and made["copy"].code not in listed
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "matters-xlsx"


@pytest.mark.django_db
def test_an_approver_sees_the_list_of_matters_but_not_the_annual_report(unit: Any) -> None:
    person_set_password(person=unit.approver, password=PASSWORD, check=False)
    unit.approver.refresh_from_db()
    client = Client()
    client.force_login(unit.approver.user)
    page = client.get("/reports/")
    assert page.status_code == 200
    assert b'id="matters"' in page.content and b'id="annual"' not in page.content
    assert client.get(f"/reports/annual.pdf?year={YEAR}").status_code == 403
    listed = client.get("/reports/matters.pdf")
    assert listed.status_code == 200
    assert b"".join(listed.streaming_content).startswith(b"%PDF")
    assert client.get("/reports/matters.csv").status_code == 422
