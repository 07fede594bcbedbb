"""Where each row behind a figure is shown: the page a figure links to, row by row."""

from __future__ import annotations

from backend.inspection.evidence import RowRef

# A carrier's rows (its registration, destruction, loss, 定密 case or overdue case) open its
# timeline; a stocktake opens its result.
ROW_HREF = {
    "carrier": "/carriers/{code}/",
    "destruction": "/carriers/{code}/",
    "loss": "/carriers/{code}/",
    "case": "/carriers/{code}/",
    "alert": "/carriers/{code}/",
    "event": "/carriers/{code}/",
    "stocktake": "/stocktakes/{id}/",
}


def row_href(row: RowRef) -> str | None:
    if row.kind not in ROW_HREF or not row.code:
        return None
    return ROW_HREF[row.kind].format(code=row.code, id=row.id)
