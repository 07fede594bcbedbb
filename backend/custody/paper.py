"""The latest signed checkpoint for the foot of a printed page (the register PDF, the
destruction certificate): what ``labels.statement_foot`` draws, fed from the ledger.

Where it plugs in: a PDF writer that lays out ``labels.layout.Text`` items on A4 adds
``checkpoint_foot(left=MARGIN, top=297 - MARGIN - FOOT_HEIGHT, width=210 - 2 * MARGIN)``
to its last page's items, keeping ``FOOT_HEIGHT`` mm free above the bottom margin.
"""

from __future__ import annotations

from backend.custody.statements import statement_latest
from labels.layout import Text
from labels.matrix import Matrix
from labels.statement_foot import FOOT_HEIGHT, statement_foot

__all__ = ["FOOT_HEIGHT", "checkpoint_foot"]


def checkpoint_foot(
    *, left: float, top: float, width: float, dpi: int = 600
) -> list[Matrix | Text]:
    """The latest statement as page items, or none before the first checkpoint."""
    latest = statement_latest()
    if latest is None:
        return []
    return statement_foot(
        text=latest.text(),
        fingerprint=latest.fingerprint(),
        checkpoint=latest.id,
        left=left,
        top=top,
        width=width,
        dpi=dpi,
    )
