"""A lean XLSX row reader: the sheet's XML streamed through the C expat parser.

openpyxl's read-only mode builds an object per cell (an inline string goes through its
descriptor machinery), which costs about half a millisecond a row — a minute for 100,000
rows. Here openpyxl still opens the workbook (shared strings, which styles are dates, the
sheet's path), and the cells are read straight from ``<c>`` elements, with missing rows
and cells filled in so row numbers stay those a person sees in the spreadsheet.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import iterparse

from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.utils import column_index_from_string
from openpyxl.utils.datetime import from_excel

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
ROW, CELL, VALUE, INLINE, TEXT = (f"{NS}{t}" for t in ("row", "c", "v", "is", "t"))


@lru_cache(maxsize=256)
def _column(ref: str) -> int:
    letters = ref.rstrip("0123456789")
    return column_index_from_string(letters) - 1


def _number(raw: str) -> float | int:
    value = float(raw)
    return int(value) if value.is_integer() and "." not in raw and "E" not in raw else value


def first_sheet(path: Path) -> tuple[Any, str]:
    """The workbook (strings, styles) and the path of its first worksheet, without
    openpyxl's read-only sheet object, which reads the whole sheet once to size it."""
    reader = ExcelReader(str(path), read_only=True, data_only=True)
    reader.read_manifest()
    reader.read_strings()
    reader.read_workbook()
    apply_stylesheet(reader.archive, reader.wb)
    for _sheet, rel in reader.parser.find_sheets():
        if rel.target in reader.valid_files and "chartsheet" not in rel.Type:
            return reader, rel.target
    raise KeyError("no worksheet")


def rows(reader: Any, sheet_path: str) -> Iterator[tuple[Any, ...]]:
    """The values of the worksheet at ``sheet_path`` of ``reader``'s workbook, row by row."""
    shared = reader.shared_strings
    dates = reader.wb._date_formats
    epoch = reader.wb.epoch
    expected = 1
    with reader.archive.open(sheet_path) as src:
        cells: dict[int, Any] = {}
        # ElementTree never fetches external entities, and expat >= 2.4 caps entity
        # expansion (billion laughs), so a hostile workbook cannot reach out or blow up.
        for _event, element in iterparse(src, events=("end",)):  # noqa: S314
            tag = element.tag
            if tag == CELL:
                kind = element.get("t", "n")
                ref = element.get("r")
                index = _column(ref) if ref else len(cells)
                if kind == "inlineStr":
                    node = element.find(INLINE)
                    value: Any = (
                        "".join(t.text or "" for t in node.iter(TEXT)) if node is not None else None
                    )
                else:
                    v = element.find(VALUE)
                    raw = v.text if v is not None else None
                    if raw is None:
                        value = None
                    elif kind == "s":
                        value = shared[int(raw)]
                    elif kind == "n":
                        value = _number(raw)
                        style = element.get("s")
                        if style is not None and int(style) in dates:
                            value = from_excel(value, epoch)
                    elif kind == "b":
                        value = raw == "1"
                    else:  # str, e, d
                        value = raw
                cells[index] = value
            elif tag == ROW:
                number = int(element.get("r") or expected)
                while expected < number:  # rows the file leaves out are blank
                    expected += 1
                    yield ()
                width = max(cells) + 1 if cells else 0
                yield tuple(cells.get(i) for i in range(width))
                expected += 1
                cells = {}
                element.clear()
