"""A signed checkpoint's statement at the foot of a printed page: a DataMatrix holding the
statement's one-line text form, and beside it the fingerprint and the same line in small
type, so that paper keeps a copy of the ledger's signed state that a phone can read back
and a person can still copy by hand (docs/checkpoints.md).

Django-free like the rest of ``labels``: the caller passes the statement's text and
fingerprint (``backend.custody.statements.statement_latest()``) and adds the items this
returns to its page's ``Label``. Plugs into the register PDF (``backend/registers/render.py``)
and the destruction certificate (``backend/desk/certificate.py``) as the last items of the
last page, ``FOOT_HEIGHT`` mm above the bottom margin.
"""

from __future__ import annotations

import math

from labels import fonts
from labels.layout import Text
from labels.matrix import Matrix, encode
from labels.text import wrap

# Module size in printer dots: 8 dots at 600 dpi is 0.34 mm, which a phone reads off
# office laser paper; the statement's ~330 characters need a 64- to 72-module symbol,
# about 24 mm square.
MODULE_DOTS = 8
SIZE = 2.2  # the small type's em size, mm
LEADING = 1.35
FOOT_HEIGHT = 28.0  # mm the foot takes, its quiet zone included


def statement_foot(
    *,
    text: str,
    fingerprint: str,
    checkpoint: int,
    left: float,
    top: float,
    width: float,
    dpi: int = 600,
    caption: str = "签名检查点",
) -> list[Matrix | Text]:
    """The items of the foot: a DataMatrix of ``text`` with its top-left quiet-zone corner
    at (``left``, ``top``) mm, then the caption, checkpoint number and fingerprint, then
    ``text`` wrapped into the remaining ``width``. Raises ``MatrixError`` for a text that
    is not printable ASCII (a statement always is)."""
    symbol = encode(text)
    dot = 25.4 / dpi
    module = MODULE_DOTS * dot
    # Whole dots, so every module prints the same width (labels/matrix.py).
    x = math.floor(left / dot) * dot + module
    y = math.floor(top / dot) * dot + module
    items: list[Matrix | Text] = [Matrix(x=x, y=y, module=module, symbol=symbol)]
    side = (symbol.columns + 2) * module
    column = left + side + 3.0
    room = max(width - side - 3.0, 20.0)
    baseline = top + SIZE * 1.2
    head = f"{caption} #{checkpoint}    {fingerprint}"
    items.append(Text(column, baseline, SIZE * 1.1, fonts.BOLD, head))
    for line in wrap(text, room, SIZE, fonts.REGULAR, max_lines=8):
        baseline += SIZE * LEADING
        items.append(Text(column, baseline, SIZE, fonts.REGULAR, line))
    return items
