"""Opening and acknowledging alert cases."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from backend.alerts.models import Alert, AlertStatus
from backend.errors import ServiceError
from backend.registry.models import Carrier, Person


def alert_raise(
    *, kind: str, carrier: Carrier | None, opened_at: datetime, details: dict[str, Any]
) -> Alert:
    """Open a case, or return the one already open for (kind, carrier).

    The partial unique constraint makes this safe when two workers or two desks raise the
    same case at once: the loser of the insert race reads the winner's row.
    """
    existing = Alert.objects.filter(kind=kind, carrier=carrier).exclude(status="resolved").first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Alert.objects.create(
                kind=kind, carrier=carrier, opened_at=opened_at, details=details
            )
    except IntegrityError:
        return Alert.objects.get(kind=kind, carrier=carrier, status__in=["open", "acknowledged"])


@transaction.atomic
def alert_acknowledge(*, alert_id: int, person: Person, note: str = "") -> Alert:
    alert = Alert.objects.select_for_update().filter(id=alert_id).first()
    if alert is None:
        raise ServiceError("not_found", f"There is no alert {alert_id}.")
    if alert.status == AlertStatus.RESOLVED:
        raise ServiceError(
            "invalid_transition", "A resolved alert cannot be acknowledged.", {"status": "resolved"}
        )
    alert.status = AlertStatus.ACKNOWLEDGED
    alert.acknowledged_by = person
    alert.acknowledged_at = timezone.now()
    alert.ack_note = note.strip()
    alert.save(update_fields=["status", "acknowledged_by", "acknowledged_at", "ack_note"])
    return alert
