"""Label images for the decode tests: real labels and photographed-like variants."""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw, ImageFilter, ImageOps


def label_png(code: str, *, dpi: int = 300) -> Image.Image:
    """The label as labels/ renders it; python-barcode's own writer if labels/ cannot
    (it is a separate library and may be mid-change)."""
    try:
        import labels

        spec = labels.LabelSpec(
            code=code, marking="机密★10年", copy_no=2, copies_total=5, unit="某某局机要室"
        )
        return Image.open(io.BytesIO(labels.render(spec, "png", dpi=dpi))).convert("L")
    except Exception:
        return barcode_png(code)


def barcode_png(code: str) -> Image.Image:
    import barcode
    from barcode.writer import ImageWriter

    buf = io.BytesIO()
    barcode.get("code128", code, writer=ImageWriter()).write(buf, options={"dpi": 300})
    buf.seek(0)
    return Image.open(buf).convert("L")


def scaled(image: Image.Image, factor: float) -> Image.Image:
    w, h = image.size
    return image.resize(
        (max(1, round(w * factor)), max(1, round(h * factor))), Image.Resampling.BILINEAR
    )


def rotated(image: Image.Image, degrees: float) -> Image.Image:
    return image.rotate(degrees, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)


def blurred(image: Image.Image, radius: float) -> Image.Image:
    return image.filter(ImageFilter.GaussianBlur(radius))


def jpeg(image: Image.Image, quality: int) -> Image.Image:
    buf = io.BytesIO()
    image.convert("RGB").save(buf, "JPEG", quality=quality)
    buf.seek(0)
    return Image.open(buf)


def cluttered(
    image: Image.Image, *, seed: int, size: tuple[int, int] = (1600, 1200)
) -> Image.Image:
    """The label lying on a busy desk: shapes, lines, print, uneven light, sensor noise.
    The clutter stays clear of the label itself, as a desk does not cover it."""
    rng = random.Random(seed)
    desk = Image.new("RGB", size, (150, 130, 110))
    draw = ImageDraw.Draw(desk)
    for _ in range(60):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        colour = tuple(rng.randrange(256) for _ in range(3))
        if rng.random() < 0.5:
            draw.rectangle(
                (x, y, x + rng.randrange(20, 300), y + rng.randrange(20, 200)), fill=colour
            )
        else:
            draw.line(
                (x, y, rng.randrange(size[0]), rng.randrange(size[1])),
                fill=colour,
                width=rng.randrange(1, 6),
            )
    for _ in range(15):  # print that is not our barcode: stripes and text
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        draw.text((x, y), "CUSTOS 12345 — 保密", fill=(20, 20, 20))
    label = image.convert("RGB")
    label = ImageOps.expand(label, border=12, fill=(255, 255, 255))
    x = rng.randrange(0, max(1, size[0] - label.width))
    y = rng.randrange(0, max(1, size[1] - label.height))
    desk.paste(label, (x, y))
    # Uneven light: a gradient multiplied in, then a little noise.
    light = Image.linear_gradient("L").resize(size).point(lambda v: 150 + v * 105 // 255)
    desk = Image.composite(desk, Image.new("RGB", size, (0, 0, 0)), light)
    noise = Image.effect_noise(size, 12).convert("RGB")
    return Image.blend(desk, noise, 0.08)
