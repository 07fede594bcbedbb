"""GET /carriers/{code}/label.* with the small DataMatrix sizes (CONTRACT.md: size=20x10)
and with ?matrix=true on a roll label; the sizes are named in the OpenAPI schema."""

from __future__ import annotations

import io
from typing import Any

import pytest
import zxingcpp
from PIL import Image

import labels
from labels import zpl
from tests.printing.test_api import pdf_pages

pytestmark = pytest.mark.django_db


def datamatrix(image: Image.Image) -> list[str]:
    found = zxingcpp.read_barcodes(image.convert("L"), formats=zxingcpp.BarcodeFormat.DataMatrix)
    return [r.text for r in found]


@pytest.mark.parametrize("size", labels.SMALL_SIZES)
@pytest.mark.parametrize("dpi", labels.DPIS)
def test_a_small_label_png_is_its_size_in_mm_and_scans_to_the_carrier_code(
    unit: Any, make_carrier: Any, api_as: Any, size: str, dpi: int
) -> None:
    carrier = make_carrier("secret")
    response = api_as(unit.registrar).get(f"/carriers/{carrier.code}/label.png", dpi=dpi, size=size)
    assert response.status_code == 200, response.content
    image = Image.open(io.BytesIO(response.content))
    width_mm = image.width / image.info["dpi"][0] * 25.4
    height_mm = image.height / image.info["dpi"][1] * 25.4
    expected = labels.SIZES[size]
    assert abs(width_mm - expected[0]) < 25.4 / dpi and abs(height_mm - expected[1]) < 25.4 / dpi
    assert datamatrix(image) == [carrier.code]


def test_20x10_in_every_format(unit: Any, make_carrier: Any, api_as: Any) -> None:
    carrier = make_carrier("confidential")
    api = api_as(unit.registrar)
    pdf = api.get(f"/carriers/{carrier.code}/label.pdf", size="20x10")
    assert (pdf.status_code, pdf["Content-Type"]) == (200, "application/pdf")
    assert datamatrix(pdf_pages(pdf.content, dpi=600)[0]) == [carrier.code]
    svg = api.get(f"/carriers/{carrier.code}/label.svg", size="20x10")
    assert svg.status_code == 200 and b'width="20mm" height="10mm"' in svg.content
    job = api.get(f"/carriers/{carrier.code}/label.zpl", size="20x10", dpi=203)
    assert job.status_code == 200
    assert datamatrix(zpl.to_image(job.content)) == [carrier.code]


def test_a_roll_label_with_matrix_true_carries_both_symbols(
    unit: Any, make_carrier: Any, api_as: Any
) -> None:
    carrier = make_carrier()
    response = api_as(unit.registrar).get(
        f"/carriers/{carrier.code}/label.png", dpi=300, matrix="true"
    )
    image = Image.open(io.BytesIO(response.content)).convert("L")
    assert datamatrix(image) == [carrier.code]
    code128 = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.Code128)
    assert [r.text for r in code128] == [carrier.code]


def test_an_unknown_size_names_the_small_ones(unit: Any, make_carrier: Any, api_as: Any) -> None:
    carrier = make_carrier()
    response = api_as(unit.registrar).get(f"/carriers/{carrier.code}/label.png", size="10x5")
    assert response.status_code == 422
    body = response.json()
    assert body["error"]["code"] == "invalid"
    assert "20x10" in body["error"]["message"] and "disc40" in body["error"]["message"]


def test_the_openapi_schema_names_every_size(client: Any) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    op = schema["paths"]["/api/v1/carriers/{code}/label.{fmt}"]["get"]
    size = next(p for p in op["parameters"] if p["name"] == "size")
    for name in ("50x30", "60x40", "20x10", "30x20", "disc40"):
        assert name in size["description"]
    assert any(p["name"] == "matrix" for p in op["parameters"])


def test_a_roll_sheet_with_matrix_true_carries_a_datamatrix_in_every_cell(
    unit: Any, make_carrier: Any, api_as: Any
) -> None:
    carriers = [make_carrier() for _ in range(3)]
    response = api_as(unit.registrar).post(
        "/labels/sheet", {"codes": [c.code for c in carriers], "layout": "a4-3x8", "matrix": True}
    )
    assert response.status_code == 200, response.content
    page = pdf_pages(response.content, dpi=300)[0]
    found = zxingcpp.read_barcodes(page, formats=zxingcpp.BarcodeFormat.DataMatrix)
    assert sorted(r.text for r in found) == sorted(c.code for c in carriers)


def test_a_small_sheet_through_the_api(unit: Any, make_carrier: Any, api_as: Any) -> None:
    carriers = [make_carrier() for _ in range(2)]
    response = api_as(unit.registrar).post(
        "/labels/sheet", {"codes": [c.code for c in carriers], "layout": "a4-20x10", "start": 9}
    )
    assert response.status_code == 200, response.content
    page = pdf_pages(response.content, dpi=300)[0]
    found = zxingcpp.read_barcodes(page, formats=zxingcpp.BarcodeFormat.DataMatrix)
    assert sorted(r.text for r in found) == sorted(c.code for c in carriers)
