"""Reads of alert cases."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q

from backend.alerts.models import Alert, AlertKind, AlertStatus
from backend.errors import ServiceError


def alert_list(*, status: str | None = None, kind: str | None = None) -> list[Alert]:
    qs = Alert.objects.select_related("carrier", "acknowledged_by").order_by("-opened_at", "-id")
    if status:
        if status not in AlertStatus.values:
            raise ServiceError("invalid", f"Unknown alert status {status!r}.", {"field": "status"})
        qs = qs.filter(status=status)
    if kind:
        if kind not in AlertKind.values:
            raise ServiceError("invalid", f"Unknown alert kind {kind!r}.", {"field": "kind"})
        qs = qs.filter(kind=kind)
    return list(qs[:1000])


def alerts_for_stocktake(
    *, missing: list[str], unexpected: list[str], since: datetime
) -> list[Alert]:
    """The cases behind a stocktake's result: ``inventory_missing`` for what was missing
    and ``custody_mismatch`` for what turned up unexpected — the latter often opened by the
    scan itself (a sighting away from the ledger's location), which the close then found
    open rather than opening a second case; hence by carrier and time, not by details."""
    return list(
        Alert.objects.filter(
            Q(kind="inventory_missing", carrier__code__in=missing)
            | Q(kind="custody_mismatch", carrier__code__in=unexpected),
            opened_at__gte=since,
        )
        .select_related("carrier")
        .order_by("kind", "carrier__code")
    )
