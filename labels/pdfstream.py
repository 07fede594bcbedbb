"""A PDF written page by page to a file, for registers of any length.

Why not reportlab's canvas: ``Canvas.showPage`` appends the finished page object (its
whole content stream) to the document's page list, and nothing is written before
``save()``; a 100,000-carrier register (about 4,000 pages of glyph placements) peaked at
729 MB that way. Here each page's content stream is compressed and written to the output
the moment the page is finished; what stays in memory is one integer per page (the
object number, for the page tree) and one per object (its byte offset, for the xref
table), i.e. a few hundred kilobytes for the longest register.

Text is drawn as glyph outlines from the label font (labels.fonts), each distinct glyph
once per document as a form XObject placed by reference, exactly as labels.vector does
for sheets — so Chinese prints the same on every machine without any font embedded —
and the same text lies over it as invisible text (labels.textlayer) for search and copy.

Layout of the file (PDF 1.4):

1. header; object 1 the catalog, object 2 the page tree, object 3 the shared resources
   dictionary — 2 and 3 are reserved object numbers written only at the end, since a PDF
   reader finds objects by the xref table and any order is legal;
2. per page: its content stream object, then its page object (``/Parent 2 0 R``,
   ``/Resources 3 0 R``);
3. at the end: one form XObject per glyph used, the text layer's font and its descriptor,
   the resources (naming every glyph form and that font),
   the page tree (listing every page), the xref table and the trailer.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import IO

from labels import fonts, textlayer
from labels.matrix import Matrix
from labels.pdfops import PT_PER_MM, form_name, glyph_path, matrix_ops, num, pdf_string

_CATALOG, _PAGES, _RESOURCES = 1, 2, 3
_TEXT_FONT = "T0"  # the invisible text layer's font resource (labels.textlayer)


class StreamingPdf:
    """Pages of any size drawn in mm from the top-left corner, written as they finish."""

    def __init__(self, out: IO[bytes], *, title: str = "", creator: str = "Custos") -> None:
        self._out = out
        self._written = 0
        self._offsets: dict[int, int] = {}
        self._next_object = _RESOURCES + 1
        self._pages: list[int] = []
        self._glyphs: set[tuple[str, int]] = set()
        self._ops: list[str] = []
        self._layer = textlayer.PageLayer(_TEXT_FONT)
        self._page_size: tuple[float, float] | None = None
        self._info = {"Title": title, "Creator": creator}
        # The binary comment line tells transfer tools the file is not plain text.
        self._write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")

    # --- drawing ------------------------------------------------------------------------

    def new_page(self, width_mm: float, height_mm: float) -> None:
        if self._page_size is not None:
            self._end_page()
        self._page_size = (width_mm, height_mm)

    def line(self, x0: float, y0: float, x1: float, y1: float, width: float = 0.1) -> None:
        h = self._height()
        self._ops.append(
            f"{num(width * PT_PER_MM)} w {num(x0 * PT_PER_MM)} {num((h - y0) * PT_PER_MM)} m "
            f"{num(x1 * PT_PER_MM)} {num((h - y1) * PT_PER_MM)} l S"
        )

    def rect(
        self, x: float, y: float, width: float, height: float, *, rgb: tuple[float, float, float]
    ) -> None:
        """A filled rectangle, top-left corner at (``x``, ``y``) mm; ``rgb`` 0-1 each."""
        h = self._height()
        r, g, b = (num(c) for c in rgb)
        self._ops.append(
            f"q {r} {g} {b} rg {num(x * PT_PER_MM)} {num((h - y - height) * PT_PER_MM)} "
            f"{num(width * PT_PER_MM)} {num(height * PT_PER_MM)} re f Q"
        )

    def polyline(
        self,
        points: Sequence[tuple[float, float]],
        *,
        width: float = 0.3,
        rgb: tuple[float, float, float] = (0.0, 0.0, 0.0),
    ) -> None:
        """Straight segments through ``points`` (mm from the top-left), stroked."""
        if len(points) < 2:
            return
        h = self._height()
        r, g, b = (num(c) for c in rgb)
        path = [
            f"{num(px * PT_PER_MM)} {num((h - py) * PT_PER_MM)} {'l' if i else 'm'}"
            for i, (px, py) in enumerate(points)
        ]
        self._ops.append(f"q {r} {g} {b} RG {num(width * PT_PER_MM)} w {' '.join(path)} S Q")

    def matrix(self, item: Matrix) -> None:
        """A DataMatrix with its top-left module at (``item.x``, ``item.y``) mm."""
        self._ops.append(
            matrix_ops(item, item.x * PT_PER_MM, (self._height() - item.y) * PT_PER_MM)
        )

    def text(
        self,
        x: float,
        baseline: float,
        size: float,
        weight: int,
        value: str,
        *,
        layer: str | None = None,
    ) -> None:
        """``value`` with its baseline ``baseline`` mm below the page's top edge; ``layer``
        is what the invisible text layer carries instead of ``value`` (labels.layout.Text)."""
        k = size * PT_PER_MM / 1000  # glyph forms are in font units, 1000 per em
        x_pt, y_pt = x * PT_PER_MM, (self._height() - baseline) * PT_PER_MM
        ops = [f"q {num(k)} 0 0 {num(k)} {num(x_pt)} {num(y_pt)} cm"]
        pending = total = 0.0
        for ch in value:
            if not ch.isspace():
                if pending:
                    ops.append(f"1 0 0 1 {num(pending)} 0 cm")
                    pending = 0.0
                self._glyphs.add((ch, weight))
                ops.append(f"/{form_name(ch, weight)} Do")
            step = fonts.advance(ch, weight)
            pending += step * 1000
            total += step
        ops.append("Q")
        self._ops.append(" ".join(ops))
        size_pt = size * PT_PER_MM
        shown = value if layer is None else layer
        self._layer.add(shown, x_pt, y_pt, size_pt, total * size_pt)

    def finish(self) -> int:
        """Close the last page and write the glyphs, page tree and xref; returns bytes written."""
        if self._page_size is not None:
            self._end_page()
        names = []
        for ch, weight in sorted(self._glyphs):
            body = zlib.compress(glyph_path(fonts.segments(ch, weight)).encode("ascii"))
            number = self._object(
                b"<< /Type /XObject /Subtype /Form /BBox [-500 -500 1500 1500] "
                b"/Filter /FlateDecode /Length %d >>\nstream\n" % len(body) + body + b"\nendstream"
            )
            names.append(f"/{form_name(ch, weight)} {number} 0 R")
        descriptor = self._object(textlayer.font_descriptor().encode("ascii"))
        font = self._object(textlayer.font_dictionary(descriptor).encode("ascii"))
        self._object(
            (
                f"<< /ProcSet [/PDF /Text] /Font << /{_TEXT_FONT} {font} 0 R >> "
                f"/XObject << {' '.join(names)} >> >>"
            ).encode("ascii"),
            number=_RESOURCES,
        )
        kids = " ".join(f"{n} 0 R" for n in self._pages)
        self._object(
            f"<< /Type /Pages /Count {len(self._pages)} /Kids [{kids}] >>".encode("ascii"),
            number=_PAGES,
        )
        self._object(b"<< /Type /Catalog /Pages 2 0 R >>", number=_CATALOG)
        info = self._object(
            (
                "<< "
                + " ".join(f"/{key} {pdf_string(value)}" for key, value in self._info.items())
                + " >>"
            ).encode("ascii")
        )
        size = self._next_object
        xref_at = self._written
        lines = [f"xref\n0 {size}\n", "0000000000 65535 f \n"]
        for number in range(1, size):
            lines.append(f"{self._offsets[number]:010d} 00000 n \n")
        self._write("".join(lines).encode("ascii"))
        self._write(
            f"trailer\n<< /Size {size} /Root 1 0 R /Info {info} 0 R >>\n"
            f"startxref\n{xref_at}\n%%EOF\n".encode("ascii")
        )
        return self._written

    # --- file structure -----------------------------------------------------------------

    def _height(self) -> float:
        if self._page_size is None:
            raise RuntimeError("draw after new_page()")
        return self._page_size[1]

    def _end_page(self) -> None:
        if self._page_size is None:
            raise RuntimeError("no page is open")
        width, height = self._page_size
        self._ops.append(self._layer.take())
        body = zlib.compress("\n".join(self._ops).encode("ascii"))
        self._ops = []
        content = self._object(
            b"<< /Filter /FlateDecode /Length %d >>\nstream\n" % len(body) + body + b"\nendstream"
        )
        page = self._object(
            (
                f"<< /Type /Page /Parent {_PAGES} 0 R /Resources {_RESOURCES} 0 R "
                f"/MediaBox [0 0 {num(width * PT_PER_MM)} {num(height * PT_PER_MM)}] "
                f"/Contents {content} 0 R >>"
            ).encode("ascii")
        )
        self._pages.append(page)
        self._page_size = None

    def _object(self, body: bytes, *, number: int | None = None) -> int:
        if number is None:
            number = self._next_object
            self._next_object += 1
        self._offsets[number] = self._written
        self._write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
        return number

    def _write(self, data: bytes) -> None:
        self._out.write(data)
        self._written += len(data)
