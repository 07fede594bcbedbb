"""Custos labels: Code 128 and DataMatrix labels for carriers, badges and location plates —
data in, bytes out.

A pure library: no Django, nothing from ``backend``. The web endpoints, the CLI and the
print queue all call the two functions below.

Public API
==========

``LabelSpec(code, kind="carrier", marking="", copy_no=None, copies_total=None, unit="",
title="", show_title=False, person="", location="", serial=False)``
    What one label says (a frozen dataclass, checked when made). ``kind`` is
    ``"carrier"`` (code ``C…``, needs ``marking``), ``"badge"`` (``P…``, needs
    ``person``) or ``"plate"`` (``L…``, needs ``location``). The code is normalised and
    validated with :func:`labels.codes.parse`; ``serial=True`` prints any printable-ASCII
    serial number instead (a unit's existing numbering). The title is printed only when
    ``show_title`` is true — a title can itself be secret.

``render(spec, fmt="png", *, dpi=300, size=None, matrix=False) -> bytes``
    One label. ``fmt``: ``"png"`` (1-bit, one pixel per printer dot, dpi in the file),
    ``"svg"`` (mm, vector bars and glyph outlines), ``"pdf"`` (one page the label's size)
    or ``"zpl"`` (ZPL II, the label as a ``^GFA`` graphic field — render at the printer's
    dpi). ``dpi``: 203, 300 or 600; bars sit on whole dots at that dpi in every format.
    ``size``: ``"50x30"``, ``"60x40"`` (rolls), ``"85.6x54"`` (badge card), ``"100x50"``
    (plate); default by kind: 50x30, 85.6x54, 100x50. The small sizes are DataMatrix labels
    (:mod:`labels.small`): ``"20x10"`` (USB drive, disk), ``"30x20"`` (tag), ``"disc40"``
    (disc-hub ring). ``matrix=True`` adds a DataMatrix beside a roll label's Code 128.

``compose_label(spec, *, dpi=300, size=None, matrix=False) -> Label``
    The laid-out label that ``render`` draws (positions in mm, on the dot grid).

``sheet(specs, layout="a4-3x8", *, start=0, crop_marks=False, dpi=600) -> bytes``
    A PDF of A4 pages. ``layout``: ``"a4-3x8"`` (24 × 70×37 mm), ``"a4-2x7"``
    (14 × 99.1×38.1 mm), ``"a4-2x5"`` (10 badge cards 85.6×54 mm); small labels
    ``"a4-20x10"`` (192), ``"a4-30x20"`` (78), ``"a4-disc40"`` (24). ``start`` skips that
    many cells on the first page to reuse a partly used sheet. ``crop_marks`` draws cut
    marks in the page margin (layouts with a margin: a4-2x7, a4-2x5).

``MEDIA_TYPES``, ``FORMATS``, ``SIZES``, ``SMALL_SIZES``, ``DPIS``, ``LAYOUTS``
    What the endpoints may offer and the ``Content-Type`` of each format.

Errors: every bad input raises :class:`LabelError` (a ``ValueError``) with a sentence for
people and ``.reason`` for machines: ``"bad_check_character"`` for a code whose check
character is wrong, ``"invalid"`` for everything else (unknown size, dpi, format or
layout, a code of the wrong kind, a marking that fits no line).

Every barcode is decoded back from its own module pattern before it is drawn, and never
printed if it says anything but the text under it (see :mod:`labels.barcode`).

Example::

    import labels
    spec = labels.LabelSpec(code="CXZ-00000001M", marking="机密★10年", copy_no=2,
                            copies_total=5, unit="某某局机要室")
    png = labels.render(spec, "png", dpi=203, size="50x30")
    pdf = labels.sheet([spec] * 30, layout="a4-3x8", start=5)
"""

from __future__ import annotations

from labels import layout, raster, small, vector, zpl
from labels.barcode import BarcodeError
from labels.layout import DPIS, Label, check_dpi, compose, size_mm
from labels.sheet import LAYOUTS, sheet
from labels.spec import LabelError, LabelKind, LabelSpec

#: ZPL has no registered media type; plain ASCII text is what it is, and what CUPS' raw
#: queue and a 9100 socket take.
MEDIA_TYPES = {
    "png": "image/png",
    "svg": "image/svg+xml",
    "pdf": "application/pdf",
    "zpl": "text/plain; charset=us-ascii",
}
FORMATS = tuple(MEDIA_TYPES)
#: Every label size: the Code 128 rolls, badge and plate, then the small DataMatrix labels.
SIZES: dict[str, tuple[float, float]] = {**layout.SIZES, **small.SIZES}
SMALL_SIZES = tuple(small.SIZES)

__all__ = [
    "DPIS",
    "FORMATS",
    "LAYOUTS",
    "MEDIA_TYPES",
    "SIZES",
    "SMALL_SIZES",
    "BarcodeError",
    "LabelError",
    "LabelKind",
    "LabelSpec",
    "compose_label",
    "render",
    "sheet",
]


def compose_label(
    spec: LabelSpec, *, dpi: int = 300, size: str | None = None, matrix: bool = False
) -> Label:
    """The laid-out label :func:`render` draws: a small size is a DataMatrix label; any
    other carries a DataMatrix beside its Code 128 when ``matrix`` is true."""
    check_dpi(dpi)
    if size in small.SIZES:
        return small.compose(spec, size, dpi)
    try:
        width, height = size_mm(size, spec.kind)
    except LabelError:
        known = ", ".join(SIZES)
        raise LabelError(f"Unknown label size {size!r}; known sizes: {known}.") from None
    return compose(spec, width, height, dpi, with_matrix=matrix)


def render(
    spec: LabelSpec,
    fmt: str = "png",
    *,
    dpi: int = 300,
    size: str | None = None,
    matrix: bool = False,
) -> bytes:
    """One label as ``fmt`` bytes; see the module docstring."""
    if fmt not in MEDIA_TYPES:
        raise LabelError(f"Unknown label format {fmt!r}; use one of {', '.join(FORMATS)}.")
    label = compose_label(spec, dpi=dpi, size=size, matrix=matrix)
    if fmt == "png":
        return raster.png(label)
    if fmt == "svg":
        return vector.svg(label)
    if fmt == "pdf":
        return vector.pdf([label])
    return zpl.zpl(label)
