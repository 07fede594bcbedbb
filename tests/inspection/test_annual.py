"""GET /reports/annual (JSON, .pdf, .docx): the CONTRACT shape, the committee only, and the
same numbers in all three — the PDF read back with pdfium, the DOCX with python-docx."""

from __future__ import annotations

import io
from typing import Any

import pypdfium2 as pdfium
import pytest
from docx import Document

from backend.inspection import evidence
from backend.inspection.sections import STAT_HEADINGS
from tests.inspection.year import YEAR, script_year, sql_statistics

pytestmark = pytest.mark.django_db

LEVEL_ROWS = {"top_secret": "绝密", "secret": "机密", "confidential": "秘密"}


@pytest.fixture
def year(unit: Any, make_carrier: Any, api_as: Any) -> Any:
    script_year(unit, make_carrier)
    return api_as(unit.committee)


def _row(name: str, counts: dict[str, int]) -> list[str]:
    return [name, *(str(counts[s]) for s in evidence.STATISTICS)]


def test_the_json_has_the_contract_shape_and_the_ledgers_numbers(year: Any) -> None:
    answer = year.get("/reports/annual", year=YEAR)
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert list(body)[:5] == ["year", "by_level", "stocktakes", "overdue_cases", "findings"]
    assert body["year"] == YEAR
    assert set(body["by_level"]) == {"top_secret", "secret", "confidential"}
    expected = sql_statistics("level")
    for level, counts in body["by_level"].items():
        assert list(counts) == list(evidence.STATISTICS)
        for stat, value in counts.items():
            assert value == expected.get((level, stat), 0), (level, stat)
    assert (body["stocktakes"], body["overdue_cases"]) == (2, 3)
    assert set(body["findings"]) == {"open", "closed", "overdue"}
    assert body["incidents"]["losses"] == body["incidents"]["reported_within_24h"] == 1
    assert body["classification"]["annual_review"] is True
    assert [m["month"] for m in body["monthly_movement"]] == list(range(1, 13))


def test_only_the_committee_reads_it_and_the_year_is_checked(
    year: Any, unit: Any, api_as: Any
) -> None:
    for path in ("/reports/annual", "/reports/annual.pdf", "/reports/annual.docx"):
        assert api_as(unit.clerk).get(path, year=YEAR).status_code == 403
    assert api_as(None).get("/reports/annual", year=YEAR).status_code == 401
    refused = year.get("/reports/annual", year=1900)
    assert refused.status_code == 422
    assert refused.json()["error"]["details"] == {"field": "year"}
    assert year.get("/reports/annual.txt", year=YEAR).status_code == 422


def test_the_pdf_and_the_docx_hold_the_jsons_numbers(year: Any) -> None:
    body = year.get("/reports/annual", year=YEAR).json()
    answer = year.get("/reports/annual.pdf", year=YEAR)
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    pdf = b"".join(answer.streaming_content)
    text = "\n".join(p.get_textpage().get_text_range() for p in pdfium.PdfDocument(pdf))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    for level, name in LEVEL_ROWS.items():
        assert " ".join(_row(name, body["by_level"][level])) in lines
    assert "纸介质 " + " ".join(map(str, body["by_form"]["paper"].values())) in lines
    assert f"本年度完成涉密载体清查 {body['stocktakes']} 次" in text
    assert f"案件 {body['overdue_cases']} 起" in text
    assert f"未整改 {body['findings']['open']} 项" in text
    assert body["incidents"]["carriers"][0] in text  # the lost carrier, by code
    # The charts are vector paths, never a picture.
    kinds = {obj.type for page in pdfium.PdfDocument(pdf) for obj in page.get_objects()}
    assert pdfium.raw.FPDF_PAGEOBJ_IMAGE not in kinds and pdfium.raw.FPDF_PAGEOBJ_PATH in kinds
    assert "每月载体流转" in text and "超期案件（各月末未解决数）" in text
    score = body["self_inspection"]["score"]
    assert (f"{score:g} 分" if score is not None else "尚未进行自查评分") in text

    answer = year.get("/reports/annual.docx", year=YEAR)
    assert answer.status_code == 200
    document = Document(io.BytesIO(b"".join(answer.streaming_content)))
    by_level = [[cell.text for cell in row.cells] for row in document.tables[0].rows]
    assert by_level[0] == ["密级", *STAT_HEADINGS]
    for level, name in LEVEL_ROWS.items():
        assert _row(name, body["by_level"][level]) in by_level
    totals = [str(sum(c[s] for c in body["by_level"].values())) for s in evidence.STATISTICS]
    assert by_level[-1] == ["合计", *totals]
    words = "\n".join(p.text for p in document.paragraphs)
    assert f"本年度完成涉密载体清查 {body['stocktakes']} 次" in words
    assert f"未整改 {body['findings']['open']} 项" in words
    monthly = document.tables[2].rows
    assert [c.text for c in monthly[4].cells][:3] == [
        "4月",
        str(body["monthly_movement"][3]["register"]),
        str(body["monthly_movement"][3]["checkout"]),
    ]
