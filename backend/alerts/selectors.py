"""Reads of alert cases."""

from __future__ import annotations

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
