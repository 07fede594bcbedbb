"""Receipts: a desk proves the ledger still holds what it was told was recorded.

Every recorded scan answers its event's ``seq`` and ``hash``; desks keep them. Asked about
a receipt, the ledger answers ``held`` only when the event with that id is still there,
for that carrier, at that seq, with that hash, on a chain that still verifies from its
first event to the carrier's head. Anything else is ``missing`` (the event is gone) or
``changed`` (it is there but not as recorded), so an insider who erased or rewrote the
history is named by every desk that saw it happen.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db import connection
from django.utils.translation import gettext as _

from backend.custody.models import CustodyEvent
from backend.custody.verify import ledger_verify

_BATCH = 1000


@dataclass(frozen=True, slots=True)
class Receipt:
    id: str
    carrier: str
    seq: int
    hash: str


@dataclass(frozen=True, slots=True)
class ReceiptCheck:
    id: str
    carrier: str
    seq: int
    status: str  # held | missing | changed
    reason: str | None = None


def _event_id(value: str) -> str | uuid.UUID | None:
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        return None
    return CustodyEvent._meta.pk.get_db_prep_value(parsed, connection)


def receipts_verify(*, receipts: list[Receipt]) -> list[ReceiptCheck]:
    """Check each receipt against the ledger, in input order.

    1. One query per thousand receipts joins them to the events by id.
    2. Receipts that match by seq and hash name their carriers; those carriers' chains
       are recomputed once (``ledger_verify`` restricted to them).
    3. A receipt on a broken chain is ``changed``, even when its own row still matches.
    """
    found: dict[str, tuple[int, str, int, str]] = {}  # id → (carrier id, code, seq, hash)
    for start in range(0, len(receipts), _BATCH):
        ids = [i for r in receipts[start : start + _BATCH] if (i := _event_id(r.id)) is not None]
        if not ids:
            continue
        marks = ", ".join(["%s"] * len(ids))
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT e.id, c.id, c.code, e.seq, e.hash FROM custody_event e "  # noqa: S608
                f"JOIN registry_carrier c ON c.id = e.carrier_id WHERE e.id IN ({marks})",
                ids,
            )
            for event_id, carrier_id, code, seq, stored in cursor.fetchall():
                key = str(event_id if isinstance(event_id, uuid.UUID) else uuid.UUID(event_id))
                found[key] = (carrier_id, code, seq, stored)

    matching: set[int] = set()
    for r in receipts:
        row = found.get(_normal(r.id))
        if row and (row[1], row[2], row[3]) == (r.carrier, r.seq, r.hash):
            matching.add(row[0])
    broken = {b.carrier: b for b in ledger_verify(carrier_ids=matching).broken} if matching else {}

    checks: list[ReceiptCheck] = []
    for r in receipts:
        row = found.get(_normal(r.id))
        if row is None:
            checks.append(ReceiptCheck(r.id, r.carrier, r.seq, "missing", _("the event is gone")))
        elif (row[1], row[2]) != (r.carrier, r.seq):
            checks.append(
                ReceiptCheck(
                    r.id,
                    r.carrier,
                    r.seq,
                    "changed",
                    _("the event now sits at %(code)s seq %(seq)s")
                    % {"code": row[1], "seq": row[2]},
                )
            )
        elif row[3] != r.hash:
            checks.append(
                ReceiptCheck(r.id, r.carrier, r.seq, "changed", _("the event's hash changed"))
            )
        elif r.carrier in broken:
            checks.append(
                ReceiptCheck(
                    r.id,
                    r.carrier,
                    r.seq,
                    "changed",
                    _("the carrier's chain breaks at seq %(seq)s") % {"seq": broken[r.carrier].seq},
                )
            )
        else:
            checks.append(ReceiptCheck(r.id, r.carrier, r.seq, "held"))
    return checks


def _normal(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return value
