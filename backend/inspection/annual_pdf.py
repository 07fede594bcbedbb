"""The annual secrecy work report as an A4 PDF, in the form such reports take: the
statistics by level and by form, the 定密 figures, the stocktakes, the overdue cases, the
destructions, incidents and their 24-hour reports, the findings and their rectification,
the self-inspection score, and the two charts — ending with the ledger's latest signed
statement, like every register (backend.custody.paper).

Drawn through labels.pdfstream (glyph outlines plus the invisible text layer), so the
Chinese prints the same everywhere and pdfium finds every number as text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO

from backend.custody.paper import FOOT_HEIGHT, checkpoint_foot
from backend.inspection import charts
from backend.inspection.annual import AnnualReport
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
from labels import fonts, text
from labels.layout import Text
from labels.matrix import Matrix
from labels.pdfstream import StreamingPdf

PAGE_W, PAGE_H = 210.0, 297.0  # A4 portrait, mm
MARGIN = 16.0
WIDTH = PAGE_W - 2 * MARGIN
BOTTOM = PAGE_H - MARGIN - 8.0
SIZE = 3.2  # body em size, mm (about 9 pt)
HEAD_SIZE = 3.8
TITLE_SIZE = 6.0
LINE = SIZE * 1.7
ROW_H = 6.5
CHART_H = 62.0
FOOT_TOP = PAGE_H - MARGIN - FOOT_HEIGHT


class _Pages:
    """The writer's cursor: the current page and how far down it is filled."""

    def __init__(self, doc: StreamingPdf) -> None:
        self.doc = doc
        self.page = 0
        self.y = BOTTOM  # forces a page at the first need()

    def new(self) -> None:
        self.page += 1
        self.doc.new_page(PAGE_W, PAGE_H)
        number = f"第 {self.page} 页"
        self.doc.text(
            (PAGE_W - text.width(number, SIZE, fonts.REGULAR)) / 2,
            PAGE_H - MARGIN + 2.0,
            SIZE,
            fonts.REGULAR,
            number,
        )
        self.y = MARGIN

    def need(self, height: float) -> None:
        if self.y + height > BOTTOM:
            self.new()

    def centered(self, value: str, size: float, weight: int) -> None:
        self.need(size * 2)
        self.y += size * 1.4
        left = (PAGE_W - text.width(value, size, weight)) / 2
        self.doc.text(left, self.y, size, weight, fonts.printable(value))
        self.y += size * 0.8

    def heading(self, value: str) -> None:
        self.need(HEAD_SIZE * 3 + ROW_H * 2)  # a heading never ends a page alone
        self.y += HEAD_SIZE * 1.9
        self.doc.text(MARGIN, self.y, HEAD_SIZE, fonts.BOLD, fonts.printable(value))
        self.y += HEAD_SIZE * 0.8

    def paragraph(self, value: str) -> None:
        lines = text.wrap(
            fonts.printable(value), WIDTH - 8.0, SIZE, fonts.REGULAR, max_lines=10_000
        )
        for i, line in enumerate(lines):
            self.need(LINE)
            self.y += LINE
            self.doc.text(MARGIN + (8.0 if i == 0 else 0.0), self.y, SIZE, fonts.REGULAR, line)

    def table(self, headings: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        """A grid with a first column of names and the rest numbers, right-aligned."""
        first = 24.0
        rest = (WIDTH - first) / (len(headings) - 1)
        lefts = [MARGIN] + [MARGIN + first + i * rest for i in range(len(headings) - 1)]
        widths = [first] + [rest] * (len(headings) - 1)
        self.need(ROW_H * (len(rows) + 1) + 2.0)
        top = self.y + 2.0
        y = top
        for r, row in enumerate([list(headings), *map(list, rows)]):
            weight = fonts.BOLD if r == 0 or row[0] == "合计" else fonts.REGULAR
            for c, (value, left, width) in enumerate(zip(row, lefts, widths, strict=True)):
                shown = text.shorten(fonts.printable(value), width - 2.0, SIZE, weight)
                x = left + 1.0
                if c and r:
                    x = left + width - 1.5 - text.width(shown, SIZE, weight)
                elif c:
                    x = left + (width - text.width(shown, SIZE, weight)) / 2
                self.doc.text(x, y + ROW_H - 2.0, SIZE, weight, shown)
            y += ROW_H
            self.doc.line(MARGIN, y, MARGIN + WIDTH, y, 0.15)
        self.doc.line(MARGIN, top, MARGIN + WIDTH, top, 0.3)
        for x in [*lefts, MARGIN + WIDTH]:
            self.doc.line(x, top, x, y, 0.15)
        self.y = y

    def chart(self, draw: str, report: AnnualReport, caption: str) -> None:
        self.need(CHART_H + 4.0)
        box = charts.Box(MARGIN, self.y + 4.0, WIDTH, CHART_H)
        if draw == "movement":
            charts.movement_chart(self.doc, box, report.monthly, caption)
        else:
            charts.trend_chart(self.doc, box, report.overdue_trend, caption)
        self.y += CHART_H + 4.0

    def foot(self, items: Sequence[Text | Matrix]) -> None:
        if not items:
            return
        if self.y + 4.0 > FOOT_TOP:
            self.new()
        for item in items:
            if isinstance(item, Matrix):
                self.doc.matrix(item)
            else:
                self.doc.text(
                    item.x, item.baseline, item.size, item.weight, item.text, layer=item.layer
                )


def annual_pdf(report: AnnualReport, out: IO[bytes]) -> int:
    """Write ``report`` to ``out`` as PDF; returns the number of pages."""
    doc = StreamingPdf(out, title=title(report))
    pages = _Pages(doc)
    pages.new()
    pages.centered(title(report), TITLE_SIZE, fonts.BOLD)
    pages.centered(f"生成时间：{report.generated:%Y-%m-%d %H:%M}", SIZE, fonts.REGULAR)
    pages.heading("一、涉密载体统计（按密级）")
    pages.table(["密级", *STAT_HEADINGS], statistics_rows(report.by_level, LEVEL_ROWS, LEVEL_ZH))
    pages.heading("二、涉密载体统计（按载体形式）")
    pages.table(["载体形式", *STAT_HEADINGS], statistics_rows(report.by_form, FORM_ROWS, FORMS_ZH))
    pages.chart("movement", report, "每月载体流转")
    for heading, body in paragraphs(report):
        pages.heading(heading)
        for value in body:
            pages.paragraph(value)
        if heading.startswith("四"):
            pages.chart("trend", report, "超期案件（各月末未解决数）")
    pages.foot(checkpoint_foot(left=MARGIN, top=FOOT_TOP, width=WIDTH))
    doc.finish()
    return pages.page
