"""What the ledger and the sweep do to campaigns: returns mark rows, deadlines open cases,
and a holder still listed may not leave.

Campaigns sit above custody and alerts, which cannot call them; ``CampaignsConfig.ready``
subscribes these handlers (custody's ``condition_ended`` ingest hook, the kernel's
``sweep_due`` and ``departure_blockers`` signals).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from backend.alerts.models import Alert, AlertKind, AlertStatus
from backend.alerts.services import Finding, alerts_open
from backend.campaigns.models import Campaign, CampaignCarrier, CampaignStatus
from backend.custody.models import CustodyEvent
from backend.registry.models import Carrier, Person


def open_row_sql() -> str:
    """Whether a campaign still lists the carrier (``{carrier}``: its id column) as out;
    read in ingest's lock statement through ``campaign_row_out_idx``."""
    return (
        f"EXISTS (SELECT 1 FROM {CampaignCarrier._meta.db_table} cc"  # noqa: S608 - constant
        " WHERE cc.carrier_id = {carrier} AND cc.returned_at IS NULL)"
    )


def returns_record(carriers: Sequence[Carrier], events: Sequence[CustodyEvent]) -> int:
    """Mark the campaign rows that these events' ``return`` scans brought back (hook
    ``condition_ended``, inside the ingest transaction, before the events are written).

    Idempotent: a row already returned is not touched, and a replayed scan is a duplicate
    that appends no event, so it never reaches here. Then the returned carriers'
    ``campaign_overdue`` cases are resolved and each campaign whose last row came back
    closes, in the same transaction.
    """
    listed = {c.id for c in carriers}
    returns: dict[int, CustodyEvent] = {}
    for event in events:
        if event.action == "return" and event.carrier_id in listed:
            returns.setdefault(event.carrier_id, event)
    if not returns:
        return 0
    # No row lock needed: ingest holds these carriers' locks, and so does a campaign
    # being opened over them (services._chosen), so nothing else writes these rows now.
    rows = list(
        CampaignCarrier.objects.filter(carrier_id__in=returns, returned_at__isnull=True).only(
            "id", "campaign_id", "carrier_id"
        )
    )
    if not rows:
        return 0
    # One prepared UPDATE sent for every row (psycopg pipelines ``executemany``):
    # ``bulk_update``'s CASE per column cost over a second for 500 returns.
    meta = CampaignCarrier._meta
    at, event_id = meta.get_field("returned_at"), meta.get_field("return_event")
    params = []
    for row in rows:
        event = returns[row.carrier_id]
        params.append(
            (
                at.get_db_prep_save(event.occurred_at, connection=connection),
                event.seq,
                event_id.get_db_prep_save(event.id, connection=connection),
                row.id,
            )
        )
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {meta.db_table} SET returned_at = %s, return_seq = %s, "  # noqa: S608
            "return_event = %s WHERE id = %s AND returned_at IS NULL",
            params,
        )
    now = timezone.now()
    Alert.objects.filter(
        kind=AlertKind.CAMPAIGN_OVERDUE, carrier_id__in={r.carrier_id for r in rows}
    ).exclude(status=AlertStatus.RESOLVED).update(
        status=AlertStatus.RESOLVED, resolved_at=now, remind_at=None, escalate_at=None
    )
    touched = {r.campaign_id for r in rows}
    still_out = set(
        CampaignCarrier.objects.filter(campaign_id__in=touched, returned_at__isnull=True)
        .values_list("campaign_id", flat=True)
        .distinct()
    )
    if done := touched - still_out:
        Campaign.objects.filter(id__in=done, status=CampaignStatus.OPEN).update(
            status=CampaignStatus.CLOSED, closed_at=now
        )
    return len(rows)


def overdue_raise(*, now: datetime) -> int:
    """Open a ``campaign_overdue`` case for every carrier still out when its campaign's
    deadline passed; returns how many opened. The reminders and the escalation of these
    cases are the alerts sweep's, as for every case.

    1. Claim the open campaigns whose deadline passed and whose cases were not opened yet
       (a conditional ``UPDATE … RETURNING`` through ``campaign_overdue_idx``): two
       sweeps never both claim one.
    2. One finding per row still out, opened at the deadline, naming holder and campaign.
    3. Open them (``INSERT … ON CONFLICT DO NOTHING``) with their deliveries, in the
       claim's transaction.
    """
    table = Campaign._meta.db_table
    field = Campaign._meta.get_field("deadline")
    at = field.get_db_prep_save(now, connection=connection)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET overdue_raised_at = %s "  # noqa: S608 - constants
                "WHERE status = 'open' AND overdue_raised_at IS NULL AND deadline <= %s "
                "RETURNING id",
                [at, at],
            )
            claimed = [row[0] for row in cursor.fetchall()]
        if not claimed:
            return 0
        rows = (
            CampaignCarrier.objects.filter(campaign_id__in=claimed, returned_at__isnull=True)
            .order_by("id")
            .values_list("carrier_id", "campaign_id", "campaign__deadline", "holder__code")
        )
        findings = [
            Finding(
                kind=AlertKind.CAMPAIGN_OVERDUE,
                carrier_id=carrier_id,
                opened_at=deadline,
                deadline=deadline,
                details={"campaign": campaign_id, "holder": holder},
            )
            for carrier_id, campaign_id, deadline, holder in rows
        ]
        return len(alerts_open(findings=findings, now=now))


def sweep_due(sender: Any, *, now: datetime, **_: Any) -> int:
    """Receiver of the kernel's ``sweep_due``: the campaigns' deadlines."""
    return overdue_raise(now=now)


def listed_carriers(person: Person) -> list[str]:
    """The carriers an open campaign still lists as out with ``person`` (codes)."""
    return list(
        CampaignCarrier.objects.filter(
            holder=person, returned_at__isnull=True, campaign__status=CampaignStatus.OPEN
        )
        .order_by("carrier__code")
        .values_list("carrier__code", flat=True)
        .distinct()
    )


def departure_blockers(sender: Any, *, person: Person, **_: Any) -> dict[str, list[str]]:
    """Receiver of the kernel's ``departure_blockers``: what open campaigns still list."""
    codes = listed_carriers(person)
    return {"campaign": codes} if codes else {}
