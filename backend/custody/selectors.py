"""Reads of the ledger."""

from __future__ import annotations

from backend.custody.models import CustodyEvent, SignedCheckpoint
from backend.custody.statements import Statement
from backend.registry.principals import Principal
from backend.registry.selectors import carrier_get


def carrier_events(*, principal: Principal, code: str) -> list[CustodyEvent]:
    carrier = carrier_get(principal=principal, code=code)
    return list(
        CustodyEvent.objects.filter(carrier=carrier)
        .select_related("carrier", "actor", "counterpart", "escort", "location", "device")
        .order_by("seq")
    )


def checkpoints_recent(limit: int = 20) -> list[Statement]:
    """The newest signed checkpoints' statements, newest first (the auditor's page)."""
    return [Statement.of(row) for row in SignedCheckpoint.objects.order_by("-id")[:limit]]
