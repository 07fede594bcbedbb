"""ZPL II for Zebra-type thermal printers: the whole label as one ``^GFA`` graphic field.

Why a graphic field and not the printer's native ``^BC`` with text as graphics:
- the printer then prints exactly the dots we rendered and decoded in our own tests — the
  same pixels as the PNG. With ``^BC`` the printer makes its own Code 128 code-set choice
  and its own bar widths, which nothing here could verify before a label is printed;
- Chinese needs no printer-resident CJK font (a stock Zebra has none, and ``^A@`` with a
  downloaded font differs per model and firmware);
- the cost is size, and ZPL's ASCII compression (run-length counts, ``,`` for a blank rest
  of row, ``:`` for a repeated row) shrinks a 50×30 mm label at 203 dpi to a few kB,
  nothing for a raw 9100 socket.

The label must be rendered at the printer's own dpi (203, 300 or 600) — a ``^GF`` is
printed dot for dot, never scaled.
"""

from __future__ import annotations

import re

from PIL import Image

from labels import raster
from labels.layout import Label


def zpl(label: Label) -> bytes:
    """One ZPL II job printing ``label`` once at its dpi."""
    img = raster.image(label)
    width, height = img.size
    row_bytes = (width + 7) // 8
    data = _inverted(img.tobytes(), width, row_bytes)
    total = row_bytes * height
    body = _compress(data, row_bytes)
    return (
        "^XA\n"
        f"^PW{width}\n^LL{height}\n^LH0,0\n"
        f"^FO0,0^GFA,{total},{total},{row_bytes},{body}^FS\n"
        "^XZ\n"
    ).encode("ascii")


_INVERT = bytes(255 - i for i in range(256))


def _inverted(data: bytes, width: int, row_bytes: int) -> bytes:
    """Pillow's 1-bit rows have 1 = white; ZPL wants 1 = a burnt (black) dot. The pad
    bits after the last pixel of a row must stay 0, or they would print as a black line."""
    flipped = bytearray(data.translate(_INVERT))
    if width % 8:
        mask = (0xFF << (8 - width % 8)) & 0xFF
        for last in range(row_bytes - 1, len(flipped), row_bytes):
            flipped[last] &= mask
    return bytes(flipped)


def _compress(data: bytes, row_bytes: int) -> str:
    out: list[str] = []
    previous = ""
    for offset in range(0, len(data), row_bytes):
        row = data[offset : offset + row_bytes].hex().upper()
        if row == previous:
            out.append(":")
            continue
        previous = row
        stripped = row.rstrip("0")
        out.append(_runs(stripped) + ("," if len(stripped) < len(row) else ""))
    return "".join(out)


def _runs(hexes: str) -> str:
    parts = []
    for match in re.finditer(r"(.)\1*", hexes):
        parts.append(_count(len(match.group(0))) + match.group(1))
    return "".join(parts)


def _count(n: int) -> str:
    """ZPL repeat count: G–Y are 1–19, g–z are 20–400 in twenties; 1 needs no count."""
    if n == 1:
        return ""
    parts = []
    while n > 400:
        parts.append("z")  # z = 400, then the character repeats again after more counts
        n -= 400
    if n >= 20:
        parts.append(chr(ord("f") + n // 20))
    if n % 20:
        parts.append(chr(ord("F") + n % 20))
    return "".join(parts)


def to_image(job: bytes) -> Image.Image:
    """The bitmap a ``^GFA`` job from :func:`zpl` prints (mode ``"1"``), for checks and
    previews: the inverse of the compression above, per the ZPL II manual."""
    match = re.search(rb"\^PW(\d+).*?\^GFA,(\d+),\d+,(\d+),(.*?)\^FS", job, re.DOTALL)
    if not match:
        raise ValueError("No ^GFA graphic field in this job.")
    width, total, row_bytes = int(match[1]), int(match[2]), int(match[3])
    data = match[4].decode("ascii")
    rows: list[str] = []
    row = ""
    count = 0
    for ch in data:
        if "G" <= ch <= "Y":
            count += ord(ch) - ord("F")
        elif "g" <= ch <= "z":
            count += (ord(ch) - ord("f")) * 20
        elif ch == ",":
            rows.append(row.ljust(row_bytes * 2, "0"))
            row = ""
        elif ch == "!":
            rows.append(row.ljust(row_bytes * 2, "F"))
            row = ""
        elif ch == ":":
            rows.append(rows[-1])
        else:
            row += ch * max(count, 1)
            count = 0
            if len(row) == row_bytes * 2:
                rows.append(row)
                row = ""
    raw = bytes.fromhex("".join(rows))
    if len(raw) != total:
        raise ValueError(f"Graphic field holds {len(raw)} bytes, header says {total}.")
    return Image.frombytes("1", (width, total // row_bytes), raw.translate(_INVERT))
