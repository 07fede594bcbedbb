"""Registers on paper and in spreadsheets: XLSX (openpyxl write-only) and PDF (reportlab).

Both write to a file as the rows stream in, so memory does not grow with the register:
openpyxl's write-only mode spools each row to a temporary file, and the PDF is written a
page at a time (labels.pdfstream; reportlab's canvas keeps every page until
``save()``) with each glyph's outline defined once per document, so
Chinese text is embedded as vectors and prints the same on every machine, with no font
the viewer must have.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import IO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from backend.custody.paper import FOOT_HEIGHT, checkpoint_foot
from backend.registers.selectors import Register
from backend.registry.texts import unit_name
from labels import fonts, text
from labels.layout import Text
from labels.matrix import Matrix
from labels.pdfstream import StreamingPdf

HEADING_ROW = 3  # title, filters, then the headings; data from row 4


def xlsx(register: Register, out: IO[bytes], *, generated: datetime) -> int:
    """Write ``register`` to ``out`` as XLSX; returns the number of data rows."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(register.title)
    for i, width in enumerate(register.widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.freeze_panes = f"A{HEADING_ROW + 1}"
    title = WriteOnlyCell(sheet, value=register.title)
    title.font = Font(bold=True, size=14)
    sheet.append([title])
    sheet.append(
        [
            f"单位：{unit_name()}　筛选：{register.filters.describe()}　"
            f"生成时间：{generated:%Y-%m-%d %H:%M}"
        ]
    )
    heads = []
    for heading in register.headings:
        cell = WriteOnlyCell(sheet, value=heading)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
        heads.append(cell)
    sheet.append(heads)
    count = 0
    for row in register.rows:
        # Empty strings stay empty cells (None), so a hidden title is blank, not "".
        sheet.append([value or None for value in row])
        count += 1
    book.save(out)
    return count


# --- PDF --------------------------------------------------------------------------------

PAGE_W, PAGE_H = 297.0, 210.0  # A4 landscape, mm
MARGIN = 10.0
# The signed statement's top edge on the last page (backend/custody/paper.py).
FOOT_TOP = PAGE_H - MARGIN - FOOT_HEIGHT
ROW_H = 6.2
HEAD_H = 8.0
SIZE = 2.5  # em size in mm (about 7 pt)
HEAD_SIZE = 2.6
TITLE_SIZE = 5.0
LINE = SIZE * 1.3  # the step between the lines of a wrapped cell
MAX_CELL_LINES = 6


def signed_pdf(register: Register, out: IO[bytes], *, generated: datetime) -> int:
    """:func:`pdf` ending with the ledger's latest signed statement (issue 13): what the
    register pages and the API hand out, so a printed register carries the state the
    ledger published."""
    foot = checkpoint_foot(left=MARGIN, top=FOOT_TOP, width=PAGE_W - 2 * MARGIN)
    return pdf(register, out, generated=generated, foot=foot)


def pdf(
    register: Register,
    out: IO[bytes],
    *,
    generated: datetime,
    foot: Sequence[Text | Matrix] = (),
) -> int:
    """Write ``register`` to ``out`` as an A4-landscape PDF; returns the data row count.
    ``foot`` goes under the last row (on a page of its own when the last one is full)."""
    # Each page goes to ``out`` as soon as it is drawn (pdfstream), so memory stays flat.
    doc = StreamingPdf(out, title=register.title)
    usable = PAGE_W - 2 * MARGIN
    scale = usable / sum(register.widths)
    widths = [w * scale for w in register.widths]
    lefts = [MARGIN + sum(widths[:i]) for i in range(len(widths))]
    top_of_table = MARGIN + 16.0
    bottom = PAGE_H - MARGIN - 6.0
    subtitle = (
        f"单位：{unit_name()}　筛选：{register.filters.describe()}　"
        f"生成时间：{generated:%Y-%m-%d %H:%M}"
    )
    page = 0
    count = 0
    rows: Iterator[tuple[str, ...]] = register.rows
    pending = _laid_out(next(rows, None), widths)
    while page == 0 or pending is not None:  # an empty register still gets its headings
        page += 1
        doc.new_page(PAGE_W, PAGE_H)
        items: list[Text] = [
            _centered(register.title, PAGE_W / 2, MARGIN + 6.0, TITLE_SIZE, fonts.BOLD),
            Text(MARGIN, MARGIN + 12.0, SIZE, fonts.REGULAR, fonts.printable(subtitle)),
        ]
        y = top_of_table
        for heading, left, width in zip(register.headings, lefts, widths, strict=True):
            items.append(_cell(heading, left, width, y + HEAD_H - 2.6, HEAD_SIZE, fonts.BOLD))
        y += HEAD_H
        rules = [top_of_table, y]
        drawn = 0
        while pending is not None:
            cells, height = pending
            if drawn and y + height > bottom:
                break  # the row goes whole to the next page
            for lines, left in zip(cells, lefts, strict=True):
                for i, line in enumerate(lines):
                    baseline = y + ROW_H - 2.0 + i * LINE
                    items.append(Text(left + 0.8, baseline, SIZE, fonts.REGULAR, line))
            y += height
            rules.append(y)
            drawn += 1
            count += 1
            pending = _laid_out(next(rows, None), widths)
        # Grid: a line under the headings and under every row, and the column rules.
        for rule_y in rules:
            doc.line(MARGIN, rule_y, PAGE_W - MARGIN, rule_y, 0.15)
        for x in [*lefts, PAGE_W - MARGIN]:
            doc.line(x, top_of_table, x, y, 0.15)
        items.append(
            _centered(f"第 {page} 页", PAGE_W / 2, PAGE_H - MARGIN + 2.0, SIZE, fonts.REGULAR)
        )
        for item in items:
            doc.text(item.x, item.baseline, item.size, item.weight, item.text, layer=item.layer)
    if foot:
        _foot(doc, foot, y, page)
    doc.finish()
    return count


def _foot(doc: StreamingPdf, foot: Sequence[Text | Matrix], y: float, page: int) -> None:
    if y + 4.0 > FOOT_TOP:
        doc.new_page(PAGE_W, PAGE_H)
        number = _centered(
            f"第 {page + 1} 页", PAGE_W / 2, PAGE_H - MARGIN + 2.0, SIZE, fonts.REGULAR
        )
        doc.text(number.x, number.baseline, number.size, number.weight, number.text)
    for item in foot:
        if isinstance(item, Matrix):
            doc.matrix(item)
        else:
            doc.text(item.x, item.baseline, item.size, item.weight, item.text, layer=item.layer)


def _laid_out(
    row: tuple[str, ...] | None, widths: list[float]
) -> tuple[list[list[str]], float] | None:
    """A row's cells as lines and the row's height: a value too wide for its column
    wraps onto more lines (the row grows) rather than being cut."""
    if row is None:
        return None
    cells = [_lines(value, width) for value, width in zip(row, widths, strict=True)]
    return cells, ROW_H + (max(map(len, cells), default=1) - 1) * LINE


def _lines(value: str, width: float) -> list[str]:
    if not value:
        return []
    shown = fonts.printable(value)
    room = width - 1.6
    if text.width(shown, SIZE, fonts.REGULAR) <= room:  # most cells: one measure, no wrap
        return [shown]
    return text.wrap(shown, room, SIZE, fonts.REGULAR, max_lines=MAX_CELL_LINES)


def _cell(value: str, left: float, width: float, baseline: float, size: float, weight: int) -> Text:
    whole = fonts.printable(value)
    shown = text.shorten(whole, width - 1.6, size, weight)
    # A heading shortened to its column is still found whole by a search.
    return Text(left + 0.8, baseline, size, weight, shown, None if shown == whole else whole)


def _centered(value: str, middle: float, baseline: float, size: float, weight: int) -> Text:
    shown = fonts.printable(value)
    return Text(middle - text.width(shown, size, weight) / 2, baseline, size, weight, shown)
