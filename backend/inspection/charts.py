"""The annual report's two charts, drawn as vector paths into its PDF: the monthly movement
(grouped bars) and the overdue trend (a line). No image, no font file, no network: bars
and lines are PDF path operators, labels are the label font's glyph outlines with the
invisible text layer over them (labels.pdfstream), so a chart prints sharp and its
numbers are found by a text search."""

from __future__ import annotations

from dataclasses import dataclass

from labels import fonts, text
from labels.pdfstream import StreamingPdf

SIZE = 2.2  # label em size, mm
AXIS = (0.35, 0.35, 0.35)
GRID = (0.85, 0.86, 0.88)
# One colour per movement, distinct in grey print too (lightness falls left to right).
SERIES = {
    "register": ("登记", (0.65, 0.80, 0.95)),
    "checkout": ("借阅", (0.40, 0.62, 0.88)),
    "return": ("归还", (0.55, 0.78, 0.45)),
    "dispatch": ("发出", (0.95, 0.65, 0.30)),
    "receive": ("接收", (0.70, 0.45, 0.70)),
    "destroy": ("销毁", (0.25, 0.25, 0.25)),
}
LINE_RGB = (0.79, 0.16, 0.16)


@dataclass(frozen=True)
class Box:
    """The chart's area on the page, mm from the top-left corner."""

    left: float
    top: float
    width: float
    height: float


# Round steps for the y axis, in tenths: 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 (× 10^k).
_STEPS = (10, 12, 15, 20, 25, 30, 40, 50, 60, 80)


def _ceiling(peak: int) -> tuple[int, int]:
    """Four gridline steps reaching at least ``peak``, each step a round whole number,
    so the axis reads 0, 12,000, 24,000 …: (step, ceiling)."""
    wanted = max(1, -(-peak // 4))
    power = 1
    while True:
        for tenths in _STEPS:
            if tenths * power % 10 == 0 and tenths * power // 10 >= wanted:
                step = tenths * power // 10
                return step, step * 4
        power *= 10


def _frame(doc: StreamingPdf, box: Box, title: str, peak: int) -> tuple[Box, int]:
    """Title, gridlines and the y axis's numbers; returns the plot area and its ceiling."""
    doc.text(box.left, box.top + 3.5, 3.0, fonts.BOLD, title)
    plot = Box(box.left + 10.0, box.top + 12.0, box.width - 12.0, box.height - 19.0)
    step, ceiling = _ceiling(peak)
    for i in range(5):
        y = plot.top + plot.height - plot.height * i / 4
        doc.polyline([(plot.left, y), (plot.left + plot.width, y)], width=0.15, rgb=GRID)
        label = str(step * i)
        doc.text(
            plot.left - 1.5 - text.width(label, SIZE, fonts.REGULAR),
            y + 0.8,
            SIZE,
            fonts.REGULAR,
            label,
        )
    bottom = plot.top + plot.height
    doc.polyline([(plot.left, plot.top), (plot.left, bottom)], width=0.2, rgb=AXIS)
    doc.polyline([(plot.left, bottom), (plot.left + plot.width, bottom)], width=0.2, rgb=AXIS)
    slot = plot.width / 12
    for month in range(1, 13):
        label = f"{month}月"
        middle = plot.left + slot * (month - 0.5)
        doc.text(
            middle - text.width(label, SIZE, fonts.REGULAR) / 2,
            bottom + 3.5,
            SIZE,
            fonts.REGULAR,
            label,
        )
    return plot, ceiling


def movement_chart(
    doc: StreamingPdf, box: Box, monthly: list[tuple[int, dict[str, int]]], title: str
) -> None:
    """Grouped bars: for each month, one bar per movement in SERIES, with a legend."""
    peak = max([1] + [n for _, counts in monthly for n in counts.values()])
    plot, ceiling = _frame(doc, box, title, peak)
    x = box.left + 60.0
    for name, rgb in SERIES.values():  # the legend, on the title's line
        doc.rect(x, box.top + 1.2, 2.6, 2.6, rgb=rgb)
        doc.text(x + 3.4, box.top + 3.5, SIZE, fonts.REGULAR, name)
        x += 5.0 + text.width(name, SIZE, fonts.REGULAR) + 3.0
    slot = plot.width / 12
    bar = slot * 0.8 / len(SERIES)
    bottom = plot.top + plot.height
    for month, counts in monthly:
        start = plot.left + slot * (month - 1) + slot * 0.1
        for i, (action, (_, rgb)) in enumerate(SERIES.items()):
            h = plot.height * counts.get(action, 0) / ceiling
            if h > 0:
                doc.rect(start + i * bar, bottom - h, bar * 0.92, h, rgb=rgb)


def trend_chart(doc: StreamingPdf, box: Box, trend: list[tuple[int, int]], title: str) -> None:
    """A line through each month's value, each point marked and numbered."""
    peak = max([1] + [n for _, n in trend])
    plot, ceiling = _frame(doc, box, title, peak)
    slot = plot.width / 12
    bottom = plot.top + plot.height
    points = [
        (plot.left + slot * (month - 0.5), bottom - plot.height * n / ceiling) for month, n in trend
    ]
    doc.polyline(points, width=0.5, rgb=LINE_RGB)
    for (x, y), (_, n) in zip(points, trend, strict=True):
        doc.rect(x - 0.7, y - 0.7, 1.4, 1.4, rgb=LINE_RGB)
        label = str(n)
        doc.text(
            x - text.width(label, SIZE, fonts.REGULAR) / 2, y - 1.6, SIZE, fonts.REGULAR, label
        )
