"""The invisible text over the glyph outlines, so every PDF Custos writes can be searched.

Text is drawn as outlines (labels.pdfops) because reportlab cannot embed the CFF2 label
font, and outlines carry no characters: a PDF reader finds nothing to search, copy or read
aloud. Over each run of outlines goes the same text once more as PDF text in render mode 3
(``3 Tr``: neither filled nor stroked, so it never shows on screen or paper), set in
Adobe's standard CJK font STSong-Light through the predefined CMap ``UniGB-UCS2-H``. That
font is one every PDF reader must know by name, so nothing is embedded: the layer costs a
few bytes per character and no memory that grows with the document. The CMap maps UCS-2
codes to Adobe-GB1 characters, which readers turn back into Unicode; a character beyond
the Basic Multilingual Plane has no UCS-2 code and is left out of the layer.

Each run is stretched (``Tz``) to the width its outlines take, so a reader's selection and
search highlight cover the printed text, and runs follow the order they are drawn in, which
is reading order in every writer.
"""

from __future__ import annotations

from functools import cache

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont

from labels.pdfops import num

FONT = "STSong-Light"
ENCODING = "UniGB-UCS2-H"
# Adobe-GB1 gives the printable ASCII characters CIDs 1 to 95 in order.
_ASCII = range(0x20, 0x7F)
# STSong-Light's metrics as the Adobe font (and reportlab) publishes them.
_DESCRIPTOR = (
    "<< /Type /FontDescriptor /FontName /STSongStd-Light /Flags 6 "
    "/FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 752 /Descent -271 "
    "/CapHeight 737 /XHeight 553 /StemV 58 /StemH 91 /MissingWidth 500 >>"
)


@cache
def _widths() -> dict[str, int]:
    """Advance widths in 1/1000 em of the characters that are not 1 em wide."""
    return dict(UnicodeCIDFont(FONT).unicodeWidths)


@cache
def reportlab_font() -> str:
    """Register the layer's font with reportlab (once per process); returns its name."""
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def encode(text: str) -> str:
    """``text`` as the hex string the CMap reads: UCS-2, big-endian."""
    return "".join(f"{ord(ch):04X}" for ch in text if ord(ch) <= 0xFFFF)


def font_width(text: str) -> float:
    """The width of ``text`` in STSong-Light, in em."""
    widths = _widths()
    return sum(widths.get(ch, 1000) for ch in text if ord(ch) <= 0xFFFF) / 1000


def run(font: str, text: str, x: float, y: float, size: float, width: float) -> str:
    """Content-stream operators for ``text`` as invisible text: font resource ``font``,
    baseline start at (``x``, ``y``) pt, ``size`` pt, stretched to ``width`` pt."""
    natural = font_width(text) * size
    if not text.strip() or natural <= 0 or width <= 0:
        return ""
    # q/Q keeps the render mode from reaching anything drawn after the run.
    return (
        f"q BT 3 Tr /{font} {num(size)} Tf {num(100 * width / natural)} Tz "
        f"1 0 0 1 {num(x)} {num(y)} Tm <{encode(text)}> Tj ET Q"
    )


def font_dictionary(descriptor: int) -> str:
    """The Type 0 font object for a writer that builds its own PDF objects, with
    ``descriptor`` the object number of :func:`font_descriptor`."""
    ascii_widths = " ".join(str(_widths().get(chr(c), 1000)) for c in _ASCII)
    return (
        f"<< /Type /Font /Subtype /Type0 /BaseFont /{FONT} /Encoding /{ENCODING} "
        f"/DescendantFonts [<< /Type /Font /Subtype /CIDFontType0 /BaseFont /{FONT} "
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> "
        f"/FontDescriptor {descriptor} 0 R /DW 1000 /W [1 [{ascii_widths}]] >>] >>"
    )


def font_descriptor() -> str:
    return _DESCRIPTOR
