"""The one typeface labels are set in: Noto Sans CJK SC, from the ``manimgx-fonts-cjk`` wheel.

Why this font and this package: labels carry Chinese (the marking ``机密★10年``, the copy
number, unit, person and place names) and must not show empty boxes on a fresh machine.
Noto Sans CJK covers GB 18030's common repertoire, Latin digits and ``★`` in one face, is
under the SIL Open Font License 1.1, and this PyPI wheel ships it unmodified
(``NotoSansCJK-VF.otf.ttc``), so ``pip install`` is the whole installation — no system
package, no download at run time.

The file is a collection of variable CFF2 fonts; face 2 is Simplified Chinese. Its default
instance is the thinnest weight, so every user picks an explicit weight here.

Two consumers read it: Pillow/FreeType rasterises text for PNG and ZPL, and fontTools
gives the glyph outlines that PDF and SVG draw as vector paths (reportlab cannot embed
CFF-flavoured fonts, and an SVG ``<text>`` would fall back to whatever font the viewer
has, i.e. boxes on a machine without CJK fonts). Both are driven by the same advance
widths, so text measured once lays out identically in every format.

fontTools' side (coverage, metrics, widths, outlines) goes through ``glyphstore``: read
from the font once on this machine, then from a small cache file, so most processes never
parse the 33 MB font (~95 MB of memory). FreeType maps the file and costs little.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import manimgx_fonts_cjk
from fontTools.pens.basePen import BasePen
from fontTools.pens.recordingPen import RecordingPen
from fontTools.ttLib import TTFont
from PIL import ImageFont

from labels import glyphstore
from labels.glyphstore import Outline

FONT_FILE = Path(manimgx_fonts_cjk.__file__).with_name("NotoSansCJK-VF.otf.ttc")
FACE_INDEX = 2  # Noto Sans CJK SC: Simplified Chinese glyph forms (机, 密, 绝…)
FONT_NAME = "Noto Sans CJK SC"

REGULAR = 400
BOLD = 700

#: Replaces a character the font cannot draw: a visible question mark beats a tofu box,
#: and the registrar sees at once that the text needs another spelling.
REPLACEMENT = "?"

_lock = threading.Lock()
_local = threading.local()


@dataclass(frozen=True, slots=True)
class Metrics:
    """Vertical metrics in em units (1.0 = font size)."""

    ascender: float
    descender: float  # negative
    cap_height: float


@cache
def _font() -> TTFont:
    return TTFont(str(FONT_FILE), fontNumber=FACE_INDEX, lazy=True)


@cache
def _cmap() -> dict[int, str]:
    with _lock:
        return _font().getBestCmap()


@cache
def _store() -> glyphstore.GlyphStore | None:
    return glyphstore.open_store(FONT_FILE, FACE_INDEX)


@cache
def _covered() -> frozenset[int]:
    """The code points the face draws."""
    store = _store()
    covered = store.coverage() if store else None
    if covered is None:
        covered = frozenset(_cmap())
        if store:
            store.put_coverage(covered)
    return covered


@cache
def metrics() -> Metrics:
    store = _store()
    known = store.metrics() if store else None
    if known is None:
        with _lock:
            font = _font()
            upm = font["head"].unitsPerEm
            os2 = font["OS/2"]
            known = (os2.sTypoAscender / upm, os2.sTypoDescender / upm, os2.sCapHeight / upm)
        if store:
            store.put_metrics(*known)
    return Metrics(ascender=known[0], descender=known[1], cap_height=known[2])


def printable(text: str) -> str:
    """``text`` with control characters dropped and glyphs the font lacks replaced."""
    covered = _covered()
    out = []
    for ch in text:
        if ch in "\t\n\r":
            out.append(" ")
        elif ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0:
            continue
        else:
            out.append(ch if ord(ch) in covered else REPLACEMENT)
    return "".join(out)


def has_glyph(ch: str) -> bool:
    return ord(ch) in _covered()


@cache
def _glyph(ch: str, weight: int) -> tuple[float, Outline]:
    """Advance width and outline of ``ch`` (the replacement's where the face lacks it),
    in em units, y up."""
    codepoint = ord(ch) if ord(ch) in _covered() else ord(REPLACEMENT)
    store = _store()
    known = store.glyph(codepoint, weight) if store else None
    if known is not None:
        return known
    name = _cmap()[codepoint]  # takes the lock itself
    pen = RecordingPen()
    with _lock:
        glyph = _glyph_set(weight)[name]
        glyph.draw(pen)
        upm = float(_font()["head"].unitsPerEm)
        advance = glyph.width / upm
    drawn: Outline = tuple(
        (op, tuple((x / upm, y / upm) for x, y in points)) for op, points in pen.value
    )
    if store:
        store.put_glyph(codepoint, weight, advance, drawn)
    return advance, drawn


def advance(text: str, weight: int = REGULAR) -> float:
    """Width of ``text`` in em units (multiply by the font size in any unit)."""
    return sum(_glyph(ch, weight)[0] for ch in text)


@cache
def _glyph_set(weight: int) -> Any:  # fontTools' _TTGlyphSet; fontTools is untyped
    return _font().getGlyphSet(location={"wght": weight})


def outline(ch: str, weight: int) -> Outline:
    """The glyph for ``ch`` as pen operations in em units, y up (``moveTo``, ``curveTo``…)."""
    return _glyph(ch, weight)[1]


def pil_font(size_px: float, weight: int) -> ImageFont.FreeTypeFont:
    """A Pillow font at ``size_px`` pixels per em; one per thread, since a FreeType face
    must not be used by two threads at once."""
    cache_: dict[tuple[float, int], ImageFont.FreeTypeFont] = _local.__dict__.setdefault(
        "fonts", {}
    )
    key = (round(size_px * 4) / 4, weight)
    font = cache_.get(key)
    if font is None:
        font = ImageFont.truetype(str(FONT_FILE), size=key[0], index=FACE_INDEX)
        font.set_variation_by_axes([weight])
        cache_[key] = font
    return font


class _Segments(BasePen):
    """Flattens any pen calls into M/L/C/Z segments (quadratic curves become cubic)."""

    def __init__(self) -> None:
        super().__init__(None)
        self.segments: list[tuple[str, tuple[float, ...]]] = []

    def _moveTo(self, pt: tuple[float, float]) -> None:
        self.segments.append(("M", pt))

    def _lineTo(self, pt: tuple[float, float]) -> None:
        self.segments.append(("L", pt))

    def _curveToOne(
        self, pt1: tuple[float, float], pt2: tuple[float, float], pt3: tuple[float, float]
    ) -> None:
        self.segments.append(("C", (*pt1, *pt2, *pt3)))

    def _closePath(self) -> None:
        self.segments.append(("Z", ()))

    def _endPath(self) -> None:
        self.segments.append(("Z", ()))


@cache
def segments(ch: str, weight: int) -> tuple[tuple[str, tuple[float, ...]], ...]:
    """The glyph for ``ch`` as ``M``/``L``/``C``/``Z`` segments in font units (1000 per em),
    y up — what the PDF and SVG writers turn into paths."""
    pen = _Segments()
    for op, points in outline(ch, weight):
        getattr(pen, op)(*[(x * 1000, y * 1000) for x, y in points])
    return tuple(pen.segments)
