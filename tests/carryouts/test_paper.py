"""外出携带 on paper (backend/registers/carryouts.py): the approval form of one request (with
the disks a computer takes along) and the register of carry-outs, read back with pdfium and
openpyxl."""

from __future__ import annotations

import io
from typing import Any

import pypdfium2 as pdfium
import pytest
from django.utils import timezone
from openpyxl import load_workbook

from tests.carryouts.test_carry_outs import request_body
from tests.conftest import scan
from tests.custody.test_media_ingest import computer, disk


def _text(pdf: bytes) -> str:
    return "".join(page.get_textpage().get_text_range() for page in pdfium.PdfDocument(pdf))


@pytest.fixture
def carried(unit: Any, make_carrier: Any, api_as: Any) -> Any:
    """A top-secret and a secret carrier, approved and carried out today by two people."""
    today = timezone.localdate()
    carriers = [make_carrier("top_secret", title="绝密汇报提纲"), make_carrier("secret")]
    body = request_body(
        carriers,
        [unit.clerk, unit.clerk2],
        leaves_on=today,
        returns_on=today,
        destination="省保密局",
    )
    made = api_as(unit.clerk).post("/carry-outs", body).json()
    api_as(unit.approver).post(
        f"/carry-outs/{made['id']}/decision", {"decision": "approve", "opinion": "同意携带"}
    )
    api_as(unit.clerk2).post(
        "/scans", {"scans": [scan("carry_out", carriers[0], carry_out=made["id"])]}
    )
    return made["id"], carriers


@pytest.mark.django_db
def test_the_approval_form_names_the_request_the_carriers_and_the_decision(
    unit: Any, api_as: Any, carried: Any
) -> None:
    request_id, carriers = carried
    answer = api_as(unit.approver).get(f"/carry-outs/{request_id}/form.pdf")
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    text = _text(b"".join(answer.streaming_content))
    for needle in ("携带外出审批表", "省保密局", "同意携带", unit.approver.name, unit.clerk2.name):
        assert needle in text, needle
    for c in carriers:
        assert c.code in text
    assert "绝密汇报提纲" in text  # the approver is cleared and may know it
    # Someone who is neither on the request nor among its overseers gets no form.
    assert api_as(unit.reader).get(f"/carry-outs/{request_id}/form.pdf").status_code == 404


@pytest.mark.django_db
def test_the_register_has_a_row_per_carrier_with_its_way_out(
    unit: Any, api_as: Any, carried: Any
) -> None:
    request_id, carriers = carried
    answer = api_as(unit.committee).get("/registers/carry-outs.xlsx")
    assert answer.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(answer.streaming_content))).active
    rows = [r for r in sheet.iter_rows(min_row=4, values_only=True)]
    assert sorted(r[1] for r in rows) == sorted(c.code for c in carriers)
    out = next(r for r in rows if r[1] == carriers[0].code)
    assert (out[0], out[3], out[5]) == (str(request_id), "绝密", "省保密局")
    assert out[11] and not out[12]  # out, not back yet
    assert out[13] == "外出中"


@pytest.mark.django_db
def test_the_approval_form_shows_the_disks_that_leave_inside_a_computer(
    unit: Any, make_carrier: Any, api_as: Any
) -> None:
    pc = computer(make_carrier)
    disks = [disk(make_carrier, host=pc, title=f"硬盘{n}") for n in (1, 2)]
    today = timezone.localdate()
    body = request_body([pc], [unit.clerk], leaves_on=today, returns_on=today)
    made = api_as(unit.clerk).post("/carry-outs", body).json()
    answer = api_as(unit.approver).get(f"/carry-outs/{made['id']}/form.pdf")
    assert answer.status_code == 200
    text = _text(b"".join(answer.streaming_content))
    # The requester named the computer only; the form shows each disk it takes along.
    for d in disks:
        assert d.code in text
        assert d.title in text
    assert text.count(f"安装于 {pc.code}") == 2
    # The register has a row for each, naming the computer it leaves in.
    book = api_as(unit.committee).get("/registers/carry-outs.xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(book.streaming_content))).active
    rows = {r[1]: r for r in sheet.iter_rows(min_row=4, values_only=True)}
    assert set(rows) == {pc.code, *(d.code for d in disks)}
    assert all(f"安装于 {pc.code}" in rows[d.code][2] for d in disks)
