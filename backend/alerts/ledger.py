"""What alerts do about the ledger: the cases custody's hooks open and end, and the
nightly check that opens a ``ledger_broken`` case for each broken chain.

Custody cannot call alerts (it sits below them); :class:`backend.alerts.apps.AlertsConfig`
subscribes these handlers to its hooks (backend/custody/hooks.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils import timezone

from backend.alerts.models import Alert
from backend.alerts.services import alert_raise, alerts_follow_up
from backend.custody.models import CustodyEvent
from backend.custody.verify import ledger_verify
from backend.registry.models import Carrier


def mismatches_raise(events: Sequence[CustodyEvent]) -> None:
    """A ``custody_mismatch`` case for each event the lifecycle recorded as a sighting away
    from the ledger (hook ``event_appended``)."""
    for event in events:
        reason = event.payload.get("mismatch")
        if reason:
            alert_raise(
                kind="custody_mismatch",
                carrier=event.carrier,
                opened_at=event.occurred_at,
                details={"event": str(event.id), "seq": event.seq, "reason": reason},
            )


def conditions_follow_up(carriers: Sequence[Carrier], events: Sequence[CustodyEvent]) -> None:
    """Resolve the cases whose condition the scans ended (hook ``condition_ended``)."""
    alerts_follow_up(carriers=carriers, events=events)


def open_case_sql() -> str:
    """Whether a carrier (``{carrier}``: its id column) has a case that is not resolved."""
    return (
        f"EXISTS (SELECT 1 FROM {Alert._meta.db_table} a"  # noqa: S608 - a constant
        " WHERE a.carrier_id = {carrier} AND a.status <> 'resolved')"
    )


def ledger_check_and_alert() -> dict[str, Any]:
    """Verify the whole ledger and open a ``ledger_broken`` case for each broken carrier."""
    report = ledger_verify()
    now = timezone.now()
    by_code = {
        c.code: c for c in Carrier.objects.filter(code__in=[b.carrier for b in report.broken])
    }
    for b in report.broken:
        alert_raise(
            kind="ledger_broken",
            carrier=by_code.get(b.carrier),
            opened_at=now,
            details={"seq": b.seq, "reason": b.reason},
        )
    return {
        "ok": report.ok,
        "carriers": report.carriers,
        "events": report.events,
        "broken": len(report.broken),
    }
