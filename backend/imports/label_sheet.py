"""Labels for the rows that came without a code: one A4 sheet (PDF) for the batch, so the
new codes reach the carriers right after the import (printing's ``labels_sheet``)."""

from __future__ import annotations

from pathlib import Path

from backend.printing.selectors import MAX_SHEET, PRINTABLE, labels_sheet
from backend.registry.models import Carrier
from backend.registry.principals import Principal


def import_labels_write(*, principal: Principal, codes: list[str], path: Path) -> list[Path]:
    """Write the labels of ``codes`` (those still printable) to ``path``; a batch above
    a sheet's limit continues in ``<name>-2.pdf``, ``-3`` …. Returns the files written."""
    printable = set(
        Carrier.objects.filter(code__in=codes, status__in=PRINTABLE).values_list("code", flat=True)
    )
    wanted = [c for c in codes if c in printable]
    written = []
    for part, start in enumerate(range(0, len(wanted), MAX_SHEET), start=1):
        target = path if part == 1 else path.with_name(f"{path.stem}-{part}{path.suffix}")
        target.write_bytes(
            labels_sheet(principal=principal, codes=wanted[start : start + MAX_SHEET])
        )
        written.append(target)
    return written
