"""Alert cases for the secrecy committee over HTTP."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from backend.alerts import selectors, services
from backend.alerts.models import Alert
from backend.errors import ServiceError
from backend.registry.principals import Principal, principal_of, require_role
from backend.schemas import ERRORS, AckIn, AlertOut

router = Router(tags=["alerts"])


def alert_out(alert: Alert) -> dict[str, Any]:
    """An alert carries the code and level, never the carrier's title."""
    return {
        "id": alert.id,
        "kind": alert.kind,
        "carrier": alert.carrier.code if alert.carrier else None,
        "level": alert.carrier.level if alert.carrier else None,
        "opened_at": alert.opened_at,
        "status": alert.status,
        # The case's timers ride in details (AlertOut is shared; extending it is additive
        # later): the deadline that passed, reminders sent, when it went to the chair.
        "details": {
            **alert.details,
            "deadline": alert.deadline.isoformat() if alert.deadline else None,
            "reminders": alert.reminders,
            "escalated_at": alert.escalated_at.isoformat() if alert.escalated_at else None,
        },
        "acknowledged_by": alert.acknowledged_by.code if alert.acknowledged_by else None,
        "acknowledged_at": alert.acknowledged_at,
        "note": alert.ack_note,
        "resolved_at": alert.resolved_at,
    }


def _committee(principal: Principal) -> None:
    require_role(principal, "committee", message="Alerts are for the secrecy committee.")


@router.get("/alerts", response={200: list[AlertOut], **ERRORS})
def list_alerts(
    request: HttpRequest, status: str | None = None, kind: str | None = None
) -> list[dict[str, Any]]:
    _committee(principal_of(request))
    return [alert_out(a) for a in selectors.alert_list(status=status, kind=kind)]


@router.post("/alerts/{alert_id}/ack", response={200: AlertOut, **ERRORS})
def acknowledge(request: HttpRequest, alert_id: int, body: AckIn) -> dict[str, Any]:
    principal = principal_of(request)
    _committee(principal)
    assert principal.person is not None  # noqa: S101 - the committee role is a person's
    if not 0 < alert_id < 2**62:
        raise ServiceError("not_found", f"There is no alert {alert_id}.")
    alert = services.alert_acknowledge(alert_id=alert_id, person=principal.person, note=body.note)
    return alert_out(Alert.objects.select_related("carrier", "acknowledged_by").get(id=alert.id))
