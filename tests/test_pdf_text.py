"""Every kind of PDF Custos writes carries its text as text (issue 19, "Paper that fits"):
pdfium extracts each code, name and heading a page shows, in reading order, and finds it
by text search, while the text layer itself never shows on the page."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pypdfium2 as pdfium
import pytest
from django.utils import timezone

import labels
from backend.custody.models import CustodyEvent
from backend.desk.certificate import Entry, render
from backend.registers import render as register_render
from backend.registers.selectors import LENDING_HEADINGS, NAMES, TITLES, Filters, Register
from backend.registry.models import Carrier, Location
from labels import LabelSpec
from labels.codes import check_character
from labels.sheet import LAYOUTS
from tests.conftest import scan

UNIT_NAME = "某县保密局机关"
SPEC = LabelSpec(
    code="CXZ-00000001M",
    marking="机密★10年",
    copy_no=2,
    copies_total=5,
    unit=UNIT_NAME,
    title="年度工作要点",
    show_title=True,
)


def page_texts(pdf: bytes) -> list[str]:
    doc = pdfium.PdfDocument(pdf)
    return [page.get_textpage().get_text_range() for page in doc]


def searchable(pdf: bytes, needle: str) -> bool:
    """True if a reader's text search (pdfium's FPDFText_FindStart) finds ``needle``."""
    doc = pdfium.PdfDocument(pdf)
    for page in doc:
        if page.get_textpage().search(needle, match_case=True).get_next() is not None:
            return True
    return False


def assert_in_order(pdf: bytes, *needles: str) -> None:
    """Each needle is found by search, and the text has them in this order."""
    for needle in needles:
        assert searchable(pdf, needle), (needle, page_texts(pdf)[:1])
    # A value wrapped over lines has a line break where the page has one: compare
    # without white space.
    text = "".join("".join(page_texts(pdf)).split())
    at = 0
    for needle in ("".join(n.split()) for n in needles):
        found = text.find(needle, at)
        assert found >= 0, (needle, "not after the one before it", text[:600])
        at = found + len(needle)


def codes(n: int) -> list[str]:
    heads = [f"CXZ-{i:08d}" for i in range(1, n + 1)]
    return [head + check_character(head) for head in heads]


def pixels(page: pdfium.PdfPage) -> bytes:
    return page.render(scale=150 / 72).to_pil().convert("L").tobytes()


# --- labels (no database) -----------------------------------------------------------


def test_a_carrier_label_pdf_has_its_marking_copy_title_code_and_unit_as_text() -> None:
    pdf = labels.render(SPEC, "pdf")
    assert_in_order(pdf, "机密★10年", "第2份 共5份", "年度工作要点", "CXZ-00000001M", UNIT_NAME)


def test_a_badge_and_a_plate_carry_the_name_and_code() -> None:
    badge = labels.render(LabelSpec(code="P-ADMIN1U", kind="badge", person="张三"), "pdf")
    assert searchable(badge, "张三") and searchable(badge, "P-ADMIN1U")


def test_a_label_sheet_has_every_code_in_sheet_order() -> None:
    specs = [LabelSpec(code=code, marking="秘密★5年", unit="机要室") for code in codes(6)]
    pdf = labels.sheet(specs, layout="a4-3x8")
    assert_in_order(pdf, *(spec.code for spec in specs))
    assert page_texts(pdf)[0].count("秘密★5年") == len(specs)


@pytest.mark.parametrize("layout", [name for name, g in LAYOUTS.items() if g.small])
def test_a_small_label_sheet_finds_each_code_whole_though_it_prints_over_two_lines(
    layout: str,
) -> None:
    specs = [LabelSpec(code=code, marking="绝密★长期") for code in codes(3)]
    pdf = labels.sheet(specs, layout=layout)
    assert_in_order(pdf, *(spec.code for spec in specs))
    assert searchable(pdf, "绝密★长期")


@pytest.mark.parametrize("kind", ["label", "register"])
def test_the_text_layer_does_not_show(kind: str) -> None:
    """A page renders to the same pixels with its text objects removed; painted (render
    mode 0 instead of 3) the same objects would show."""
    if kind == "label":
        pdf = labels.render(SPEC, "pdf")
    else:
        out = io.BytesIO()
        rows = iter([("CXZ-00000001M", "文件", "机密", "张三", "", "", "", "", "")])
        register = Register("lending", "借阅", LENDING_HEADINGS, (1,) * 9, rows, Filters())
        register_render.pdf(register, out, generated=datetime(2026, 1, 1))  # noqa: DTZ001
        pdf = out.getvalue()
    doc = pdfium.PdfDocument(pdf)
    page = doc[0]
    shown = pixels(page)
    texts = [o for o in page.get_objects() if o.type == pdfium.raw.FPDF_PAGEOBJ_TEXT]
    assert texts
    for obj in texts:
        pdfium.raw.FPDFTextObj_SetTextRenderMode(obj.raw, pdfium.raw.FPDF_TEXTRENDERMODE_FILL)
    page.gen_content()
    assert pixels(page) != shown  # the layer, painted, would be seen
    for obj in texts:
        page.remove_obj(obj)
    page.gen_content()
    assert pixels(page) == shown  # without the layer: not one pixel changes


# --- registers, stocktake report, certificate (database) ------------------------------


def test_every_register_has_its_title_and_headings_as_text(
    unit: Any, api_as: Any, make_carrier: Callable[..., Carrier], settings: Any
) -> None:
    settings.CUSTOS_UNIT_NAME = UNIT_NAME
    carriers = [make_carrier("secret", title=f"关于第{n}季度工作的通知") for n in (1, 2)]
    committee = api_as(unit.committee)
    for name in NAMES:
        response = committee.get(f"/registers/{name}.pdf")
        assert response.status_code == 200, (name, response.content[:200])
        pdf = b"".join(response.streaming_content)
        assert_in_order(pdf, TITLES[name], f"单位：{UNIT_NAME}")
        if name == "carriers":
            assert_in_order(pdf, *(c.code for c in carriers))
            for c in carriers:
                assert searchable(pdf, c.title)
                assert searchable(pdf, unit.clerk.name)


def test_a_register_value_wrapped_over_lines_is_found_and_a_shortened_heading_whole() -> None:
    name = "孙监销 Sun (witness for the destruction of classified carriers, archive office)"
    rows = [("CXZ-00000001M", "文件", "机密", name, "clerk", "2026-01-01 08:00", "", "", "")]
    register = Register(
        "lending",
        "涉密载体借阅登记簿",
        LENDING_HEADINGS,
        (26, 50, 10, 20, 20, 28, 28, 28, 20),
        iter(rows),
        Filters(),
    )
    out = io.BytesIO()
    register_render.pdf(register, out, generated=datetime(2026, 1, 1))  # noqa: DTZ001
    pdf = out.getvalue()
    assert_in_order(pdf, "涉密载体借阅登记簿", *LENDING_HEADINGS, "CXZ-00000001M", name)
    assert "第 1 页" in page_texts(pdf)[0]


def test_a_stocktake_report_has_its_codes_titles_and_results_as_text(
    unit: Any, api_as: Any, make_carrier: Callable[..., Carrier]
) -> None:
    here = [make_carrier("secret", location=unit.safe, title=f"清查文件{n}") for n in (1, 2)]
    clerk = api_as(unit.clerk)
    take = clerk.post("/inventories", {"location": unit.safe.code}).json()
    sighting = scan("inventory", here[0], location=unit.safe, inventory=take["id"])
    assert clerk.post("/scans", {"scans": [sighting]}).json()["results"][0]["status"] == "recorded"
    assert clerk.post(f"/inventories/{take['id']}/close", {}).status_code == 200
    report = api_as(unit.committee).get(f"/inventories/{take['id']}/report.pdf")
    assert report.status_code == 200
    pdf = b"".join(report.streaming_content)
    # Missing first (what the committee acts on), then found.
    assert_in_order(pdf, "编号", "清查结果", here[1].code, "缺失", here[0].code, "在位")
    assert searchable(pdf, "清查文件1") and searchable(pdf, unit.safe.name)


def test_a_destruction_certificate_has_the_unit_code_title_people_and_place_as_text(
    unit: Any, make_carrier: Callable[..., Carrier], settings: Any
) -> None:
    settings.CUSTOS_UNIT_NAME = UNIT_NAME
    place = "销毁点 Destruction room B, basement level 2"
    carrier = make_carrier("secret", title="年度保密工作总结")
    destroyed = CustodyEvent(
        action="destroy",
        actor=unit.clerk,
        location=Location(name=place, kind="destruction"),
        occurred_at=timezone.now(),
        seq=7,
        hash="ab" * 32,
    )
    pdf = render(
        [Entry(carrier=carrier, title=carrier.title, events=[destroyed])],
        issued_by=unit.committee,
    )
    assert_in_order(
        pdf,
        "涉密载体销毁证明",
        f"单位：{UNIT_NAME}",
        carrier.code,
        "年度保密工作总结",
        unit.clerk.name,
        place,
        unit.committee.name,
    )
