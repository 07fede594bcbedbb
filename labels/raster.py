"""Labels as printer-dot bitmaps (PNG, and the pixels ZPL sends).

Drawn in 1-bit mode: a thermal printer has no grey, so anti-aliased edges would only be
thresholded by someone else, and 1-bit drawing measured about 3× faster than RGB. Bars are
filled rectangles on whole dots, straight from the module pattern — never a scaled image.
"""

from __future__ import annotations

import functools
import struct
import zlib
from typing import Any

from PIL import Image, ImageDraw

from labels import fonts
from labels.layout import Bars, Label
from labels.matrix import Matrix


def image(label: Label) -> Image.Image:
    """The label as a mode ``"1"`` image, one pixel per printer dot."""
    dot = 25.4 / label.dpi
    img = Image.new("1", (round(label.width / dot), round(label.height / dot)), 1)
    _draw(img, label, 0)
    return img


def _draw(img: Image.Image, label: Label, offset: int) -> None:
    """Draw ``label`` on ``img``, ``offset`` pixels from its left edge."""
    dot = 25.4 / label.dpi
    draw = ImageDraw.Draw(img) if any(isinstance(i, Bars) for i in label.items) else None
    for item in label.items:
        if isinstance(item, Bars):
            if draw is None:  # never: made above whenever there are bars
                continue
            # The layout put x, y, module and height on whole dots; round() only removes
            # floating-point noise, it never moves a bar by a dot.
            x0, y0 = offset + round(item.x / dot), round(item.y / dot)
            module, height = round(item.module / dot), round(item.height / dot)
            for start, run in item.runs:
                left = x0 + start * module
                draw.rectangle((left, y0, left + run * module - 1, y0 + height - 1), fill=0)
        elif isinstance(item, Matrix):
            xy = (offset + round(item.x / dot), round(item.y / dot))
            img.paste(_matrix_image(item, dot), xy)
        else:
            x = offset + item.x / dot
            _text(img, x, item.baseline / dot, item.text, item.size / dot, item.weight)


def _text(
    img: Image.Image, x: float, baseline: float, line: str, size_px: float, weight: int
) -> None:
    """Draw ``line`` glyph by glyph from cached 1-bit masks, each at the pen position the
    layout measured (the font's advances). Rasterising the CJK variable font costs ~1 ms a
    line, more than the rest of a small label; a glyph is rasterised once per size here."""
    key = round(size_px * 4) / 4
    pen = x
    y = round(baseline)
    core = img.im
    for ch in line:
        mask, left, top, width, height, advance = _glyph(ch, key, weight)
        if mask is not None:
            x0, y0 = round(pen) + left, y + top
            # The core's paste: Image.paste's checks cost more than the copy itself.
            core.paste(0, (x0, y0, x0 + width, y0 + height), mask)
        pen += advance * size_px


_Glyph = tuple[Any, int, int, int, int, float]


@functools.lru_cache(maxsize=16384)
def _glyph(ch: str, size_px: float, weight: int) -> _Glyph:
    """``ch``'s mask (the Pillow core image) at ``size_px``, its offset from the pen on the
    baseline, its size in pixels, and its advance in em (the layout's, from labels.fonts)."""
    advance = fonts.advance(ch, weight)
    font = fonts.pil_font(size_px, weight)
    # int(): Pillow types the box as floats, but a FreeType font's box is whole pixels.
    left, top, right, bottom = (int(v) for v in font.getbbox(ch, anchor="ls"))
    if ch.isspace() or right <= left or bottom <= top:
        return None, 0, 0, 0, 0, advance
    mask = Image.new("1", (right - left, bottom - top), 0)
    draw = ImageDraw.Draw(mask)
    draw.fontmode = "1"  # no anti-aliasing: crisp text on a 1-bit thermal head
    draw.text((-left, -top), ch, font=font, fill=1, anchor="ls")
    mask.load()
    return mask.im, left, top, right - left, bottom - top, advance


def _matrix_image(item: Matrix, dot: float) -> Image.Image:
    """The symbol one module a pixel, enlarged to whole dots: one resize instead of a
    rectangle per dark run."""
    symbol = item.symbol
    module = round(item.module / dot)
    small = Image.frombytes("1", (symbol.columns, symbol.rows), symbol.bits)
    return small.resize((symbol.columns * module, symbol.rows * module), Image.Resampling.NEAREST)


def png(label: Label) -> bytes:
    """The label as a 1-bit grayscale PNG with its dpi in the file (a pHYs chunk, so a print
    dialogue prints it at its true size)."""
    dot = 25.4 / label.dpi
    # Each PNG row starts with its filter type, 0: eight black pixels of a mode "1" image.
    # Drawn right of such a column, the image's bytes are the PNG's rows as they stand.
    width, height = round(label.width / dot), round(label.height / dot)
    framed = Image.new("1", (width + 8, height), 1)
    framed.paste(0, (0, 0, 8, height))
    _draw(framed, label, 8)
    return _png(framed.tobytes(), width, height, label.dpi)


def png_bytes(img: Image.Image, dpi: int) -> bytes:
    """A mode ``"1"`` image as PNG, written here rather than by Pillow: for a small label
    Pillow's PNG plugin and zlib's default 256 KiB state cost more than drawing the label,
    so the deflate window is sized to the image (PNG allows any window up to 32 KiB)."""
    width, height = img.size
    framed = Image.new("1", (width + 8, height), 0)
    framed.paste(img, (8, 0))
    return _png(framed.tobytes(), width, height, dpi)


def _png(rows: bytes, width: int, height: int, dpi: int) -> bytes:
    """PNG bytes of 1-bit ``rows``, each already led by its filter byte."""
    wbits = max(9, min(15, (len(rows) - 1).bit_length()))
    # Level 1: a 1-bit label is long runs; level 6 made it ~10 % smaller at twice the time.
    packer = zlib.compressobj(1, zlib.DEFLATED, wbits, max(1, min(8, wbits - 7)))
    data = packer.compress(rows) + packer.flush()
    ppm = round(dpi / 0.0254)
    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)),
            _chunk(b"pHYs", struct.pack(">IIB", ppm, ppm, 1)),
            _chunk(b"IDAT", data),
            _chunk(b"IEND", b""),
        )
    )


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
