"""Reading a register file: XLSX (openpyxl, read-only streaming) or CSV, into numbered rows
of Custos fields, with the headings of Custos' own 涉密载体登记簿 or of a saved mapping.

openpyxl's read-only mode parses the sheet's XML as it is iterated, so a 100,000-row file
is never held whole; the CSV reader streams likewise. Rows are numbered as a person sees
them in the spreadsheet (the first line is row 1), so a report points at the right line.
"""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError

from openpyxl.utils.exceptions import InvalidFileException

from backend.imports import sheet
from backend.registers.selectors import CARRIER_HEADINGS

# The fields an import understands; a mapping names the heading of each one it uses.
FIELDS = (
    "code",
    "title",
    "form",
    "issued_on",
    "level",
    "period",
    "marking",  # 密级★保密期限 in one cell, for registers that write the legal marking
    "basis",
    "scope",
    "copies",
    "status",
    "custodian",
    "location",
)
REQUIRED = ("title", "form", "level", "custodian")

# Custos' own export: the heading of each field in GET /registers/carriers.xlsx.
STANDARD = dict(
    zip(
        ("code", "title", "form", "issued_on", "level", "period", "basis", "scope", "copies"),
        CARRIER_HEADINGS[:9],
        strict=True,
    )
) | {"status": "状态", "custodian": "保管人", "location": "存放位置"}

HEADING_SEARCH = 20  # the heading row is looked for among the first rows (title, filters…)


class Unreadable(Exception):
    """The file cannot be read as a register at all (exit 2)."""


@dataclass(frozen=True, slots=True)
class Columns:
    heading_row: int
    index: dict[str, int]  # field -> column position


def _cells(path: Path) -> Iterator[tuple[Any, ...]]:
    try:
        with path.open("rb") as fh:
            head = fh.read(4)
    except OSError as exc:
        raise Unreadable(str(exc)) from exc
    if head.startswith(b"PK"):
        yield from _xlsx(path)
    elif path.suffix.lower() in {".xlsx", ".xlsm"}:
        raise Unreadable("not an XLSX workbook")
    else:
        yield from _csv(path)


def _xlsx(path: Path) -> Iterator[tuple[Any, ...]]:
    try:
        reader, sheet_path = sheet.first_sheet(path)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise Unreadable(str(exc) or type(exc).__name__) from exc
    try:
        yield from sheet.rows(reader, sheet_path)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, ParseError) as exc:
        raise Unreadable(str(exc) or type(exc).__name__) from exc
    finally:
        reader.archive.close()


def _csv(path: Path) -> Iterator[tuple[Any, ...]]:
    # Excel in China saves CSV as GB18030 (GBK); Custos and most tools write UTF-8.
    with path.open("rb") as fh:
        sample = fh.read(1 << 16)
    encoding = "utf-8-sig"
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A cut in the middle of a multi-byte character at the sample's end is still UTF-8.
        if exc.start < len(sample) - 4:
            encoding = "gb18030"
    try:
        with path.open("r", encoding=encoding, newline="") as text:
            for row in csv.reader(text):
                yield tuple(row)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise Unreadable(str(exc)) from exc


def text(value: Any) -> str:
    """A cell as the text a person sees (dates as YYYY-MM-DD, whole numbers without .0)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _find_headings(rows: Iterator[tuple[Any, ...]], columns: dict[str, str]) -> Columns:
    wanted = {field: heading.strip() for field, heading in columns.items() if heading.strip()}
    must = [wanted[f] for f in REQUIRED if f in wanted]
    for number, row in enumerate(rows, start=1):
        cells = [text(c) for c in row]
        if must and all(h in cells for h in must):
            return Columns(
                heading_row=number,
                index={f: cells.index(h) for f, h in wanted.items() if h in cells},
            )
        if number >= HEADING_SEARCH:
            break
    raise Unreadable(
        "no heading row with " + "、".join(must or ["?"]) + f" in the first {HEADING_SEARCH} rows"
    )


def read(path: Path, columns: dict[str, str]) -> Iterator[tuple[int, dict[str, str]]]:
    """The file's data rows as (row number, {field: cell text}), blank rows left out.

    Raises :class:`Unreadable` (before the first row or while streaming) when the file is
    not a workbook or CSV, or has no heading row with the mapping's required headings.
    """
    rows = _cells(path)
    found = _find_headings(rows, columns)
    for number, row in enumerate(rows, start=found.heading_row + 1):
        values = {field: text(row[i]) if i < len(row) else "" for field, i in found.index.items()}
        if any(values.values()):
            yield number, values
