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
from dataclasses import dataclass

import zxingcpp

QUIET_MODULES = 1


class MatrixError(ValueError):
    """Text that cannot be (or was not) encoded faithfully as a DataMatrix."""


@dataclass(frozen=True, slots=True)
class MatrixSymbol:
    """One DataMatrix symbol without its quiet zone: ``pixels`` is one byte a module, row
    by row (0 dark, 255 light), ``runs`` the dark runs (first module, length) of each row."""

    text: str
    columns: int
    rows: int
    pixels: bytes
    runs: tuple[tuple[tuple[int, int], ...], ...]


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
    pixels = bytes(memoryview(image))
    runs = tuple(_runs(pixels[r * columns : (r + 1) * columns]) for r in range(rows))
    return MatrixSymbol(text=text, columns=columns, rows=rows, pixels=pixels, runs=runs)


def _runs(row: bytes) -> tuple[tuple[int, int], ...]:
    out = []
    start = None
    for i, value in enumerate(row):
        if value < 128 and start is None:
            start = i
        elif value >= 128 and start is not None:
            out.append((start, i - start))
            start = None
    if start is not None:
        out.append((start, len(row) - start))
    return tuple(out)


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
