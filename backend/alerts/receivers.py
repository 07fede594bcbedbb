"""What the alerts app does when a lower app fires a hook (connected on import, from
``alerts/subscriptions.py``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.dispatch import receiver

from backend.alerts.models import Alert, AlertStatus
from backend.alerts.services import alert_raise
from backend.hooks import condition_ended, condition_raised
from backend.registry.models import Carrier


@receiver(condition_raised, dispatch_uid="alerts.open_case")
def open_case(
    sender: Any,
    *,
    kind: str,
    carrier: Carrier,
    opened_at: datetime,
    details: dict[str, Any],
    **_: Any,
) -> int:
    return alert_raise(kind=kind, carrier=carrier, opened_at=opened_at, details=details).pk


@receiver(condition_ended, dispatch_uid="alerts.end_case")
def end_case(sender: Any, *, kind: str, carrier: Carrier, at: datetime, **_: Any) -> int:
    """Resolve the open case of ``kind`` for ``carrier``: its condition has cleared."""
    return (
        Alert.objects.filter(carrier=carrier, kind=kind)
        .exclude(status=AlertStatus.RESOLVED)
        .update(status=AlertStatus.RESOLVED, resolved_at=at, remind_at=None, escalate_at=None)
    )
