"""DataMatrix (ECC 200) symbols, written by zxing-cpp, as module rows ready to draw.

A 16×16 DataMatrix holds a 13-character carrier code in 9 mm, where Code 128 needs 50 mm
or more; it is what small carriers (USB drives, disks, discs, key-ring tags) can wear.
zxing-cpp, already the project's decoder, writes the symbol; here it becomes a module
grid that every output draws on whole printer dots, like the Code 128 bars.

Symbols are square: zxing-cpp would otherwise pick an 8×32 rectangle for a carrier code,
which is too long for a 20×10 label with its text beside it. ISO/IEC 16022 asks for a
quiet zone of one module; :data:`QUIET_MODULES` keeps that inside the label, whose white
die-cut edge adds more.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass

import zxingcpp
from PIL import Image

from labels.spec import LabelError

QUIET_MODULES = 1
_DARK = re.compile(rb"[\x00-\x7f]+")


class MatrixError(LabelError):
    """Text that cannot be (or was not) encoded faithfully as a DataMatrix."""


@dataclass(frozen=True, slots=True)
class MatrixSymbol:
    """One DataMatrix symbol without its quiet zone: ``pixels`` is one byte a module, row
    by row (0 dark, 255 light)."""

    text: str
    columns: int
    rows: int
    pixels: bytes
    bits: bytes  # the same, packed as a mode "1" image: 8 modules a byte, 1 light

    def runs(self) -> Iterator[tuple[int, int, int]]:
        """The dark runs as (row, first module, length), for the vector outputs; the raster
        output enlarges ``bits`` instead. One regex pass over all rows, with a light byte
        between rows so that no run crosses one: a sheet draws a thousand symbols."""
        w = self.columns
        rows = b"\xff".join(self.pixels[i : i + w] for i in range(0, len(self.pixels), w))
        stride = w + 1
        for match in _DARK.finditer(rows):
            row, start = divmod(match.start(), stride)
            yield row, start, match.end() - match.start()


@functools.lru_cache(maxsize=4096)
def encode(text: str) -> MatrixSymbol:
    """``text`` as a square DataMatrix, refused if zxing-cpp says it encoded anything else.

    The symbol is not decoded back here, unlike Code 128 (whose encoder is known to drop
    data): the tests decode every size through the whole pipeline, and a decode per label
    would halve the render rate.
    """
    if not text or not text.isascii() or not text.isprintable():
        raise MatrixError(f"Cannot encode {text!r} as a DataMatrix: printable ASCII only.")
    try:
        symbol = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.DataMatrix, force_square=True)
    except (ValueError, RuntimeError) as exc:
        raise MatrixError(f"Cannot encode {text!r} as a DataMatrix: {exc}") from None
    if symbol.text != text:
        raise MatrixError(f"The DataMatrix for {text!r} says {symbol.text!r}.")
    image = symbol.to_image(scale=1, add_quiet_zones=False)
    rows, columns = image.shape[0], image.shape[1]
    # zxingcpp's Image has the buffer protocol, which its stubs do not declare.
    pixels = bytes(memoryview(image))  # type: ignore[arg-type]  # see the line above
    bits = Image.frombytes("L", (columns, rows), pixels).convert("1", dither=Image.Dither.NONE)
    return MatrixSymbol(text=text, columns=columns, rows=rows, pixels=pixels, bits=bits.tobytes())


@dataclass(frozen=True, slots=True)
class Matrix:
    """A DataMatrix placed on a label: top-left corner of its first module (the quiet zone
    lies outside) at (``x``, ``y``) mm, ``module`` mm a module, a whole number of dots."""

    x: float
    y: float
    module: float
    symbol: MatrixSymbol

    @property
    def text(self) -> str:
        return self.symbol.text

    @property
    def quiet(self) -> float:
        """The quiet zone's width in mm: it starts at ``x - quiet``, ``y - quiet``."""
        return QUIET_MODULES * self.module

    @property
    def side(self) -> float:
        """The symbol's width with its quiet zones, in mm."""
        return (self.symbol.columns + 2 * QUIET_MODULES) * self.module
