"""The registers, opened with openpyxl and checked cell by cell against the ledger."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pypdfium2 as pdfium
import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from backend.custody.models import CustodyEvent
from backend.registry.marking import Period
from backend.registry.models import Carrier, Person
from tests.conftest import scan

HEAD = 3  # the heading row; data from row 4


def sheet(response: Any) -> list[tuple[Any, ...]]:
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = [tuple(r) for r in book.active.iter_rows(values_only=True)]
    width = len(rows[HEAD - 1])
    # read-only mode drops trailing empty cells; pad data rows back to the heading width.
    return rows[:HEAD] + [r + (None,) * (width - len(r)) for r in rows[HEAD:]]


def local(value: Any) -> str:
    return value.astimezone(ZoneInfo(settings.CUSTOS_TIME_ZONE)).strftime("%Y-%m-%d %H:%M")


def post(api: Any, *scans: dict[str, Any]) -> list[dict[str, Any]]:
    results = api.post("/scans", {"scans": list(scans)}).json()["results"]
    assert all(r["status"] == "recorded" for r in results), results
    return results


@pytest.fixture
def approved(unit: Any, api_as: Any, make_person: Callable[..., Person]) -> Carrier:
    """A carrier classified through the procedure, so its decision columns are filled."""
    chief = make_person(("approver",), "top_secret", name="陈定密")
    chief.authority = "top_secret"
    chief.save(update_fields=["authority"])
    body = {
        "title": "乡镇年度保密工作要点",
        "form": "paper",
        "level": "secret",
        "period": {"years": 10},
        "basis": "定密事项一览表第3项",
        "custodian": unit.clerk.code,
        "location": unit.safe.code,
        "copy_no": 2,
        "copies_total": 5,
        "scope": [unit.clerk.code, unit.clerk2.code],
    }
    code = api_as(unit.registrar).post("/carriers", body).json()["code"]
    api_as(unit.approver2).post(
        f"/carriers/{code}/decision", {"decision": "review", "opinion": "建议批准"}
    )
    api_as(chief).post(f"/carriers/{code}/decision", {"decision": "approve", "opinion": "同意"})
    return Carrier.objects.get(code=code)


def test_the_carrier_register_has_one_row_per_carrier_with_every_field(
    unit: Any, api_as: Any, approved: Carrier, make_carrier: Callable[..., Carrier]
) -> None:
    stock = make_carrier("confidential", title="旧存文件", period=Period(months=6))
    rows = sheet(api_as(unit.committee).get("/registers/carriers.xlsx"))
    assert rows[0][0] == "涉密载体登记簿"
    assert rows[HEAD - 1] == (
        "编号", "名称", "载体形式", "制发日", "密级", "保密期限", "定密依据", "知悉范围",
        "份数/份号", "承办人", "定密责任人", "审批意见与日期", "状态", "保管人",
        "存放位置",
    )  # fmt: skip
    data = {r[0]: r for r in rows[HEAD:]}
    assert set(data) == {approved.code, stock.code}
    decided = approved.cases.get()
    assert data[approved.code] == (
        approved.code,
        "乡镇年度保密工作要点",
        "纸介质",
        approved.issued_on.isoformat(),
        "机密",
        "10年",
        "定密事项一览表第3项",
        "、".join(sorted([unit.clerk.code, unit.clerk2.code])),
        "共5份/第2份",
        unit.registrar.name,
        "陈定密",
        f"同意（{local(decided.decided_at)}）",
        "已登记",
        unit.clerk.name,
        unit.safe.name,
    )
    # Stock registered at once has no decision on record: those cells are empty.
    assert data[stock.code][4:6] == ("秘密", "6个月")
    assert data[stock.code][9:12] == (None, None, None)


def test_a_reader_not_cleared_sees_the_row_but_not_the_title_basis_or_scope(
    unit: Any, api_as: Any, approved: Carrier
) -> None:
    # A witness cleared for 机密 but outside the knowledge scope.
    rows = sheet(api_as(unit.witnesses[0]).get("/registers/carriers.xlsx"))
    row = rows[HEAD]
    assert row[0] == approved.code and row[4] == "机密"
    assert (row[1], row[6], row[7]) == (None, None, None)


def test_the_carrier_register_filters_by_level_status_and_date(
    unit: Any, api_as: Any, approved: Carrier, make_carrier: Callable[..., Carrier]
) -> None:
    other = make_carrier("top_secret")
    client = api_as(unit.committee)
    codes = lambda **q: [r[0] for r in sheet(client.get("/registers/carriers.xlsx", **q))[HEAD:]]  # noqa: E731
    assert codes(level="top_secret") == [other.code]
    assert codes(status="registered", level="secret") == [approved.code]
    tomorrow = (approved.issued_on + timedelta(days=1)).isoformat()
    assert codes(**{"from": tomorrow}) == []
    assert sorted(codes(to=approved.issued_on.isoformat())) == sorted([approved.code, other.code])
    bad = client.get("/registers/carriers.xlsx", level="ultra")
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid"
    assert client.get("/registers/nothing.xlsx").status_code == 404


def test_the_classification_register_records_names_opinions_and_dates(
    unit: Any, api_as: Any, approved: Carrier
) -> None:
    rows = sheet(api_as(unit.committee).get("/registers/classifications.xlsx"))
    assert rows[0][0] == "国家秘密事项定密登记簿"
    case = approved.cases.get()
    assert rows[HEAD:] == [
        (
            approved.code,
            "乡镇年度保密工作要点",
            "原始定密",
            "机密★10年",
            "定密事项一览表第3项",
            unit.registrar.name,
            local(case.proposed_at),
            unit.approver2.name,
            "建议批准",
            "陈定密",
            "批准",
            "同意",
            local(case.decided_at),
            None,
            "机密★10年",
        )
    ]


def test_the_lending_register_pairs_each_checkout_with_its_return(
    unit: Any, api_as: Any, approved: Carrier
) -> None:
    clerk = api_as(unit.clerk)
    post(clerk, scan("checkout", approved, counterpart=unit.clerk2))
    post(clerk, scan("return", approved))
    post(clerk, scan("checkout", approved, counterpart=unit.clerk2))
    out, back, again = CustodyEvent.objects.filter(carrier=approved).order_by("seq")[3:6]
    rows = sheet(api_as(unit.committee).get("/registers/lending.xlsx"))
    assert rows[HEAD - 1] == (
        "编号", "名称", "密级", "借阅人", "经办人", "借出时间", "应还时间", "归还时间", "收回人",
    )  # fmt: skip
    assert rows[HEAD:] == [
        (approved.code, "乡镇年度保密工作要点", "机密", unit.clerk2.name, unit.clerk.name,
         local(out.occurred_at), local(out.due_at), local(back.occurred_at), unit.clerk.name),
        (approved.code, "乡镇年度保密工作要点", "机密", unit.clerk2.name, unit.clerk.name,
         local(again.occurred_at), local(again.due_at), None, None),
    ]  # fmt: skip


def test_the_destruction_register_names_requester_approver_and_witnesses(
    unit: Any, api_as: Any, make_carrier: Callable[..., Carrier]
) -> None:
    carrier = make_carrier("secret", copy_no=1, copies_total=2)
    clerk = api_as(unit.clerk)
    post(clerk, scan("destroy_request", carrier))
    post(api_as(unit.approver), scan("destroy_approve", carrier))
    post(clerk, scan("destroy_witness", carrier, counterpart=unit.witnesses[0]))
    post(clerk, scan("destroy_witness", carrier, counterpart=unit.witnesses[1]))
    post(clerk, scan("destroy", carrier, location=unit.site))
    done = CustodyEvent.objects.get(carrier=carrier, action="destroy")
    rows = sheet(api_as(unit.committee).get("/registers/destruction.xlsx"))
    assert rows[HEAD:] == [
        (
            carrier.code,
            carrier.title,
            "机密",
            "纸介质",
            "共2份/第1份",
            unit.clerk.name,
            unit.approver.name,
            f"{unit.witnesses[0].name}、{unit.witnesses[1].name}",
            local(done.occurred_at),
            "site",
            unit.clerk.name,
        )
    ]


def test_a_register_reads_in_chunks_not_one_query_per_row(
    unit: Any, api_as: Any, make_carrier: Callable[..., Carrier]
) -> None:
    from backend.registers.selectors import Filters, register_open
    from backend.registry.principals import Principal

    for _ in range(30):
        make_carrier("confidential", scope=[unit.clerk])
    register = register_open(
        principal=Principal(person=unit.committee), name="carriers", filters=Filters()
    )
    with CaptureQueriesContext(connection) as queries:
        assert len(list(register.rows)) == 30
    # One chunk: carriers, scopes, decisions (people only when decisions exist), the end.
    assert len(queries) <= 4


def test_every_register_renders_as_a_pdf_with_its_rows(
    unit: Any, api_as: Any, approved: Carrier
) -> None:
    for name in ("carriers", "classifications", "lending", "destruction"):
        response = api_as(unit.committee).get(f"/registers/{name}.pdf")
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        data = b"".join(response.streaming_content)
        pdf = pdfium.PdfDocument(data)
        assert len(pdf) == 1
        image = pdf[0].render(scale=1).to_pil().convert("L")
        # Something is drawn: the grid and text darken the page.
        assert image.getextrema()[0] < 100


def test_a_long_register_breaks_into_pages(unit: Any, make_carrier: Callable[..., Carrier]) -> None:
    from backend.registers import render
    from backend.registers.selectors import Filters, Register

    rows = iter([(f"C{i}", "名称", "纸介质") for i in range(70)])
    out = io.BytesIO()
    from django.utils import timezone

    n = render.pdf(
        Register("x", "测试", ("编号", "名称", "形式"), (1, 2, 1), rows, Filters()),
        out,
        generated=timezone.now(),
    )
    assert n == 70 and len(pdfium.PdfDocument(out.getvalue())) == 3


@pytest.mark.skipif(
    not __import__("os").environ.get("CUSTOS_WRITE_DOCS"), reason="set CUSTOS_WRITE_DOCS=1"
)
def test_write_the_example_registers_under_docs(
    unit: Any, api_as: Any, approved: Carrier, make_carrier: Callable[..., Carrier]
) -> None:
    """Regenerates docs/registers/*.pdf and *.png (CUSTOS_WRITE_DOCS=1 pytest -k docs)."""
    from pathlib import Path

    clerk = api_as(unit.clerk)
    post(clerk, scan("checkout", approved, counterpart=unit.clerk2))
    post(clerk, scan("return", approved))
    for title, level, period in [
        ("村级财务审计报告", "confidential", Period(years=5)),
        (
            "防汛应急预案（修订稿）",
            "secret",
            Period(until=__import__("datetime").date(2031, 12, 31)),
        ),
        ("征地补偿方案", "confidential", Period(condition="方案公布后")),
    ]:
        make_carrier(level, title=title, period=period, copy_no=1, copies_total=3)
    gone = make_carrier("secret", title="过期会议纪要", copy_no=3, copies_total=3)
    post(clerk, scan("destroy_request", gone))
    post(api_as(unit.approver), scan("destroy_approve", gone))
    post(clerk, scan("destroy_witness", gone, counterpart=unit.witnesses[0]))
    post(clerk, scan("destroy_witness", gone, counterpart=unit.witnesses[1]))
    post(clerk, scan("destroy", gone, location=unit.site))
    folder = Path(__file__).resolve().parents[2] / "docs" / "registers"
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("carriers", "classifications", "lending", "destruction"):
        data = b"".join(api_as(unit.committee).get(f"/registers/{name}.pdf").streaming_content)
        (folder / f"{name}.pdf").write_bytes(data)
        pdfium.PdfDocument(data)[0].render(scale=150 / 72).to_pil().save(folder / f"{name}.png")
