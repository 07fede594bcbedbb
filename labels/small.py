"""Small labels for small carriers: a DataMatrix with the code and the marking beside it.

- ``20x10`` — a USB drive or a disk: the symbol on the left, the marking and the code on
  the right (CONTRACT.md: a 2D label of at most 20×10 mm).
- ``30x20`` — a tag for key rings and cables: the marking across the top, the symbol
  below it, the code, the copy number and the unit beside the symbol.
- ``disc40`` — a disc-hub ring label: 40 mm across with a 15 mm hole; the symbol in the
  ring above the hole, the marking and the code below it, the copy number left of it.

The same rules as the Code 128 labels hold: every module is a whole number of printer dots
at the target dpi and sits on the dot grid; the marking is the legal mark and is never
shortened (it shrinks, then wraps, then the label is refused). A disc label is drawn on its
40 × 40 mm square; only the ring is printed on, so nothing is placed in the hole or outside
the rim.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

from labels import fonts, text
from labels.layout import EDGE_MM, Label, Text, check_dpi, place_matrix
from labels.matrix import Matrix
from labels.spec import LabelError, LabelKind, LabelSpec


@dataclass(frozen=True, slots=True)
class Disc:
    """A ring label: outer and hole diameters in mm."""

    outer: float
    hole: float


#: Small label stock, width × height in mm.
SIZES: dict[str, tuple[float, float]] = {
    "20x10": (20.0, 10.0),
    "30x20": (30.0, 20.0),
    "disc40": (40.0, 40.0),
}
DISCS = {"disc40": Disc(outer=40.0, hole=15.0)}
#: What each size is for, for the README, the OpenAPI schema and the label page.
USES = {
    "20x10": "USB drive, removable or internal disk (涉密U盘、移动硬盘、硬盘)",
    "30x20": "tag for key rings and cables",
    "disc40": "optical disc hub ring, 40 mm across with a 15 mm hole (光盘)",
}

CODE_WEIGHT = 500
# Below ~1.3 mm (about 3.7 pt, 10 dots at 203 dpi) Latin capitals stop being legible on a
# thermal head; the code is printed no smaller, split at its hyphen rather than shrunk.
MIN_CODE_MM = 1.3
MIN_MARKING_MM = 1.5
COMFORTABLE_CODE_MM = 1.6

#: One line of a label's text stack: its text, size, weight and text layer (Text.layer).
Row = tuple[str, float, int, str | None]


def compose(spec: LabelSpec, size: str, dpi: int) -> Label:
    """Lay out ``spec`` on the small label ``size`` for a ``dpi`` printer."""
    check_dpi(dpi)
    if spec.kind is not LabelKind.CARRIER:
        # A badge or plate has room for its Code 128 and its name; these sizes have not.
        raise LabelError(f"The {size} label is for carriers; badges and plates have their own.")
    if size == "20x10":
        return _usb(spec, dpi)
    if size == "30x20":
        return _tag(spec, dpi)
    if size in DISCS:
        return _disc(spec, DISCS[size], dpi)
    raise LabelError(f"Unknown small label size {size!r}; known: {', '.join(SIZES)}.")


def _line_height(size: float) -> float:
    m = fonts.metrics()
    return size * (m.ascender - m.descender) * 1.05


@functools.lru_cache(maxsize=1024)
def _marking_lines(marking: str, width: float, size: float) -> tuple[tuple[str, ...], float]:
    """The marking on one line as large as fits from ``size``, or on two; never shortened.
    Cached: a print run repeats a handful of markings on one label size."""
    marking = fonts.printable(marking.strip())
    natural = text.width(marking, 1.0, fonts.BOLD)
    if natural * MIN_MARKING_MM <= width:
        return (marking,), min(size, width / natural)
    for try_size in (size, (size + MIN_MARKING_MM) / 2, MIN_MARKING_MM):
        lines = text.wrap(marking, width, try_size, fonts.BOLD, max_lines=3)
        if len(lines) <= 2 and "".join(lines).replace(" ", "") == marking.replace(" ", ""):
            return tuple(lines), try_size
    raise LabelError("The marking is too long for this label size; choose a larger size.")


def _code_lines(code: str, width: float, size: float) -> tuple[list[str], float]:
    """The code on as few lines as print it at least :data:`COMFORTABLE_CODE_MM` (split
    after its last hyphen, then its body in two), else on the lines that print it largest,
    at the largest size ≤ ``size`` that fits ``width``; refused below :data:`MIN_CODE_MM`."""
    candidates = [[code]]
    if "-" in code[1:-1]:
        cut = code.rindex("-", 0, len(code) - 1) + 1
        head, tail = code[:cut], code[cut:]
        candidates.append([head, tail])
        # A long body (a unit's longer codes) goes on two lines of its own.
        half = (len(tail) + 1) // 2
        candidates.append([head, tail[:half], tail[half:]])
    best: tuple[list[str], float] | None = None
    # Each character measured once: a code's lines are pieces of it.
    advances = [fonts.advance(ch, CODE_WEIGHT) for ch in code]
    for lines in candidates:
        natural, at = 0.0, 0
        for line in lines:
            natural = max(natural, sum(advances[at : at + len(line)]))
            at += len(line)
        fitted = min(size, width / natural)
        if fitted >= MIN_CODE_MM - 1e-9 and (best is None or fitted > best[1]):
            best = (lines, fitted)
        # Fewer lines read better: stop at the first that prints comfortably large.
        if fitted >= COMFORTABLE_CODE_MM:
            break
    if best is None:
        raise LabelError(f"The code {code} is too long for this label size; choose a larger size.")
    return best


def _stack(
    items: list[Matrix | Text],
    rows: list[Row],
    x: float,
    top: float,
    width: float,
    *,
    align: str = "left",
) -> float:
    """Place ``rows`` (text, size, weight, layer) from ``top`` down; returns the bottom."""
    ascender = fonts.metrics().ascender
    y = top
    for content, size, weight, layer in rows:
        left = x if align == "left" else x + (width - text.width(content, size, weight)) / 2
        items.append(
            Text(
                x=left,
                baseline=y + size * ascender,
                size=size,
                weight=weight,
                text=content,
                layer=layer,
            )
        )
        y += _line_height(size)
    return y


def _height(rows: list[Row]) -> float:
    return sum(_line_height(row[1]) for row in rows)


def _whole(marking: str) -> str:
    return fonts.printable(marking.strip())


def _rows(lines: Sequence[str], size: float, weight: int, whole: str) -> list[Row]:
    """``lines`` as rows; when ``whole`` is broken over several, the first line's text
    layer carries it whole so that a PDF search finds it (labels.layout.Text.layer)."""
    if len(lines) < 2:
        return [(line, size, weight, None) for line in lines]
    return [(line, size, weight, "" if i else whole) for i, line in enumerate(lines)]


def _usb(spec: LabelSpec, dpi: int) -> Label:
    width, height = SIZES["20x10"]
    symbol = place_matrix(spec.code, EDGE_MM, EDGE_MM, height - 2 * EDGE_MM, dpi)
    # Centre the symbol vertically on whole dots.
    dot = 25.4 / dpi
    shift = math.floor((height - symbol.side) / 2 / dot) * dot - (symbol.y - symbol.quiet)
    symbol = Matrix(x=symbol.x, y=symbol.y + shift, module=symbol.module, symbol=symbol.symbol)
    left = symbol.x - symbol.quiet + symbol.side + 0.3
    column = width - left - 0.4
    marking, marking_size = _marking_lines(spec.marking, column, 2.6)
    code, code_size = _code_lines(spec.code, column, 2.0)
    rows = _rows(marking, marking_size, fonts.BOLD, _whole(spec.marking))
    rows += _rows(code, code_size, CODE_WEIGHT, spec.code)
    block = _height(rows)
    if block > height - 0.6:
        raise LabelError("The marking and the code do not fit a 20×10 mm label.")
    items: list[Matrix | Text] = [symbol]
    _stack(items, rows, left, (height - block) / 2, column)
    return Label(width=width, height=height, dpi=dpi, items=tuple(items))


def _tag(spec: LabelSpec, dpi: int) -> Label:
    width, height = SIZES["30x20"]
    pad = 1.0
    inner = width - 2 * pad
    marking, marking_size = _marking_lines(spec.marking, inner, 3.2)
    head = _rows(marking, marking_size, fonts.BOLD, _whole(spec.marking))
    items: list[Matrix | Text] = []
    top = _stack(items, head, pad, pad, inner) + 0.3
    symbol = place_matrix(spec.code, EDGE_MM, top, height - EDGE_MM - top, dpi)
    items.append(symbol)
    left = symbol.x - symbol.quiet + symbol.side + 0.4
    column = width - left - pad
    code, code_size = _code_lines(spec.code, column, 2.2)
    rows = _rows(code, code_size, CODE_WEIGHT, spec.code)
    small = 1.8
    for extra in (spec.copy_text, fonts.printable(spec.unit.strip())):
        if extra:
            shown = text.shorten(extra, column, small, fonts.REGULAR)
            rows.append((shown, small, fonts.REGULAR, None))
    while rows and _height(rows) > height - pad - top:
        rows.pop()  # the unit first, then the copy number; the code always fits (checked)
    if len(rows) < len(code):
        raise LabelError("The code does not fit a 30×20 mm tag.")
    _stack(items, rows, left, top + 0.2, column)
    return Label(width=width, height=height, dpi=dpi, items=tuple(items))


def _chord(disc: Disc, top: float, bottom: float, margin: float) -> float:
    """The width of the ring's printable part between ``top`` and ``bottom`` mm (below the
    hole), ``margin`` mm inside the rim."""
    radius = disc.outer / 2 - margin
    far = max(abs(top - disc.outer / 2), abs(bottom - disc.outer / 2))
    return 2 * math.sqrt(max(radius * radius - far * far, 0.0))


def _disc(spec: LabelSpec, disc: Disc, dpi: int) -> Label:
    centre = disc.outer / 2
    hole, margin = disc.hole / 2, 0.8
    # The largest square whose corners stay `margin` inside the rim, standing on the hole:
    # (s/2)² + (hole + margin + s)² ≤ (R − margin)², solved for s.
    r, h = centre - margin, hole + margin
    side = (-4 * h + math.sqrt(16 * h * h - 5 * 4 * (h * h - r * r))) / 5
    symbol = place_matrix(spec.code, centre, 0.0, side, dpi)
    dot = 25.4 / dpi
    x = math.floor((centre - symbol.side / 2) / dot) * dot + symbol.quiet
    y = math.floor((centre - h - symbol.side) / dot) * dot + symbol.quiet
    items: list[Matrix | Text] = [Matrix(x=x, y=y, module=symbol.module, symbol=symbol.symbol)]
    top = centre + h
    marking, marking_size = _marking_lines(spec.marking, 26.0, 3.0)
    rows = _rows(marking, marking_size, fonts.BOLD, _whole(spec.marking))
    code, code_size = _code_lines(spec.code, 20.0, 2.4)
    rows += _rows(code, code_size, CODE_WEIGHT, spec.code)
    y = top
    for row in rows:
        bottom = y + _line_height(row[1])
        chord = _chord(disc, y, bottom, margin)
        if text.width(row[0], row[1], row[2]) > chord:
            raise LabelError("The marking and the code do not fit the disc's ring.")
        y = _stack(items, [row], margin, y, disc.outer - 2 * margin, align="center")
    copy = spec.copy_text
    if copy:
        size = 1.9
        lines = copy.split(" ")
        block = len(lines) * _line_height(size)
        room = centre - hole - margin - 0.5
        if all(text.width(line, size, fonts.REGULAR) <= room for line in lines):
            _stack(
                items,
                [(line, size, fonts.REGULAR, None) for line in lines],
                margin + 0.5,
                centre - block / 2,
                room,
                align="center",
            )
    return Label(width=disc.outer, height=disc.outer, dpi=dpi, items=tuple(items))
