"""Labels as printer-dot bitmaps (PNG, and the pixels ZPL sends).

Drawn in 1-bit mode: a thermal printer has no grey, so anti-aliased edges would only be
thresholded by someone else, and 1-bit drawing measured about 3× faster than RGB. Bars are
filled rectangles on whole dots, straight from the module pattern — never a scaled image.
"""

from __future__ import annotations

import functools
import io

from PIL import Image, ImageDraw

from labels import fonts
from labels.layout import Bars, Label
from labels.matrix import Matrix


def image(label: Label) -> Image.Image:
    """The label as a mode ``"1"`` image, one pixel per printer dot."""
    dot = 25.4 / label.dpi
    size = (round(label.width / dot), round(label.height / dot))
    img = Image.new("1", size, 1)
    draw = ImageDraw.Draw(img)
    for item in label.items:
        if isinstance(item, Bars):
            # The layout put x, y, module and height on whole dots; round() only removes
            # floating-point noise, it never moves a bar by a dot.
            x0, y0 = round(item.x / dot), round(item.y / dot)
            module, height = round(item.module / dot), round(item.height / dot)
            for start, run in item.runs:
                left = x0 + start * module
                draw.rectangle((left, y0, left + run * module - 1, y0 + height - 1), fill=0)
        elif isinstance(item, Matrix):
            img.paste(_matrix_image(item, dot), (round(item.x / dot), round(item.y / dot)))
        else:
            _text(img, item.x / dot, item.baseline / dot, item.text, item.size / dot, item.weight)
    return img


def _text(
    img: Image.Image, x: float, baseline: float, line: str, size_px: float, weight: int
) -> None:
    """Draw ``line`` glyph by glyph from cached 1-bit masks, each at the pen position the
    layout measured (the font's advances). Rasterising the CJK variable font costs ~1 ms a
    line, more than the rest of a small label; a glyph is rasterised once per size here."""
    key = round(size_px * 4) / 4
    pen = x
    y = round(baseline)
    for ch in line:
        if not ch.isspace():
            mask, left, top = _glyph(ch, key, weight)
            if mask is not None:
                img.paste(0, (round(pen) + left, y + top), mask)
        pen += fonts.advance(ch, weight) * size_px


@functools.lru_cache(maxsize=16384)
def _glyph(ch: str, size_px: float, weight: int) -> tuple[Image.Image | None, int, int]:
    """``ch``'s mask at ``size_px`` and its offset from the pen on the baseline."""
    font = fonts.pil_font(size_px, weight)
    left, top, right, bottom = font.getbbox(ch, anchor="ls")
    if right <= left or bottom <= top:
        return None, 0, 0
    mask = Image.new("1", (right - left, bottom - top), 0)
    draw = ImageDraw.Draw(mask)
    draw.fontmode = "1"  # no anti-aliasing: crisp text on a 1-bit thermal head
    draw.text((-left, -top), ch, font=font, fill=1, anchor="ls")
    return mask, left, top


def _matrix_image(item: Matrix, dot: float) -> Image.Image:
    """The symbol one module a pixel, enlarged to whole dots: one resize instead of a
    rectangle per dark run."""
    symbol = item.symbol
    module = round(item.module / dot)
    small = Image.frombytes("L", (symbol.columns, symbol.rows), symbol.pixels)
    size = (symbol.columns * module, symbol.rows * module)
    return small.resize(size, Image.Resampling.NEAREST).convert("1", dither=Image.Dither.NONE)


def png(label: Label) -> bytes:
    out = io.BytesIO()
    # The dpi in the file lets a print dialogue print it at its true size.
    image(label).save(out, format="PNG", dpi=(label.dpi, label.dpi), optimize=False)
    return out.getvalue()
