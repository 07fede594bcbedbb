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

from itertools import repeat

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

# STSong-Light's advance widths of the printable ASCII characters (CIDs 1 to 95), in
# 1/1000 em, as Adobe publishes them and reportlab's cidfonts carries them; every other
# character is 1 em wide. Written out so a register needs no CID font machinery.
_ASCII_WIDTHS = (
    "207 270 342 467 462 797 710 239 374 374 423 605 238 375 238 334 462 462 462 462 462 "
    "462 462 462 462 462 238 238 605 605 605 344 748 684 560 695 739 563 511 729 793 318 "
    "312 666 526 896 758 772 544 772 628 465 607 753 711 972 647 620 607 374 333 374 606 "
    "500 239 417 503 427 529 415 264 444 518 241 230 495 228 793 527 524 524 504 338 336 "
    "277 517 450 652 466 452 407 370 258 370 605"
)
_WIDTHS = {chr(c): int(w) for c, w in zip(_ASCII, _ASCII_WIDTHS.split(), strict=True)}


def _bmp(text: str) -> str:
    return "".join(ch for ch in text if ord(ch) <= 0xFFFF)


def encode(text: str) -> str:
    """``text`` as the hex string the CMap reads: UCS-2, big-endian."""
    data = text.encode("utf-16-be", "surrogatepass")
    if len(data) != 2 * len(text):  # a character beyond UCS-2 (a surrogate pair)
        data = _bmp(text).encode("utf-16-be", "surrogatepass")
    return data.hex().upper()


def font_width(text: str) -> float:
    """The width of ``text`` in STSong-Light, in em."""
    if not text.isascii():
        text = _bmp(text)
    return sum(map(_WIDTHS.get, text, repeat(1000, len(text)))) / 1000


class PageLayer:
    """One page's text layer: runs gathered as the page is drawn, written at its end as a
    single text object (one ``3 Tr``, a font change only where the size changes), which
    keeps the layer small and apart from the outlines (no XObject may sit inside BT/ET)."""

    def __init__(self, font: str) -> None:
        self._font = font  # the writer's resource name for the layer's font
        self._ops: list[str] = []
        self._size: float | None = None

    def add(self, text: str, x: float, y: float, size: float, width: float) -> None:
        """``text`` with its baseline starting at (``x``, ``y``) pt, ``size`` pt, stretched
        to the ``width`` pt its outlines take."""
        em, codes = font_width(text), encode(text)
        if not codes or em <= 0 or width <= 0 or not text.strip():
            return
        if size != self._size:
            self._ops.append(f"/{self._font} {num(size)} Tf")
            self._size = size
        self._ops.append(
            f"{num(100 * width / (em * size))} Tz 1 0 0 1 {num(x)} {num(y)} Tm <{codes}> Tj"
        )

    def take(self) -> str:
        """The page's layer as content-stream operators ("" if it has no text); resets."""
        if not self._ops:
            return ""
        ops, self._ops, self._size = self._ops, [], None
        # q/Q keeps the render mode from reaching anything drawn after the layer.
        return "q BT 3 Tr\n" + "\n".join(ops) + "\nET Q"


def font_dictionary(descriptor: int) -> str:
    """The Type 0 font object for a writer that builds its own PDF objects, with
    ``descriptor`` the object number of :func:`font_descriptor`."""
    return (
        f"<< /Type /Font /Subtype /Type0 /BaseFont /{FONT} /Encoding /{ENCODING} "
        f"/DescendantFonts [<< /Type /Font /Subtype /CIDFontType0 /BaseFont /{FONT} "
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> "
        f"/FontDescriptor {descriptor} 0 R /DW 1000 /W [1 [{_ASCII_WIDTHS}]] >>] >>"
    )


def font_descriptor() -> str:
    return _DESCRIPTOR
