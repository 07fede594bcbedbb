"""backend/printing/api.py: label, badge, plate and sheet endpoints (CONTRACT.md)."""

from __future__ import annotations

import io
from typing import Any

import pypdfium2
import pytest
from PIL import Image

import labels
from backend.registry.models import Carrier
from tests.labels.scan import decode

pytestmark = pytest.mark.django_db


def png(response: Any) -> Image.Image:
    return Image.open(io.BytesIO(response.content))


def pdf_pages(pdf: bytes, dpi: int = 300) -> list[Image.Image]:
    doc = pypdfium2.PdfDocument(pdf)
    return [
        page.render(scale=dpi / 72, no_smoothpath=True, no_smoothtext=True).to_pil().convert("L")
        for page in doc
    ]


@pytest.mark.parametrize("dpi", [203, 300, 600])
def test_a_carrier_label_png_is_at_the_dpi_asked_and_scans_to_the_carrier_code(
    unit: Any, make_carrier: Any, api_as: Any, dpi: int
) -> None:
    carrier = make_carrier()
    response = api_as(unit.registrar).get(f"/carriers/{carrier.code}/label.png", dpi=dpi)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "no-store"
    image = png(response)
    assert image.size == (round(50 / 25.4 * dpi), round(30 / 25.4 * dpi))
    assert decode(image) == [carrier.code]


def test_every_format_answers_with_its_media_type(
    unit: Any, make_carrier: Any, api_as: Any
) -> None:
    carrier = make_carrier()
    api = api_as(unit.registrar)
    svg = api.get(f"/carriers/{carrier.code}/label.svg")
    pdf = api.get(f"/carriers/{carrier.code}/label.pdf", size="60x40")
    zpl = api.get(f"/carriers/{carrier.code}/label.zpl", dpi=203)
    assert (svg.status_code, svg["Content-Type"]) == (200, "image/svg+xml")
    assert svg.content.lstrip().startswith((b"<?xml", b"<svg"))
    assert (pdf.status_code, pdf["Content-Type"]) == (200, "application/pdf")
    assert decode(pdf_pages(pdf.content)[0]) == [carrier.code]
    assert zpl.status_code == 200 and zpl["Content-Type"].startswith("text/plain")
    assert zpl.content.startswith(b"^XA") and zpl.content.rstrip().endswith(b"^XZ")


def test_a_lower_case_code_with_spaces_is_the_same_carrier(
    unit: Any, make_carrier: Any, api_as: Any
) -> None:
    carrier = make_carrier()
    response = api_as(unit.registrar).get(f"/carriers/%20{carrier.code.lower()}%20/label.png")
    assert response.status_code == 200
    assert decode(png(response)) == [carrier.code]


@pytest.mark.parametrize(
    ("suffix", "params", "status", "code"),
    [
        ("label.gif", {}, 422, "invalid"),
        ("label.png", {"dpi": 72}, 422, "invalid"),
        ("label.png", {"size": "10x10"}, 422, "invalid"),
        ("label.png", {"dpi": "many"}, 422, "invalid"),
    ],
)
def test_bad_render_parameters_are_refused_with_invalid(
    unit: Any, make_carrier: Any, api_as: Any, suffix: str, params: dict, status: int, code: str
) -> None:
    carrier = make_carrier()
    response = api_as(unit.registrar).get(f"/carriers/{carrier.code}/{suffix}", **params)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code


def test_a_wrong_check_character_is_refused_before_any_lookup(unit: Any, api_as: Any) -> None:
    response = api_as(unit.registrar).get("/carriers/CXZ-00000001A/label.png")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "bad_check_character"


def test_an_unknown_carrier_is_404_unknown_code(unit: Any, api_as: Any) -> None:
    response = api_as(unit.registrar).get("/carriers/CXZ-00000001M/label.png")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "unknown_code"


def test_only_registrars_render_carrier_labels(unit: Any, make_carrier: Any, api_as: Any) -> None:
    carrier = make_carrier()
    for person in (unit.clerk, unit.committee, unit.admin):
        response = api_as(person).get(f"/carriers/{carrier.code}/label.png")
        assert response.status_code == 403, person.name
    assert api_as(None).get(f"/carriers/{carrier.code}/label.png").status_code == 401


@pytest.mark.parametrize("status", ["draft", "referred", "destroyed", "lost"])
def test_no_label_for_a_carrier_that_may_not_be_handed_over(
    unit: Any, make_carrier: Any, api_as: Any, status: str
) -> None:
    carrier = make_carrier()
    Carrier.objects.filter(pk=carrier.pk).update(status=status)
    response = api_as(unit.registrar).get(f"/carriers/{carrier.code}/label.png")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_transition"


def _expected(carrier: Carrier, *, title: bool) -> bytes:
    spec = labels.LabelSpec(
        code=carrier.code,
        marking=carrier.marking,
        unit="某某市保密局机要室",
        title=carrier.title if title else "",
        show_title=title,
    )
    return labels.render(spec, "png", dpi=300)


def test_the_title_is_printed_only_where_the_unit_turns_it_on_and_the_caller_may_know_it(
    unit: Any, make_carrier: Any, make_person: Any, api_as: Any, settings: Any
) -> None:
    settings.CUSTOS_UNIT_NAME = "某某市保密局机要室"
    carrier = make_carrier("top_secret", title="关于某项目的请示")
    cleared = api_as(unit.registrar)  # top_secret clearance
    uncleared = api_as(make_person(("registrar",), "secret"))
    path = f"/carriers/{carrier.code}/label.png"

    settings.CUSTOS_LABEL_TITLES = False  # the default: a title can itself be secret
    assert cleared.get(path).content == _expected(carrier, title=False)

    settings.CUSTOS_LABEL_TITLES = True
    assert cleared.get(path).content == _expected(carrier, title=True)
    assert uncleared.get(path).content == _expected(carrier, title=False)
    assert _expected(carrier, title=True) != _expected(carrier, title=False)


def test_a_knowledge_scope_keeps_the_title_off_labels_printed_by_outsiders(
    unit: Any, make_carrier: Any, make_person: Any, api_as: Any, settings: Any
) -> None:
    settings.CUSTOS_UNIT_NAME = "某某市保密局机要室"
    settings.CUSTOS_LABEL_TITLES = True
    insider = make_person(("registrar",), "top_secret")
    carrier = make_carrier("secret", title="知悉范围内的文件", scope=[insider, unit.clerk])
    path = f"/carriers/{carrier.code}/label.png"
    assert api_as(insider).get(path).content == _expected(carrier, title=True)
    assert api_as(unit.registrar).get(path).content == _expected(carrier, title=False)


def test_a_badge_and_a_plate_scan_to_their_codes(unit: Any, api_as: Any) -> None:
    api = api_as(unit.admin)
    badge = api.get(f"/people/{unit.clerk.code}/badge.png", dpi=300)
    plate = api.get(f"/locations/{unit.safe.code}/plate.png", dpi=203)
    assert (badge.status_code, plate.status_code) == (200, 200)
    assert decode(png(badge)) == [unit.clerk.code]
    assert decode(png(plate)) == [unit.safe.code]
    assert png(badge).size == (round(85.6 / 25.4 * 300), round(54 / 25.4 * 300))
    pdf = api.get(f"/people/{unit.clerk.code}/badge.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    assert decode(pdf_pages(pdf.content)[0]) == [unit.clerk.code]
    assert api.get(f"/locations/{unit.safe.code}/plate.zpl").content.startswith(b"^XA")


def test_badges_and_plates_are_for_admins_and_registrars(unit: Any, api_as: Any) -> None:
    assert api_as(unit.registrar).get(f"/people/{unit.clerk.code}/badge.svg").status_code == 200
    response = api_as(unit.clerk).get(f"/people/{unit.clerk.code}/badge.png")
    assert (response.status_code, response.json()["error"]["code"]) == (403, "forbidden")
    assert api_as(unit.clerk).get(f"/locations/{unit.safe.code}/plate.png").status_code == 403
    wrong_kind = api_as(unit.admin).get(f"/people/{unit.safe.code}/badge.png")
    assert (wrong_kind.status_code, wrong_kind.json()["error"]["code"]) == (422, "invalid")


def test_a_sheet_is_a_pdf_whose_every_label_scans(
    unit: Any, make_carrier: Any, api_as: Any
) -> None:
    carriers = [make_carrier() for _ in range(5)]
    codes = [c.code for c in carriers] + [unit.clerk.code, unit.safe.code]
    response = api_as(unit.registrar).post(
        "/labels/sheet", {"codes": codes, "layout": "a4-3x8", "start": 20}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pages = pdf_pages(response.content)
    assert len(pages) == 2  # 4 cells left on the first page, 3 labels on the second
    found = [code for page in pages for code in decode(page)]
    assert sorted(found) == sorted(codes)


def test_a_sheet_refuses_what_a_single_label_refuses(
    unit: Any, make_carrier: Any, api_as: Any
) -> None:
    carrier = make_carrier()
    api = api_as(unit.registrar)
    bad_layout = api.post("/labels/sheet", {"codes": [carrier.code], "layout": "a5-1x1"})
    assert (bad_layout.status_code, bad_layout.json()["error"]["code"]) == (422, "invalid")
    typo = api.post("/labels/sheet", {"codes": [carrier.code[:-1] + "0"]})
    if carrier.code[-1] != "0":
        assert typo.json()["error"]["code"] == "bad_check_character"
    Carrier.objects.filter(pk=carrier.pk).update(status="draft")
    draft = api.post("/labels/sheet", {"codes": [carrier.code]})
    assert (draft.status_code, draft.json()["error"]["code"]) == (409, "invalid_transition")
    clerk = api_as(unit.clerk).post("/labels/sheet", {"codes": [unit.clerk.code]})
    assert clerk.status_code == 403
    empty = api.post("/labels/sheet", {"codes": []})
    assert empty.status_code == 422
