"""A4 sheets of labels for office printers: grid layouts, a start offset, crop marks."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from labels import small
from labels.layout import check_dpi, compose
from labels.spec import LabelError, LabelSpec
from labels.vector import PdfDocument

A4 = (210.0, 297.0)


@dataclass(frozen=True, slots=True)
class Grid:
    """Cells of ``cell`` mm, ``cols`` × ``rows``, from (``left``, ``top``) with gaps."""

    cols: int
    rows: int
    cell: tuple[float, float]
    left: float
    top: float
    gap: tuple[float, float] = (0.0, 0.0)
    # Blank border inside each cell. 4 mm keeps text and bars out of a laser printer's
    # unprintable margin on the cells that touch the page edge.
    pad: float = 4.0
    # A small DataMatrix label size (labels.small) whose own layout fills each cell.
    small: str | None = None

    @property
    def per_page(self) -> int:
        return self.cols * self.rows

    def origin(self, index: int) -> tuple[float, float]:
        """Top-left corner of cell ``index`` (row by row, from the top left)."""
        row, col = divmod(index, self.cols)
        return (
            self.left + col * (self.cell[0] + self.gap[0]),
            self.top + row * (self.cell[1] + self.gap[1]),
        )


#: The sheets sold for this: 24-up 70×37 mm (the common A4 stock in China, e.g. Avery
#: 3474), 14-up 99.1×38.1 mm (Avery L7163), and 10 ID-1 badge cards (85.6×54 mm) to cut
#: out, with room around them for crop marks.
LAYOUTS: dict[str, Grid] = {
    "a4-3x8": Grid(cols=3, rows=8, cell=(70.0, 37.0), left=0.0, top=0.5),
    "a4-2x7": Grid(
        cols=2, rows=7, cell=(99.1, 38.1), left=4.65, top=15.15, gap=(2.5, 0.0), pad=3.0
    ),
    "a4-2x5": Grid(cols=2, rows=5, cell=(85.6, 54.0), left=15.4, top=5.5, gap=(8.0, 4.0), pad=3.5),
    # Small labels, with gaps between cells and a margin a laser printer can print inside:
    # 192 × 20×10 mm, 78 × 30×20 mm tags, 24 disc-hub rings of 40 mm.
    "a4-20x10": Grid(
        cols=8, rows=24, cell=(20.0, 10.0), left=16.25, top=17.0, gap=(2.5, 1.0), small="20x10"
    ),
    "a4-30x20": Grid(
        cols=6, rows=13, cell=(30.0, 20.0), left=10.0, top=9.5, gap=(2.0, 1.5), small="30x20"
    ),
    "a4-disc40": Grid(
        cols=4, rows=6, cell=(40.0, 40.0), left=17.5, top=18.5, gap=(5.0, 4.0), small="disc40"
    ),
}

CROP_MARK_MM = 5.0  # length of a crop mark
CROP_GAP_MM = 1.0  # distance between a crop mark and the cut it points at


def grid(layout: str) -> Grid:
    try:
        return LAYOUTS[layout]
    except KeyError:
        known = ", ".join(LAYOUTS)
        raise LabelError(f"Unknown sheet layout {layout!r}; known layouts: {known}.") from None


def sheet(
    specs: Iterable[LabelSpec],
    layout: str = "a4-3x8",
    *,
    start: int = 0,
    crop_marks: bool = False,
    dpi: int = 600,
    matrix: bool = False,
) -> bytes:
    """A PDF of A4 pages holding ``specs`` in ``layout``'s cells, skipping the first
    ``start`` cells of the first page (a partly used sheet); see :mod:`labels`.
    ``matrix`` adds a DataMatrix beside each Code 128 (the small layouts have one anyway)."""
    g = grid(layout)
    check_dpi(dpi)
    specs = list(specs)
    if not specs:
        raise LabelError("A sheet needs at least one label.")
    if not 0 <= start < g.per_page:
        raise LabelError(f"start must be between 0 and {g.per_page - 1} for {layout}.")
    if crop_marks and _margin(g) < CROP_GAP_MM + 1.5:
        raise LabelError(
            f"{layout} is die-cut edge to edge and has no margin for crop marks;"
            " crop marks are for a4-2x5 and a4-2x7."
        )
    doc = PdfDocument()
    index = start
    for i, spec in enumerate(specs):
        if i == 0 or index == g.per_page:
            doc.new_page(*A4)
            if crop_marks:
                _crop_marks(doc, g)
            index = index if i == 0 else 0
        left, top = g.origin(index)
        if g.small is not None:
            label = small.compose(spec, g.small, dpi)
        else:
            label = compose(spec, g.cell[0], g.cell[1], dpi, pad=g.pad, with_matrix=matrix)
        doc.draw(label, left, top)
        index += 1
    return doc.finish()


def _margin(g: Grid) -> float:
    right = A4[0] - g.left - g.cols * g.cell[0] - (g.cols - 1) * g.gap[0]
    bottom = A4[1] - g.top - g.rows * g.cell[1] - (g.rows - 1) * g.gap[1]
    return min(g.left, g.top, right, bottom)


def _crop_marks(doc: PdfDocument, g: Grid) -> None:
    """Marks in the page margin in line with every cut, pointing at it but never
    entering a cell, so a guillotine can be set without marks on the labels."""
    xs = sorted({x for i in range(g.cols) for x in (g.origin(i)[0], g.origin(i)[0] + g.cell[0])})
    ys = sorted(
        {
            y
            for r in range(g.rows)
            for y in (g.origin(r * g.cols)[1], g.origin(r * g.cols)[1] + g.cell[1])
        }
    )
    first_y, last_y = ys[0], ys[-1]
    first_x, last_x = xs[0], xs[-1]
    for x in xs:
        length = min(CROP_MARK_MM, first_y - CROP_GAP_MM)
        doc.line(x, first_y - CROP_GAP_MM - length, x, first_y - CROP_GAP_MM)
        length = min(CROP_MARK_MM, A4[1] - last_y - CROP_GAP_MM)
        doc.line(x, last_y + CROP_GAP_MM, x, last_y + CROP_GAP_MM + length)
    for y in ys:
        length = min(CROP_MARK_MM, first_x - CROP_GAP_MM)
        doc.line(first_x - CROP_GAP_MM - length, y, first_x - CROP_GAP_MM, y)
        length = min(CROP_MARK_MM, A4[0] - last_x - CROP_GAP_MM)
        doc.line(last_x + CROP_GAP_MM, y, last_x + CROP_GAP_MM + length, y)
