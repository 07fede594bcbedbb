"""backend/inspection/matters.py: the 国家秘密事项一览表, built from the 定密 record as it
stands, through GET /reports/matters.xlsx|.pdf; titles only for those who may know them."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

import pypdfium2 as pdfium
import pytest
from openpyxl import load_workbook

from backend.classification.models import Case
from backend.inspection.matters import HEADINGS, matters_rows
from backend.registry.models import Carrier
from backend.registry.principals import Principal

pytestmark = pytest.mark.django_db


@pytest.fixture
def matters(unit: Any, make_carrier: Any, make_person: Any) -> dict[str, Any]:
    outsider = make_person(("approver",), "top_secret", name="outsider")
    kept = make_carrier("secret", title="年度工作要点", scope=[unit.reader])
    Case.objects.create(
        carrier=kept,
        kind="initial",
        state="approved",
        level="secret",
        proposed_by=unit.registrar,
        proposed_at=datetime.fromisoformat("2026-03-01 09:00+08:00"),
        decided_by=unit.approver,
        decided_at=datetime.fromisoformat("2026-03-02 10:00+08:00"),
    )
    stock = make_carrier("confidential", title="旧存文件")
    copy = make_carrier("secret", title="要点复印件", parent=kept, copy_no=2, copies_total=2)
    gone = make_carrier("secret", title="已解密文件")
    Carrier.objects.filter(pk=gone.pk).update(declassified_on="2026-05-01")
    burnt = make_carrier("secret", title="已销毁文件")
    Carrier.objects.filter(pk=burnt.pk).update(status="destroyed")
    return {"kept": kept, "stock": stock, "copy": copy, "outsider": outsider}


def test_the_list_holds_the_classified_originals_with_their_decisions(
    unit: Any, matters: dict[str, Any]
) -> None:
    rows, total = matters_rows(principal=Principal(person=unit.committee), limit=50)
    assert total == len(rows) == 2  # no copy, nothing declassified or destroyed
    kept, stock = rows
    assert dict(zip(HEADINGS, kept, strict=True)) | {"编号": ""} == {
        "序号": "1",
        "编号": "",
        "国家秘密事项名称": "年度工作要点",
        "密级": "机密",
        "保密期限": "20年",
        "知悉范围": "reader",
        "定密依据": "依据",
        "定密日期": "2026-03-02",
        "定密责任人": "approver",
        "载体形式": "纸介质",
        "状态": "已登记",
    }
    assert kept[1] == matters["kept"].code
    assert (stock[2], stock[7], stock[8]) == ("旧存文件", str(matters["stock"].issued_on), "")


def test_a_reader_outside_the_scope_sees_the_code_not_the_title(
    matters: dict[str, Any], unit: Any
) -> None:
    rows, _ = matters_rows(principal=Principal(person=matters["outsider"]), limit=50)
    assert (rows[0][1], rows[0][2], rows[0][5], rows[0][6]) == (matters["kept"].code, "", "", "")
    assert rows[1][2] == "旧存文件"  # no scope: the clearance is enough


def test_the_xlsx_and_pdf_download_for_the_committee_only(
    matters: dict[str, Any], unit: Any, api_as: Any
) -> None:
    committee = api_as(unit.committee)
    answer = committee.get("/reports/matters.xlsx")
    assert answer.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(answer.streaming_content))).active
    assert sheet is not None
    values = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    assert list(HEADINGS) in [list(r) for r in values]
    assert any(matters["kept"].code in r for r in values)
    answer = committee.get("/reports/matters.pdf")
    assert answer.status_code == 200
    pdf = pdfium.PdfDocument(b"".join(answer.streaming_content))
    text = "".join(p.get_textpage().get_text_range() for p in pdf)
    assert "国家秘密事项一览表" in text and matters["stock"].code in text
    assert api_as(unit.clerk).get("/reports/matters.pdf").status_code == 403
    assert committee.get("/reports/matters.csv").status_code == 422
