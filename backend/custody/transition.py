"""Apply one lifecycle row to a locked carrier outside scan ingest: the new state and its
ledger event, saved together.

The pure table (lifecycle/rounds.py) says where a move leads; this is the one place that writes
it for the moves no scanner sends (the 定密 decisions), so no service assigns a carrier's
status by hand. Scans keep their batched path in services.py, judged by the same table.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from backend.custody.lifecycle import Verdict
from backend.custody.models import CustodyEvent
from backend.custody.services import ledger_append
from backend.registry.models import Carrier, Person

# The carrier columns every appended event moves (ledger_append sets them on the instance).
_HEAD = ("status", "seq", "head_hash", "last_occurred_at", "updated_at")


def carrier_transition(
    *,
    carrier: Carrier,
    actor: Person,
    verdict: Verdict,
    payload: dict[str, Any],
    now: datetime,
    fields: Iterable[str] = (),
) -> CustodyEvent:
    """Move ``carrier`` (row locked by the caller) to the verdict's state and append its event.

    ``fields`` names further columns the caller changed on the instance in the same step
    (an approval's level and period), saved in the same UPDATE.
    """
    carrier.status = verdict.status
    event = ledger_append(
        carrier=carrier,
        actor=actor,
        action=verdict.event,
        payload=payload,
        now=now,
        due_at=carrier.due_at,
    )
    carrier.save(update_fields=[*_HEAD, *(f for f in fields if f not in _HEAD)])
    return event
