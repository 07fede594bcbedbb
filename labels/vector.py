"""Labels as vectors: PDF (reportlab) and SVG.

Bars are filled rectangles taken from the module pattern, never an embedded bitmap: a
raster barcode scaled into a PDF scanned badly (108 of 200 at 300 dpi), vector bars every
time. Text is drawn as glyph outlines from the label font, not as font text: reportlab
cannot embed the CFF-flavoured CJK font, and an SVG ``<text>`` would be set in whatever
font the viewer happens to have; in the PDF the same text lies over the outlines as
invisible text (labels.textlayer), so it can be searched and copied. Each glyph's
outline is written once per document (a PDF form XObject, an SVG ``<path>`` in
``<defs>``) and placed by reference, which keeps a 1,000-label sheet small and fast.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from functools import cache
from xml.sax.saxutils import escape, quoteattr

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from labels import fonts, textlayer
from labels.layout import Bars, Label, Text
from labels.matrix import Matrix
from labels.pdfops import PT_PER_MM, form_name, glyph_path, matrix_ops, num


class PdfDocument:
    """A PDF being written: pages of any size, labels placed anywhere on them."""

    def __init__(self) -> None:
        self._out = io.BytesIO()
        # invariant: no timestamps or random ids, so the same labels give the same bytes.
        self._canvas = Canvas(self._out, invariant=True, pageCompression=1)
        self._canvas.setCreator("Custos labels")
        self._glyphs: set[tuple[str, int]] = set()
        self._page_height = 0.0
        self._page_open = False
        # reportlab lists every font a document uses in one dictionary all pages share;
        # asking for the internal name adds the text layer's font to it.
        doc = self._canvas._doc  # type: ignore[attr-defined]  # reportlab's stubs omit it
        internal = doc.getInternalFontName(_text_layer_font())
        self._layer = textlayer.PageLayer(internal.lstrip("/"))

    @property
    def canvas(self) -> Canvas:
        return self._canvas

    def new_page(self, width_mm: float, height_mm: float) -> None:
        if self._page_open:
            self._end_page()
        self._canvas.setPageSize((width_mm * PT_PER_MM, height_mm * PT_PER_MM))
        self._page_height = height_mm
        self._page_open = True

    def line(self, x0: float, y0: float, x1: float, y1: float, width: float = 0.1) -> None:
        """A hairline in mm, top-left origin (crop marks)."""
        c = self._canvas
        c.setLineWidth(width * PT_PER_MM)
        h = self._page_height
        c.line(x0 * PT_PER_MM, (h - y0) * PT_PER_MM, x1 * PT_PER_MM, (h - y1) * PT_PER_MM)

    def draw(self, label: Label, left: float = 0.0, top: float = 0.0) -> None:
        """Draw ``label`` with its top-left corner at (``left``, ``top``) mm on the page."""
        ops: list[str] = []
        h = self._page_height
        for item in label.items:
            if isinstance(item, Bars):
                y = (h - top - item.y - item.height) * PT_PER_MM
                height = num(item.height * PT_PER_MM)
                for start, run in item.runs:
                    x = (left + item.x + start * item.module) * PT_PER_MM
                    ops.append(
                        f"{num(x)} {num(y)} {num(run * item.module * PT_PER_MM)} {height} re"
                    )
                ops.append("f")
            elif isinstance(item, Matrix):
                at_x, at_y = (left + item.x) * PT_PER_MM, (h - top - item.y) * PT_PER_MM
                ops.append(matrix_ops(item, at_x, at_y))
            else:
                self._flush(ops)
                self._text(item, left, (h - top - item.baseline))
        self._flush(ops)

    def _flush(self, ops: list[str]) -> None:
        if ops:
            self._canvas.addLiteral("\n".join(ops))
            ops.clear()

    def _text(self, item: Text, left: float, baseline_from_bottom: float) -> None:
        c = self._canvas
        k = item.size * PT_PER_MM / 1000  # glyph forms are in font units, 1000 per em
        x = (left + item.x) * PT_PER_MM
        y = baseline_from_bottom * PT_PER_MM
        c.addLiteral(f"q {num(k)} 0 0 {num(k)} {num(x)} {num(y)} cm")
        pending = total = 0.0
        for ch in item.text:
            if not ch.isspace():
                if pending:
                    c.addLiteral(f"1 0 0 1 {num(pending)} 0 cm")
                    pending = 0.0
                self._glyphs.add((ch, item.weight))
                c.doForm(form_name(ch, item.weight))
            step = fonts.advance(ch, item.weight)
            pending += step * 1000
            total += step
        c.addLiteral("Q")
        size = item.size * PT_PER_MM
        shown = item.text if item.layer is None else item.layer
        self._layer.add(shown, x, y, size, total * size)

    def _end_page(self) -> None:
        layer = self._layer.take()
        if layer:
            self._canvas.addLiteral(layer)
        self._canvas.showPage()

    def finish(self) -> bytes:
        c = self._canvas
        if self._page_open:
            self._end_page()
        # Forms may be defined after the pages that use them; defining each glyph once,
        # here, keeps a sheet of a thousand labels to one outline per distinct character.
        for ch, weight in sorted(self._glyphs):
            c.beginForm(form_name(ch, weight), -500, -500, 1500, 1500)
            c.addLiteral(glyph_path(fonts.segments(ch, weight)))
            c.endForm()
        c.save()
        return self._out.getvalue()


@cache
def _text_layer_font() -> str:
    """Register the text layer's font with reportlab, once per process; returns its name."""
    pdfmetrics.registerFont(UnicodeCIDFont(textlayer.FONT))
    return textlayer.FONT


def pdf(labels: Iterable[Label]) -> bytes:
    """One page per label, each page exactly the label's size (for roll printers)."""
    doc = PdfDocument()
    for label in labels:
        doc.new_page(label.width, label.height)
        doc.draw(label)
    return doc.finish()


def svg(label: Label) -> bytes:
    """The label as a standalone SVG in millimetres (viewBox units are mm)."""
    glyphs: dict[tuple[str, int], str] = {}
    body: list[str] = []
    for item in label.items:
        if isinstance(item, Bars):
            d = " ".join(
                f"M{num(item.x + start * item.module)} {num(item.y)}"
                f"h{num(run * item.module)}v{num(item.height)}h{num(-run * item.module)}z"
                for start, run in item.runs
            )
            body.append(
                f'<path class="bars" d="{d}" shape-rendering="crispEdges"'
                f" aria-label={quoteattr(item.text)}/>"
            )
            continue
        if isinstance(item, Matrix):
            d = " ".join(
                f"M{num(item.x + start * item.module)} {num(item.y + row * item.module)}"
                f"h{num(run * item.module)}v{num(item.module)}h{num(-run * item.module)}z"
                for row, start, run in item.symbol.runs()
            )
            body.append(
                f'<path class="matrix" d="{d}" shape-rendering="crispEdges"'
                f" aria-label={quoteattr(item.text)}/>"
            )
            continue
        k = item.size / 1000
        uses = []
        pen = 0.0
        for ch in item.text:
            if not ch.isspace():
                ref = glyphs.setdefault((ch, item.weight), f"g{item.weight}u{ord(ch):x}")
                uses.append(f'<use xlink:href="#{ref}" x="{num(pen)}"/>')
            pen += fonts.advance(ch, item.weight) * 1000
        body.append(
            f'<g aria-label={quoteattr(item.text)} transform="translate({num(item.x)} '
            f'{num(item.baseline)}) scale({num(k)} {num(-k)})">{"".join(uses)}</g>'
        )
    defs = "".join(
        f'<path id="{ref}" d="{_svg_path(fonts.segments(ch, weight))}"/>'
        for (ch, weight), ref in glyphs.items()
    )
    w, h = num(label.width), num(label.height)
    code = escape(label.code)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'width="{w}mm" height="{h}mm" '
        f'viewBox="0 0 {w} {h}">'
        f"<title>{code}</title>"
        f"<defs>{defs}</defs>"
        f'<rect width="{w}" height="{h}" fill="#fff"/>'
        f'<g fill="#000">{"".join(body)}</g>'
        "</svg>\n"
    ).encode()


def _svg_path(segments: Iterable[tuple[str, tuple[float, ...]]]) -> str:
    return "".join(kind + " ".join(num(v) for v in pts) for kind, pts in segments)
