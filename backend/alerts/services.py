"""Opening, following and closing alert cases.

Every way a case opens (``alert_raise`` at a scan or a ledger check, ``alerts_open`` from
the sweep) writes its outbox deliveries in the same transaction, so a committed case is
always notified and a rolled-back one never is.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.alerts.models import Alert, AlertKind, AlertStatus
from backend.alerts.outbox import deliveries_write
from backend.errors import ServiceError
from backend.registry.models import Carrier, Person

# The carrier state whose deadline each kind watches (the sweep's detector table, and the
# condition whose end resolves the case).
DEADLINE_KIND: dict[str, str] = {
    "in_use": AlertKind.OVERDUE_RETURN,
    "in_repair": AlertKind.OVERDUE_REPAIR,
    "in_transit": AlertKind.TRANSIT_OVERDUE,
    "off_site": AlertKind.CARRY_OUT_OVERDUE,
    "pending_destruction": AlertKind.DESTRUCTION_OVERDUE,
    "lost": AlertKind.LOSS_REPORT_DUE,
}
_DEADLINE_KINDS = frozenset(DEADLINE_KIND.values())


def _timers(now: datetime) -> tuple[datetime, datetime]:
    return (
        now + timedelta(seconds=settings.CUSTOS_REMIND_SECONDS),
        now + timedelta(seconds=settings.CUSTOS_ESCALATE_SECONDS),
    )


def alert_raise(
    *,
    kind: str,
    carrier: Carrier | None,
    opened_at: datetime,
    details: dict[str, Any],
    deadline: datetime | None = None,
) -> Alert:
    """Open a case with its deliveries, or return the one already open for (kind, carrier).

    The partial unique constraint makes this safe when two workers or two desks raise the
    same case at once: the loser of the insert race reads the winner's row.
    """
    existing = Alert.objects.filter(kind=kind, carrier=carrier).exclude(status="resolved").first()
    if existing is not None:
        return existing
    now = timezone.now()
    remind_at, escalate_at = _timers(now)
    try:
        with transaction.atomic():
            alert = Alert.objects.create(
                kind=kind,
                carrier=carrier,
                opened_at=opened_at,
                # Cases raised at a scan or a check have no deadline of their own: the
                # texts quote the moment the condition showed.
                deadline=deadline or opened_at,
                details=details,
                remind_at=remind_at,
                escalate_at=escalate_at,
            )
            deliveries_write(alert_ids=[alert.id], round=0, now=now)
            return alert
    except IntegrityError:
        return Alert.objects.get(kind=kind, carrier=carrier, status__in=["open", "acknowledged"])


@dataclass(frozen=True, slots=True)
class Finding:
    """A detector's verdict on one carrier: open this kind of case, from this moment."""

    kind: str
    carrier_id: int | None
    opened_at: datetime
    deadline: datetime | None
    details: dict[str, Any] = field(default_factory=dict)


_ALERT_COLUMNS = (
    "kind",
    "carrier_id",
    "status",
    "opened_at",
    "details",
    "ack_note",
    "created_at",
    "deadline",
    "remind_at",
    "reminders",
    "escalate_at",
)


def alerts_open(*, findings: Sequence[Finding], now: datetime) -> list[int]:
    """Open a case per finding that has none open yet; returns the new cases' ids.

    One ``INSERT … ON CONFLICT DO NOTHING RETURNING id`` per 500 findings: the partial
    unique index decides, inside the database, which findings are new, so two sweeps that
    race never open a case twice, and no read-then-insert window exists. The caller holds
    the transaction; the deliveries are written in it.
    """
    if not findings:
        return []
    fields = {f.column: f for f in Alert._meta.concrete_fields}
    remind_at, escalate_at = _timers(now)
    opened: list[int] = []
    table = Alert._meta.db_table
    row_sql = "(" + ", ".join(["%s"] * len(_ALERT_COLUMNS)) + ")"
    for start in range(0, len(findings), 500):
        chunk = findings[start : start + 500]
        params: list[Any] = []
        for f in chunk:
            values = {
                "kind": f.kind,
                "carrier_id": f.carrier_id,
                "status": AlertStatus.OPEN,
                "opened_at": f.opened_at,
                "details": f.details,
                "ack_note": "",
                "created_at": now,
                "deadline": f.deadline,
                "remind_at": remind_at,
                "reminders": 0,
                "escalate_at": escalate_at,
            }
            params.extend(
                fields[c].get_db_prep_save(values[c], connection=connection) for c in _ALERT_COLUMNS
            )
        sql = (
            f"INSERT INTO {table} ({', '.join(_ALERT_COLUMNS)}) "  # noqa: S608 - constants
            f"VALUES {', '.join([row_sql] * len(chunk))} ON CONFLICT DO NOTHING RETURNING id"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            opened.extend(row[0] for row in cursor.fetchall())
    deliveries_write(alert_ids=opened, round=0, now=now)
    return opened


def alerts_follow_up(*, carriers: Iterable[Carrier], events: Sequence[Any] = ()) -> int:
    """Resolve the cases whose condition the scans just ended; called by ingest, in its
    locked transaction, with the carriers' new states.

    A deadline case ends when the carrier leaves the state it watches (returned, received,
    back from repair, destroyed, found); a carrier missing at inventory ends by being
    scanned at all. Two UPDATEs, whatever the batch (the cases, and the sweep's re-checks
    of these carriers, which a new deadline must not wait behind): indexed statements per
    scan batch, and none when no case is open.
    """
    by_status: dict[str, list[int]] = defaultdict(list)
    for carrier in carriers:
        by_status[carrier.status].append(carrier.id)
    if not by_status:
        return 0
    clauses: list[str] = []
    params: list[Any] = []
    for status, ids in by_status.items():
        kinds = sorted(
            (_DEADLINE_KINDS - {DEADLINE_KIND.get(status, "")}) | {AlertKind.INVENTORY_MISSING}
        )
        clauses.append(
            f"(carrier_id IN ({', '.join(['%s'] * len(ids))}) "
            f"AND kind IN ({', '.join(['%s'] * len(kinds))}))"
        )
        params.extend(ids)
        params.extend(str(k) for k in kinds)
    now = timezone.now()
    field = Alert._meta.get_field("resolved_at")
    sql = (
        f"UPDATE {Alert._meta.db_table} SET status = 'resolved', resolved_at = %s, "  # noqa: S608
        "remind_at = NULL, escalate_at = NULL "
        f"WHERE status <> 'resolved' AND ({' OR '.join(clauses)})"
    )
    ids = [c_id for c_ids in by_status.values() for c_id in c_ids]
    with connection.cursor() as cursor:
        cursor.execute(sql, [field.get_db_prep_save(now, connection=connection), *params])
        resolved = cursor.rowcount
        # A scan moved these carriers on: a re-check the sweep set for their old deadline
        # must not hold back a new one (a carrier returned and checked out again).
        cursor.execute(
            f"UPDATE {Carrier._meta.db_table} SET recheck_at = NULL "  # noqa: S608 - constants
            f"WHERE id IN ({', '.join(['%s'] * len(ids))}) AND recheck_at IS NOT NULL",
            ids,
        )
    return resolved


@transaction.atomic
def alerts_resolve(*, kind: str, keep_carrier_ids: set[int]) -> int:
    """Resolve the open cases of ``kind`` whose carrier no longer qualifies (the daily
    detectors: the period was extended, the departing holder handed the carrier on)."""
    stale = [
        a_id
        for a_id, carrier_id in Alert.objects.filter(kind=kind)
        .exclude(status=AlertStatus.RESOLVED)
        .values_list("id", "carrier_id")
        if carrier_id not in keep_carrier_ids
    ]
    if not stale:
        return 0
    return (
        Alert.objects.filter(id__in=stale)
        .exclude(status=AlertStatus.RESOLVED)
        .update(
            status=AlertStatus.RESOLVED,
            resolved_at=timezone.now(),
            remind_at=None,
            escalate_at=None,
        )
    )


def alerts_inventory_missing(
    *, carriers: Sequence[Carrier], inventory_id: int, closed_at: datetime
) -> list[int]:
    """Open ``inventory_missing`` for each carrier an inventory close did not find; for the
    inventory service to call in its closing transaction."""
    with transaction.atomic():
        return alerts_open(
            findings=[
                Finding(
                    kind=AlertKind.INVENTORY_MISSING,
                    carrier_id=c.id,
                    opened_at=closed_at,
                    deadline=closed_at,
                    details={"inventory": inventory_id},
                )
                for c in carriers
            ],
            now=timezone.now(),
        )


@transaction.atomic
def alert_acknowledge(*, alert_id: int, person: Person, note: str | None) -> Alert:
    """A named committee member takes the case, saying what was done: no escalation after
    this, reminders go on until it is resolved.

    ``note`` None is an API client that sends none (CONTRACT.md keeps ``note`` optional);
    a note that is given — the page always gives one — must say something.
    """
    alert = Alert.objects.select_for_update().filter(id=alert_id).first()
    if alert is None:
        raise ServiceError("not_found", _("There is no alert %(id)s.") % {"id": alert_id})
    if alert.status == AlertStatus.RESOLVED:
        raise ServiceError(
            "invalid_transition",
            _("A resolved alert cannot be acknowledged."),
            {"status": "resolved"},
        )
    if note is not None and not note.strip():
        # The committee's record of the case says what was done, not only who looked.
        raise ServiceError(
            "invalid",
            _("Write what was done before acknowledging the alert."),
            {"field": "note", "reason": "note_required"},
        )
    alert.status = AlertStatus.ACKNOWLEDGED
    alert.acknowledged_by = person
    alert.acknowledged_at = timezone.now()
    alert.ack_note = (note or "").strip()
    alert.escalate_at = None
    alert.save(
        update_fields=["status", "acknowledged_by", "acknowledged_at", "ack_note", "escalate_at"]
    )
    return alert


def alert_end(*, alert_id: int, at: datetime) -> int:
    """Resolve one case whose condition cleared where no carrier names it (a finding
    rectified): the app that holds the condition keeps the case's id."""
    return (
        Alert.objects.filter(id=alert_id)
        .exclude(status=AlertStatus.RESOLVED)
        .update(status=AlertStatus.RESOLVED, resolved_at=at, remind_at=None, escalate_at=None)
    )
