"""Where everything goes on a label: sizes, dpi, and the composition of one label.

:func:`compose` turns a :class:`~labels.spec.LabelSpec` into a :class:`Label` — a list of
positioned items in millimetres, top-left origin — that every output (PNG, ZPL, PDF, SVG)
draws without further decisions. The barcode is placed on the printer's dot grid: its left
edge, module width, top and height are whole dots at the target dpi, so a raster output
has no resampled bars and a vector output lands on the same device pixels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from labels import barcode, fonts, matrix, text
from labels.matrix import Matrix
from labels.spec import LabelError, LabelKind, LabelSpec

MM_PER_INCH = 25.4

#: Label stock, width × height in mm. Rolls for carriers; an ID-1 card for badges; a plate
#: big enough to read across a room for locations.
SIZES: dict[str, tuple[float, float]] = {
    "50x30": (50.0, 30.0),
    "60x40": (60.0, 40.0),
    "85.6x54": (85.6, 54.0),
    "100x50": (100.0, 50.0),
}
DEFAULT_SIZE = {
    LabelKind.CARRIER: "50x30",
    LabelKind.BADGE: "85.6x54",
    LabelKind.PLATE: "100x50",
}
#: Thermal printers are 203, 300 or 600 dpi; laser printers are 300 or 600.
DPIS = (203, 300, 600)

QUIET_MODULES = 10  # Code 128 requires a quiet zone of at least 10 modules on each side.
# The narrowest bar we print: 5 mil, what ordinary desk scanners still resolve. At 300 dpi
# a single dot (0.085 mm) is thinner than that, so 300 dpi starts at two dots.
MIN_MODULE_MM = 0.125
MAX_MODULE_MM = 0.5  # wider bars only make the symbol long, not easier to read
# Keep the quiet zone this far inside a roll label's die-cut edge. 0.2 mm rather than a
# rounder 0.5: it is what lets the product's 13-character codes (CXZ-…) have 2-dot
# (0.25 mm) modules on a 50 mm roll at 203 dpi — 198 modules, 49.55 mm — instead of
# 1-dot ones; a label shifted sideways by 0.5 mm still keeps almost 9 of 10 quiet modules.
EDGE_MM = 0.2
# ISO/IEC 15417 leaves height free; 5 mm or 15 % of the symbol's length reads reliably by
# hand-held scanners swiped at an angle.
MIN_BAR_HEIGHT_MM = 5.0
# A label drawn for one dpi and resampled to a 203 dpi head (a 300 dpi PNG sent through a
# driver) keeps its bars only if a module stays at least this many 203 dpi dots wide.
# Measured with zxing-cpp after 300 → 203 dpi (bilinear), a 0.5 px blur and a turn
# (tests/labels/test_scanning.py): 4-dot modules (2.71 px) read every label; 3-dot
# modules (2.03 px) failed for 29–38 % of codes whatever the layout — with or without the
# text, at any bar height — because a ±0.5 px edge rounding is then ±¼ module.
RESAMPLED_MIN_DOTS = 2.5
RESAMPLED_DPI = 203
# A DataMatrix is read from its module grid, not from edge widths: after the same 300 → 203
# dpi resampling, 0.6 px blur and turns, modules of 3.4 px (6 dots at 300 dpi) read every
# code (tests/labels/test_small.py). 2 px is where the grid itself starts to blur away.
MATRIX_RESAMPLED_MIN_DOTS = 2.0
# The DataMatrix module: at least 0.25 mm (what desk 2D imagers resolve at arm's length),
# at most 0.64 mm (bigger only takes room from the text).
MATRIX_MIN_MODULE_MM = 0.25
MATRIX_MAX_MODULE_MM = 0.64


@dataclass(frozen=True, slots=True)
class Bars:
    """A Code 128 symbol: dark runs (first module, width) at ``module`` mm per module."""

    x: float
    y: float
    module: float
    height: float
    runs: tuple[tuple[int, int], ...]
    text: str
    modules: int


@dataclass(frozen=True, slots=True)
class Text:
    """One line of text; ``x`` is its left edge and ``baseline`` its baseline, in mm."""

    x: float
    baseline: float
    size: float  # em size in mm
    weight: int
    text: str
    # What the PDF's invisible text layer carries for this line (labels.textlayer): None
    # is the line itself; a value broken over lines is carried whole by its first line
    # (and "" by the others), so a search finds it.
    layer: str | None = None


@dataclass(frozen=True, slots=True)
class Label:
    width: float
    height: float
    dpi: int
    items: tuple[Bars | Matrix | Text, ...]

    @property
    def bars(self) -> Bars:
        return next(item for item in self.items if isinstance(item, Bars))

    @property
    def matrix(self) -> Matrix | None:
        return next((item for item in self.items if isinstance(item, Matrix)), None)

    @property
    def code(self) -> str:
        """The text the label's symbols carry."""
        return next(item.text for item in self.items if isinstance(item, Bars | Matrix))

    @property
    def texts(self) -> tuple[Text, ...]:
        return tuple(item for item in self.items if isinstance(item, Text))

    @property
    def survives_resampling(self) -> bool:
        """Whether the bars still read if this label is printed on a 203 dpi head at another
        dpi than it was drawn for. A label drawn at 203 dpi is never resampled there."""
        if self.dpi == RESAMPLED_DPI:
            return True
        scale = RESAMPLED_DPI / MM_PER_INCH
        for item in self.items:
            if isinstance(item, Bars) and item.module * scale >= RESAMPLED_MIN_DOTS - 1e-9:
                return True
            if isinstance(item, Matrix) and item.module * scale >= MATRIX_RESAMPLED_MIN_DOTS:
                return True
        return False

    @property
    def bars_survive_resampling(self) -> bool:
        """Whether the Code 128 alone would, whatever DataMatrix stands beside it."""
        if self.dpi == RESAMPLED_DPI:
            return True
        return self.bars.module / MM_PER_INCH * RESAMPLED_DPI >= RESAMPLED_MIN_DOTS - 1e-9


def size_mm(size: str | None, kind: LabelKind) -> tuple[float, float]:
    name = size or DEFAULT_SIZE[kind]
    try:
        return SIZES[name]
    except KeyError:
        known = ", ".join(SIZES)
        raise LabelError(f"Unknown label size {name!r}; known sizes: {known}.") from None


def check_dpi(dpi: int) -> int:
    if dpi not in DPIS:
        raise LabelError(f"Unsupported dpi {dpi!r}; use one of {', '.join(map(str, DPIS))}.")
    return dpi


@dataclass
class _Row:
    """Texts that share one baseline, consumed top to bottom."""

    segments: list[tuple[str, float, int, str]]  # text, size, weight, "left"|"right"|"center"

    @property
    def size(self) -> float:
        return max(seg[1] for seg in self.segments)


def compose(
    spec: LabelSpec,
    width: float,
    height: float,
    dpi: int,
    *,
    pad: float | None = None,
    with_matrix: bool = False,
) -> Label:
    """Lay out ``spec`` on a ``width`` × ``height`` mm label for a ``dpi`` printer.

    ``pad`` is the blank border in mm (default: from the label's size); a sheet passes a
    wider one so that nothing falls into a laser printer's unprintable page margin.

    1. Choose text sizes from the label's height, and the padding from its smaller side.
    2. Build the rows above the barcode (marking and copy number, or the badge's name, or
       the plate's place) and below it (the code, then the unit), fitting each to the width.
    3. Size the barcode: the widest whole-dot module that fits with its quiet zones.
    4. Give the barcode the height left over; drop the title's lines if that is too little,
       and refuse the label if it still is.

    ``with_matrix`` adds a DataMatrix of the same code in the top right corner, beside the
    rows above the bars, for desks with a 2D imager: it still reads when the Code 128 of a
    long code would not survive a driver's resampling.
    """
    check_dpi(dpi)
    dot = MM_PER_INCH / dpi
    on_roll = pad is None
    if pad is None:
        pad = min(max(min(width, height) * 0.06, 1.5), 4.0)
    inner = width - 2 * pad
    big = min(max(height * 0.14, 3.2), 8.0)
    small = min(max(height * 0.085, 2.3), 3.8)
    symbol = barcode.encode(spec.code)
    # On a roll the quiet zones may reach to EDGE_MM from the die-cut edge; the text keeps
    # its padding, but it sits above and below the bars, never beside them. On a sheet the
    # cell's pad also keeps bars out of a laser printer's unprintable page margin.
    edge = EDGE_MM if on_roll else max(EDGE_MM, pad - 1.5)
    module = _module(symbol.width, width - 2 * edge, dot)
    if module is None:
        raise LabelError(
            f"The code {spec.code} is too long for a {width:g}×{height:g} mm label at {dpi} dpi;"
            " choose a larger size."
        )

    head, title, foot = _rows(spec, inner, big, small)
    corner: Matrix | None = None
    if with_matrix:
        corner = place_matrix(spec.code, width - pad, pad, height * 0.4, dpi, align="right")
        # The rows above the bars make room for the symbol; the rows below keep the width.
        head, title, _ = _rows(spec, inner - corner.side - small * 0.5, big, small)
    code_size = min(small * 1.05, (symbol.width + 2 * QUIET_MODULES) * module / 9)
    code_text, code_size = text.fit(spec.code, inner, code_size, 500, min_size=small * 0.8)
    code_row = _Row([(code_text, code_size, 500, "center")])

    min_bars = max(MIN_BAR_HEIGHT_MM, 0.15 * symbol.width * module)
    # Taller bars than this add nothing to a scan; the space goes around the symbol.
    max_bars = max(min_bars, height * 0.45)
    gap = small * 0.4
    foot_top = height - pad - sum(_row_height(r) for r in foot)
    while True:
        top = pad + sum(_row_height(r) for r in head + title)
        if corner is not None:
            top = max(top, pad + corner.side)
        bar_top = top + gap
        bar_bottom = foot_top - _row_height(code_row) - gap * 0.5
        if bar_bottom - bar_top >= min_bars or not title:
            break
        title.pop()
    if bar_bottom - bar_top < min_bars:
        raise LabelError(
            f"Not enough room for the barcode on a {width:g}×{height:g} mm label; "
            "choose a larger size or shorter texts."
        )
    if bar_bottom - bar_top > max_bars:
        spare = bar_bottom - bar_top - max_bars
        bar_top, bar_bottom = bar_top + spare / 2, bar_bottom - spare / 2

    items: list[Bars | Matrix | Text] = []
    y = pad
    head_inner = inner if corner is None else inner - corner.side - small * 0.5
    for row in head + title:
        y = _place_row(items, row, y, pad, head_inner)
    if corner is not None:
        items.append(corner)
    # Snap the symbol to the dot grid: whole-dot left edge, top and height.
    total = (symbol.width + 2 * QUIET_MODULES) * module
    x0 = math.floor((width - total) / 2 / dot) * dot + QUIET_MODULES * module
    y0 = math.ceil(bar_top / dot) * dot
    bar_height = math.floor((bar_bottom - y0) / dot) * dot
    items.append(Bars(x0, y0, module, bar_height, symbol.bars, symbol.text, symbol.width))
    # The code sits right under its bars; the unit keeps to the bottom edge.
    _place_row(items, code_row, y0 + bar_height + gap * 0.25, pad, inner)
    y = foot_top
    for row in foot:
        y = _place_row(items, row, y, pad, inner)
    return Label(width=width, height=height, dpi=dpi, items=tuple(items))


def place_matrix(
    code: str, x: float, y: float, max_side: float, dpi: int, *, align: str = "left"
) -> Matrix:
    """A DataMatrix of ``code`` whose quiet zone's top edge is at ``y`` and left (or, with
    ``align="right"``, right) edge at ``x``, as large as ``max_side`` mm allows with whole-dot
    modules; everything on the dot grid."""
    dot = MM_PER_INCH / dpi
    symbol = matrix.encode(code)
    span = symbol.columns + 2 * matrix.QUIET_MODULES
    dots = min(math.floor(max_side / (span * dot) + 1e-9), math.floor(MATRIX_MAX_MODULE_MM / dot))
    if dots * dot < MATRIX_MIN_MODULE_MM - 1e-9:
        raise LabelError(
            f"No room for a DataMatrix of {code} ({symbol.columns}×{symbol.rows} modules)"
            f" in {max_side:.1f} mm; choose a larger size."
        )
    module = dots * dot
    left = x - span * module if align == "right" else x
    quiet = matrix.QUIET_MODULES * module
    x0 = (math.floor(left / dot) if align == "right" else math.ceil(left / dot)) * dot + quiet
    y0 = math.ceil(y / dot) * dot + quiet
    return Matrix(x=x0, y=y0, module=module, symbol=symbol)


def _module(modules: int, usable: float, dot: float) -> float | None:
    """The module width in mm: the most whole dots that fit ``usable`` mm with the quiet
    zones, within the allowed range."""
    dots = min(
        math.floor(usable / ((modules + 2 * QUIET_MODULES) * dot)),
        math.floor(MAX_MODULE_MM / dot + 1e-9),
    )
    dots = max(dots, 0)
    if dots * dot < MIN_MODULE_MM - 1e-9:
        return None
    return dots * dot


def _rows(
    spec: LabelSpec, inner: float, big: float, small: float
) -> tuple[list[_Row], list[_Row], list[_Row]]:
    """Rows above the barcode, title rows (dropped first when room is short), rows below."""
    head: list[_Row] = []
    title: list[_Row] = []
    foot: list[_Row] = []
    unit = fonts.printable(spec.unit.strip())
    if spec.kind is LabelKind.CARRIER:
        head.extend(_marking_rows(spec, inner, big, small))
        if spec.show_title and spec.title.strip():
            lines = 2 if big >= 4.5 else 1
            for line in text.wrap(
                fonts.printable(spec.title), inner, small, fonts.REGULAR, max_lines=lines
            ):
                title.append(_Row([(line, small, fonts.REGULAR, "left")]))
        copy = spec.copy_text
        if copy and not any(seg[0] == copy for row in head for seg in row.segments):
            copy_w = text.width(copy, small, fonts.REGULAR)
            unit_line = text.shorten(unit, inner - copy_w - small, small, fonts.REGULAR)
            foot.append(
                _Row(
                    [
                        (unit_line, small, fonts.REGULAR, "left"),
                        (copy, small, fonts.REGULAR, "right"),
                    ]
                )
            )
        elif unit:
            foot.append(
                _Row(
                    [
                        (
                            text.shorten(unit, inner, small, fonts.REGULAR),
                            small,
                            fonts.REGULAR,
                            "left",
                        )
                    ]
                )
            )
    else:
        name = spec.person if spec.kind is LabelKind.BADGE else spec.location
        caption = "人员证" if spec.kind is LabelKind.BADGE else "位置"
        caption_w = text.width(caption, small, fonts.BOLD)
        unit_line = text.shorten(unit, inner - caption_w - small, small, fonts.REGULAR)
        head.append(
            _Row([(unit_line, small, fonts.REGULAR, "left"), (caption, small, fonts.BOLD, "right")])
        )
        name_size = big * 1.25
        fitted, size = text.fit(
            fonts.printable(name.strip()), inner, name_size, fonts.BOLD, min_size=name_size * 0.6
        )
        head.append(_Row([(fitted, size, fonts.BOLD, "left")]))
    return head, title, foot


def _marking_rows(spec: LabelSpec, inner: float, big: float, small: float) -> list[_Row]:
    """The marking, as large as fits; the copy number beside it when there is room.

    The marking is the legal mark and is never shortened: it shrinks, then takes a second
    line, and a marking that does not fit even so is refused.
    """
    marking = fonts.printable(spec.marking.strip())
    copy = spec.copy_text
    copy_w = text.width(copy, small, fonts.REGULAR) + small if copy else 0.0
    marking_w = text.width(marking, big, fonts.BOLD)
    if marking_w + copy_w <= inner:
        segs = [(marking, big, fonts.BOLD, "left")]
        if copy:
            segs.append((copy, small, fonts.REGULAR, "right"))
        return [_Row(segs)]
    if marking_w * 0.75 + copy_w <= inner and copy:
        size = (inner - copy_w) / text.width(marking, 1.0, fonts.BOLD)
        return [_Row([(marking, size, fonts.BOLD, "left"), (copy, small, fonts.REGULAR, "right")])]
    fitted, size = text.fit(marking, inner, big, fonts.BOLD, min_size=big * 0.7)
    if fitted == marking:
        return [_Row([(marking, size, fonts.BOLD, "left")])]
    size = big * 0.7
    lines = text.wrap(marking, inner, size, fonts.BOLD, max_lines=3)
    if len(lines) > 2 or "".join(lines).replace(" ", "") != marking.replace(" ", ""):
        raise LabelError("The marking is too long for this label size; choose a larger size.")
    return [_Row([(line, size, fonts.BOLD, "left")]) for line in lines]


def _row_height(row: _Row) -> float:
    m = fonts.metrics()
    return row.size * (m.ascender - m.descender) * 1.08


def _place_row(
    items: list[Bars | Matrix | Text], row: _Row, y: float, pad: float, inner: float
) -> float:
    m = fonts.metrics()
    baseline = y + row.size * m.ascender
    for content, size, weight, align in row.segments:
        if not content:
            continue
        w = text.width(content, size, weight)
        if align == "left":
            x = pad
        elif align == "right":
            x = pad + inner - w
        else:
            x = pad + (inner - w) / 2
        items.append(Text(x=x, baseline=baseline, size=size, weight=weight, text=content))
    return y + _row_height(row)
