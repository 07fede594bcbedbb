"""labels/vector.py and labels/sheet.py: PDF and SVG with vector bars and outlined text;
A4 sheets whose every label scans, start offsets and crop marks."""

from __future__ import annotations

import random
import re
import xml.etree.ElementTree as ET

import pypdfium2
import pytest
from PIL import Image, ImageDraw

import labels
from labels import LabelError, LabelSpec
from labels.codes import check_character
from labels.layout import compose
from labels.sheet import A4, LAYOUTS
from tests.labels.scan import decode

SPEC = LabelSpec(
    code="CXZ-00000001M", marking="机密★10年", copy_no=2, copies_total=5, unit="机要室"
)
BADGE = LabelSpec(code="P-ADMIN1U", kind="badge", person="张三", unit="保密局")


def random_codes(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    heads = ["CXZ-" + "".join(rng.choice(alphabet) for _ in range(8)) for _ in range(n)]
    return [h + check_character(h) for h in heads]


def pages(pdf: bytes, dpi: int) -> list[Image.Image]:
    doc = pypdfium2.PdfDocument(pdf)
    # No anti-aliasing: the page as a printer would lay the toner, bars on device pixels.
    return [
        page.render(scale=dpi / 72, no_smoothpath=True, no_smoothtext=True).to_pil().convert("L")
        for page in doc
    ]


@pytest.mark.parametrize("dpi", [203, 300, 600])
@pytest.mark.parametrize(("spec", "size"), [(SPEC, "50x30"), (SPEC, "60x40"), (BADGE, None)])
def test_a_single_label_pdf_is_one_label_sized_page_that_scans(
    spec: LabelSpec, size: str | None, dpi: int
) -> None:
    pdf = labels.render(spec, "pdf", dpi=dpi, size=size)
    doc = pypdfium2.PdfDocument(pdf)
    assert len(doc) == 1
    w, h = labels.SIZES[size or "85.6x54"]
    assert doc[0].get_size() == pytest.approx((w * 72 / 25.4, h * 72 / 25.4), abs=0.01)
    assert decode(pages(pdf, dpi)[0]) == [spec.code]


def test_a_pdf_holds_no_images_and_only_invisible_font_text() -> None:
    pdf = labels.render(SPEC, "pdf")
    # No font is embedded: the text layer names a standard CID font (labels.textlayer).
    assert b"/Subtype /Image" not in pdf and b"/FontFile" not in pdf
    doc = pypdfium2.PdfDocument(pdf)
    objects = list(doc[0].get_objects(max_depth=3))
    assert pypdfium2.raw.FPDF_PAGEOBJ_IMAGE not in {obj.type for obj in objects}
    texts = [obj for obj in objects if obj.type == pypdfium2.raw.FPDF_PAGEOBJ_TEXT]
    assert texts  # the text layer
    invisible = pypdfium2.raw.FPDF_TEXTRENDERMODE_INVISIBLE
    assert all(pypdfium2.raw.FPDFTextObj_GetTextRenderMode(t.raw) == invisible for t in texts)


def _svg_bars_image(svg: bytes, dpi: int) -> Image.Image:
    """Paint the SVG's bar rectangles, exactly as written, on a dpi grid."""
    root = ET.fromstring(svg)  # noqa: S314 - our own output, not untrusted input
    ns = {"s": "http://www.w3.org/2000/svg"}
    path = root.find(".//s:path[@class='bars']", ns)
    assert path is not None
    width_mm = float(root.get("width", "").removesuffix("mm"))
    height_mm = float(root.get("height", "").removesuffix("mm"))
    px = dpi / 25.4
    image = Image.new("L", (round(width_mm * px), round(height_mm * px)), 255)
    draw = ImageDraw.Draw(image)
    for x, y, w, h in re.findall(r"M([\d.]+) ([\d.]+)h([\d.]+)v([\d.]+)h-[\d.]+z", path.get("d")):
        x0, y0 = float(x) * px, float(y) * px
        draw.rectangle(
            (round(x0), round(y0), round(x0 + float(w) * px) - 1, round(y0 + float(h) * px) - 1),
            fill=0,
        )
    return image


@pytest.mark.parametrize("dpi", [203, 300, 600])
def test_svg_bars_are_the_png_bars_and_scan(dpi: int) -> None:
    svg = labels.render(SPEC, "svg", dpi=dpi)
    painted = _svg_bars_image(svg, dpi)
    assert decode(painted) == [SPEC.code]
    from labels import raster

    png = raster.image(compose(SPEC, 50, 30, dpi)).convert("L")
    bars = compose(SPEC, 50, 30, dpi).bars
    row = round((bars.y + bars.height / 2) / 25.4 * dpi)
    assert [painted.getpixel((x, row)) for x in range(painted.width)] == [
        png.getpixel((x, row)) for x in range(png.width)
    ]


def test_svg_text_is_outlined_once_per_glyph_and_labelled() -> None:
    svg = labels.render(SPEC, "svg")
    root = ET.fromstring(svg)  # noqa: S314 - our own output, not untrusted input
    assert b"<text" not in svg  # no dependence on the viewer's fonts
    ns = "{http://www.w3.org/2000/svg}"
    defs = root.find(f"{ns}defs")
    assert defs is not None
    ids = [p.get("id") for p in defs]
    assert len(ids) == len(set(ids))
    assert "机密★10年" in svg.decode()  # as an aria-label, for search and screen readers
    assert root.findtext(f"{ns}title") == SPEC.code


def test_a_sheet_places_every_label_in_its_cell_from_the_start_offset() -> None:
    codes = random_codes(30, seed=3)
    specs = [LabelSpec(code=c, marking="秘密★5年", unit="机要室") for c in codes]
    pdf = labels.sheet(specs, "a4-3x8", start=5)
    images = pages(pdf, 300)
    assert len(images) == 2  # 19 on the first page after 5 used cells, 11 on the second
    grid = LAYOUTS["a4-3x8"]
    px = 300 / 25.4
    found: list[str] = []
    for page_no, image in enumerate(images):
        assert image.size == pytest.approx((A4[0] * px, A4[1] * px), abs=1)
        for index in range(grid.per_page):
            left, top = grid.origin(index)
            box = (
                round(left * px),
                round(top * px),
                round((left + grid.cell[0]) * px),
                round((top + grid.cell[1]) * px),
            )
            cell = image.crop(box)
            texts = decode(cell)
            if page_no == 0 and index < 5:
                assert cell.getextrema() == (255, 255)  # the used cells stay untouched
            found.extend(texts)
    assert found == codes


@pytest.mark.parametrize("layout", ["a4-2x7", "a4-2x5"])
def test_other_layouts_scan_in_every_cell(layout: str) -> None:
    grid = LAYOUTS[layout]
    codes = random_codes(grid.per_page, seed=7)
    specs = [LabelSpec(code=c, marking="机密★10年", copy_no=1, unit="某某局") for c in codes]
    image = pages(labels.sheet(specs, layout, crop_marks=True), 300)[0]
    px = 300 / 25.4
    found = []
    for index in range(grid.per_page):
        left, top = grid.origin(index)
        found += decode(
            image.crop(
                (
                    round(left * px),
                    round(top * px),
                    round((left + grid.cell[0]) * px),
                    round((top + grid.cell[1]) * px),
                )
            )
        )
    assert found == codes


def test_crop_marks_sit_in_the_margin_in_line_with_the_cuts() -> None:
    grid = LAYOUTS["a4-2x5"]
    spec = [BADGE]
    px = 300 / 25.4
    with_marks = pages(labels.sheet(spec, "a4-2x5", crop_marks=True), 300)[0]
    without = pages(labels.sheet(spec, "a4-2x5"), 300)[0]
    x = grid.left  # the left cut of the first column, marked in the top margin
    column = [with_marks.getpixel((round(x * px), y)) for y in range(round(grid.top * px) - 5)]
    assert min(column) < 128
    column = [without.getpixel((round(x * px), y)) for y in range(round(grid.top * px) - 5)]
    assert min(column) == 255
    # Nothing of a mark reaches into a cell: the empty second cell stays white.
    left, top = grid.origin(1)
    empty = with_marks.crop(
        (
            round(left * px) + 1,
            round(top * px) + 1,
            round((left + grid.cell[0]) * px) - 1,
            round((top + grid.cell[1]) * px) - 1,
        )
    )
    assert empty.getextrema() == (255, 255)


def test_a_thousand_labels_make_a_42_page_sheet() -> None:
    specs = [LabelSpec(code=c, marking="秘密★5年") for c in random_codes(1000, seed=1)]
    pdf = labels.sheet(specs, "a4-3x8")
    assert len(pypdfium2.PdfDocument(pdf)) == 42
    assert len(pdf) < 1_000_000  # glyphs defined once, bars as plain rectangles


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"layout": "letter-3x10"}, "layout"),
        ({"start": 24}, "start"),
        ({"start": -1}, "start"),
        ({"crop_marks": True}, "crop marks"),
        ({"dpi": 72}, "dpi"),
    ],
)
def test_bad_sheet_requests_are_refused(kwargs: dict, words: str) -> None:
    with pytest.raises(LabelError, match=words):
        labels.sheet([SPEC], **kwargs)


def test_an_empty_sheet_is_refused() -> None:
    with pytest.raises(LabelError):
        labels.sheet([])
