"""The annual secrecy work report as a DOCX (python-docx), for the office to edit and file:
the same title, tables and sentences as the PDF (``inspection.sections``), the two charts'
numbers as a table (a Word reader edits numbers, not pictures)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

from backend.inspection.annual import AnnualReport
from backend.inspection.charts import SERIES
from backend.inspection.sections import (
    FORM_ROWS,
    FORMS_ZH,
    LEVEL_ROWS,
    STAT_HEADINGS,
    paragraphs,
    statistics_rows,
    title,
)
from backend.registry.levels import LEVEL_ZH

FONT = "SimSun"  # 宋体, the font such reports are set in; Word substitutes where it lacks it


def _table(document: DocxDocument, headings: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    table = document.add_table(rows=1, cols=len(headings))
    table.style = "Table Grid"
    for cell, value in zip(table.rows[0].cells, headings, strict=True):
        cell.text = value
        cell.paragraphs[0].runs[0].bold = True
    for row in rows:
        cells = table.add_row().cells
        for c, (cell, value) in enumerate(zip(cells, row, strict=True)):
            cell.text = value
            if c:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT


def annual_docx(report: AnnualReport, out: IO[bytes]) -> None:
    """Write ``report`` to ``out`` as DOCX."""
    document = Document()
    style = document.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(11)
    style.element.rPr.rFonts.set(
        qn("w:eastAsia"), FONT
    )  # East Asian text takes its own font attribute
    heading = document.add_heading(title(report), level=0)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    document.add_paragraph(
        f"生成时间：{report.generated:%Y-%m-%d %H:%M}"
    ).alignment = WD_ALIGN_PARAGRAPH.CENTER
    document.add_heading("一、涉密载体统计（按密级）", level=1)
    _table(
        document, ["密级", *STAT_HEADINGS], statistics_rows(report.by_level, LEVEL_ROWS, LEVEL_ZH)
    )
    document.add_heading("二、涉密载体统计（按载体形式）", level=1)
    _table(
        document, ["载体形式", *STAT_HEADINGS], statistics_rows(report.by_form, FORM_ROWS, FORMS_ZH)
    )
    for text, body in paragraphs(report):
        document.add_heading(text, level=1)
        for value in body:
            document.add_paragraph(value)
    document.add_heading("附：每月载体流转与超期案件", level=1)
    trend = dict(report.overdue_trend)
    _table(
        document,
        ["月份", *(name for name, _ in SERIES.values()), "超期未解决"],
        [
            [f"{month}月", *(str(counts[action]) for action in SERIES), str(trend[month])]
            for month, counts in report.monthly
        ],
    )
    document.save(out)
