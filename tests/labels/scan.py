"""Reading labels back with zxing-cpp, a decoder nobody here wrote."""

from __future__ import annotations

import zxingcpp
from PIL import Image


def decode(image: Image.Image) -> list[str]:
    """Every Code 128 symbol zxing-cpp finds in ``image``, as text."""
    if image.mode not in ("L", "RGB"):
        image = image.convert("L")
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.Code128)
    return [barcode.text for barcode in found]
