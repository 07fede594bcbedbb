"""Labels as printer-dot bitmaps (PNG, and the pixels ZPL sends).

Drawn in 1-bit mode: a thermal printer has no grey, so anti-aliased edges would only be
thresholded by someone else, and 1-bit drawing measured about 3× faster than RGB. Bars are
filled rectangles on whole dots, straight from the module pattern — never a scaled image.
"""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

from labels import fonts
from labels.layout import Bars, Label


def image(label: Label) -> Image.Image:
    """The label as a mode ``"1"`` image, one pixel per printer dot."""
    dot = 25.4 / label.dpi
    size = (round(label.width / dot), round(label.height / dot))
    img = Image.new("1", size, 1)
    draw = ImageDraw.Draw(img)
    draw.fontmode = "1"  # no anti-aliasing: crisp text on a 1-bit thermal head
    for item in label.items:
        if isinstance(item, Bars):
            # The layout put x, y, module and height on whole dots; round() only removes
            # floating-point noise, it never moves a bar by a dot.
            x0, y0 = round(item.x / dot), round(item.y / dot)
            module, height = round(item.module / dot), round(item.height / dot)
            for start, run in item.runs:
                left = x0 + start * module
                draw.rectangle((left, y0, left + run * module - 1, y0 + height - 1), fill=0)
        else:
            font = fonts.pil_font(item.size / dot, item.weight)
            draw.text(
                (item.x / dot, item.baseline / dot), item.text, font=font, fill=0, anchor="ls"
            )
    return img


def png(label: Label) -> bytes:
    out = io.BytesIO()
    # The dpi in the file lets a print dialogue print it at its true size.
    image(label).save(out, format="PNG", dpi=(label.dpi, label.dpi), optimize=False)
    return out.getvalue()
