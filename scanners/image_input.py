"""Codes from images: a photo or scan of a label file, or frames from a camera.

zxing-cpp does the decoding (it already tries rotations and downscaling). A phone photo
of a label is often small, soft or noisy, so when the plain grayscale image yields no
code we try a few cheap variants — upscaled, sharpened, auto-contrasted — before saying
there is none. OpenCV is optional: only the camera needs it, and it is imported only
there so a desk without it can still decode files. The variants are tried only while none
has found a code, so a clean image costs one decode (~1 ms).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import zxingcpp
from PIL import Image, ImageFilter, ImageOps

from labels.codes import Code
from scanners.reader import Cleaner, ReadError

# Labels are Code 128 (DESIGN.md); a badge printed elsewhere may be a 2-D code.
FORMATS = zxingcpp.BarcodeFormats(
    [
        zxingcpp.BarcodeFormat.Code128,
        zxingcpp.BarcodeFormat.QRCode,
        zxingcpp.BarcodeFormat.DataMatrix,
    ]
)


_LOCAL = zxingcpp.Binarizer.LocalAverage
_FIXED = zxingcpp.Binarizer.FixedThreshold


def _variants(image: Image.Image) -> Iterator[tuple[Image.Image, zxingcpp.Binarizer]]:
    """Cheapest first; each is tried only if everything before it found nothing."""
    gray = image.convert("L")
    yield gray, _LOCAL
    w, h = gray.size
    # Bars about 2 pixels wide or less are lost to the binarizer; interpolating more
    # pixels in between brings them back (measured: 0.6× of a 300 dpi label decodes
    # only upscaled 3×).
    for factor in (2, 3):
        if max(w, h) * factor <= 4000:
            big = gray.resize((w * factor, h * factor), Image.Resampling.BICUBIC)
            yield big, _LOCAL
            yield big, _FIXED
    yield ImageOps.autocontrast(gray, cutoff=2), _LOCAL
    yield gray.filter(ImageFilter.UnsharpMask(radius=2, percent=200, threshold=0)), _LOCAL
    yield ImageOps.autocontrast(gray.filter(ImageFilter.MedianFilter(3)), cutoff=2), _LOCAL
    # zxing reads bars up to ~20° off its axes and tries the four right angles itself;
    # turning the photo by 30° and 60° covers every angle in between; 15°, 45° and 75°
    # are second chances for a busy, soft photo.
    for angle in (30, 60, 45, 15, 75):
        turned = gray.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
        yield turned, _LOCAL
        # The local binarizer loses thin tilted bars resampled on a busy background; a
        # fixed threshold keeps them (measured on the cluttered-desk test images).
        yield turned, _FIXED


def decode_texts(image: Image.Image) -> list[str]:
    """The raw texts of every barcode found in ``image``, first variant that finds any."""
    for variant, binarizer in _variants(image):
        found = zxingcpp.read_barcodes(
            variant, formats=FORMATS, try_rotate=True, binarizer=binarizer
        )
        texts = [r.text for r in found if r.valid and r.text]
        if texts:
            return list(dict.fromkeys(texts))  # one code twice in a frame counts once
    return []


def decode_image(source: Path | str | Image.Image) -> list[Code | ReadError]:
    """Every barcode in an image file (or a PIL image), each checked like a scanner read."""
    image = source if isinstance(source, Image.Image) else Image.open(source)
    cleaner = Cleaner()
    out: list[Code | ReadError] = []
    for text in decode_texts(image):
        try:
            out.append(cleaner.clean(text))
        except ReadError as exc:
            out.append(exc)
    return out


def camera_reads(
    index: int = 0, *, stop: threading.Event, every: float = 0.1
) -> Iterator[bytes]:  # pragma: no cover - needs a camera and OpenCV
    """Raw reads from a camera, for the same pipeline as a serial scanner."""
    try:
        import cv2
    except ImportError as exc:
        raise RuntimeError("The camera needs OpenCV (pip install opencv-python-headless).") from exc
    cam = cv2.VideoCapture(index)
    try:
        while not stop.is_set():
            ok, frame = cam.read()
            if ok:
                rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
                for text in decode_texts(Image.fromarray(rgb)):
                    yield text.encode()
            stop.wait(every)
    finally:
        cam.release()
