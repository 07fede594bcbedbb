"""The streaming PDF writer: pages reach the file as they finish; memory does not grow."""

from __future__ import annotations

import io
import tracemalloc

import pypdfium2 as pdfium

from labels import fonts
from labels.pdfstream import StreamingPdf

ROW = "CXZ-6K1DDS5OR 乡镇年度保密工作要点 纸介质 2026-11-28 机密 10年 定密事项一览表第3项"


def _page(doc: StreamingPdf, n: int) -> None:
    doc.new_page(297, 210)
    for i in range(25):
        doc.text(10, 20 + i * 7, 2.5, fonts.REGULAR, f"{n}-{i} {ROW}")
        doc.line(10, 21 + i * 7, 287, 21 + i * 7, 0.15)


def test_each_page_is_written_to_the_file_before_the_document_ends() -> None:
    out = io.BytesIO()
    doc = StreamingPdf(out, title="测试")
    _page(doc, 0)
    _page(doc, 1)  # starting page 2 writes page 1
    first = out.tell()
    _page(doc, 2)
    assert 0 < first < out.tell()
    size = doc.finish()
    assert size == len(out.getvalue())
    pdf = pdfium.PdfDocument(out.getvalue())
    assert len(pdf) == 3
    width, height = pdf[0].get_size()
    assert round(width) == 842 and round(height) == 595  # A4 landscape in points
    image = pdf[2].render(scale=1).to_pil().convert("L")
    assert image.getextrema()[0] < 64  # glyphs and rules drawn in black


def test_memory_stays_flat_as_pages_are_added() -> None:
    class Sink(io.RawIOBase):
        """A file that keeps nothing, so only the writer's own memory is measured."""

        def write(self, b: bytes) -> int:  # type: ignore[override]
            return len(b)

    def peak(pages: int) -> int:
        doc = StreamingPdf(Sink())
        _page(doc, 0)  # glyph outlines and metrics loaded outside the measurement
        tracemalloc.start()
        try:
            for n in range(pages):
                _page(doc, n)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    small, large = peak(20), peak(200)
    # Ten times the pages, nowhere near ten times the memory (per page: a few integers).
    assert large < small * 2 + 200_000, (small, large)
