"""Reads for the pages: the committee's dashboard, a carrier's timeline, destruction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Min, Q
from django.utils import timezone

from backend.alerts.models import Alert
from backend.custody import algorithm, chain
from backend.custody.events import stored_fields
from backend.custody.models import CustodyEvent
from backend.desk.common import zone
from backend.registry.models import OVERDUE_STATUSES, Carrier


def open_alerts() -> list[Alert]:
    return list(
        Alert.objects.exclude(status="resolved")
        .select_related("carrier", "carrier__custodian", "acknowledged_by")
        .prefetch_related("carrier__scope")
        .order_by("opened_at", "id")[:500]
    )


def alert_row(alert_id: int) -> Alert | None:
    return (
        Alert.objects.select_related("carrier", "carrier__custodian", "acknowledged_by")
        .prefetch_related("carrier__scope")
        .filter(id=alert_id)
        .first()
    )


def alerts_by_kind() -> list[dict]:
    """Open cases per kind with the oldest one's opening time."""
    return list(
        Alert.objects.exclude(status="resolved")
        .values("kind")
        .annotate(
            n=Count("id"), oldest=Min("opened_at"), unacked=Count("id", filter=Q(status="open"))
        )
        .order_by("-n", "kind")
    )


def overdue_carriers(now: datetime | None = None) -> list[Carrier]:
    """Carriers past their deadline, since the deadline recorded (the sweep's re-checks
    live in ``recheck_at``); the partial index on ``due_at`` serves this query."""
    return list(
        Carrier.objects.filter(due_at__lte=now or timezone.now(), status__in=OVERDUE_STATUSES)
        .select_related("custodian", "location")
        .prefetch_related("scope")
        .order_by("due_at")[:200]
    )


def open_alert_count() -> int:
    return Alert.objects.exclude(status="resolved").count()


def overdue_count(now: datetime | None = None) -> int:
    return Carrier.objects.filter(
        due_at__lte=now or timezone.now(), status__in=OVERDUE_STATUSES
    ).count()


def counts_by_status_and_level() -> dict[str, dict[str, int]]:
    table: dict[str, dict[str, int]] = {}
    for row in Carrier.objects.values("status", "level").annotate(n=Count("id")):
        table.setdefault(row["status"], {})[row["level"]] = row["n"]
    return table


@dataclass(frozen=True, slots=True)
class Day:
    day: date
    opened: int
    resolved: int


def alerts_per_day(days: int = 14, now: datetime | None = None) -> list[Day]:
    """Alerts opened and resolved on each of the last ``days`` days (the unit's calendar)."""
    tz = zone()
    today = (now or timezone.now()).astimezone(tz).date()
    first = today - timedelta(days=days - 1)
    start = datetime.combine(first, datetime.min.time(), tzinfo=tz)
    opened: dict[date, int] = {}
    resolved: dict[date, int] = {}
    for opened_at, resolved_at in Alert.objects.filter(
        Q(opened_at__gte=start) | Q(resolved_at__gte=start)
    ).values_list("opened_at", "resolved_at"):
        if opened_at >= start:
            d = opened_at.astimezone(tz).date()
            opened[d] = opened.get(d, 0) + 1
        if resolved_at is not None and resolved_at >= start:
            d = resolved_at.astimezone(tz).date()
            resolved[d] = resolved.get(d, 0) + 1
    return [
        Day(
            first + timedelta(days=i),
            opened.get(first + timedelta(days=i), 0),
            resolved.get(first + timedelta(days=i), 0),
        )
        for i in range(days)
    ]


def carrier_timeline(carrier: Carrier) -> list[CustodyEvent]:
    return list(
        CustodyEvent.objects.filter(carrier=carrier)
        .select_related("actor", "counterpart", "escort", "location", "device")
        .order_by("seq")
    )


@dataclass(frozen=True, slots=True)
class ChainStatus:
    ok: bool
    events: int
    broken_seq: int | None = None
    reason: str = ""


def chain_status(carrier: Carrier, events: list[CustodyEvent]) -> ChainStatus:
    """Recompute this one carrier's chain as ``custos verify`` does for all of them:
    seq without holes, each prev_hash the hash before it, each hash over its content,
    and the carrier's head matching the last event."""
    prev, last_seq = chain.GENESIS, 0
    hash_name = algorithm.chain_hash()
    for e in events:
        if e.seq != last_seq + 1:
            return ChainStatus(False, len(events), last_seq + 1, "missing")
        if e.prev_hash != prev:
            return ChainStatus(False, len(events), e.seq, "prev_hash")
        fields = stored_fields(e, carrier.code)
        if chain.link(e.prev_hash, fields, hash_name) != e.hash:
            return ChainStatus(False, len(events), e.seq, "hash")
        prev, last_seq = e.hash, e.seq
    if carrier.seq != last_seq or carrier.head_hash != prev:
        return ChainStatus(False, len(events), last_seq + 1, "head")
    return ChainStatus(True, len(events))


def destruction_requests() -> list[Carrier]:
    """Requests waiting for an approver, then approved ones waiting for the site."""
    return list(
        Carrier.objects.filter(
            Q(destroy_requested_by__isnull=False, status__in=("registered", "in_storage"))
            | Q(status="pending_destruction")
        )
        .select_related("custodian", "location", "destroy_requested_by", "destroy_approved_by")
        .prefetch_related("scope")
        .order_by("status", "updated_at")[:500]
    )


def destruction_events(carrier: Carrier) -> list[CustodyEvent]:
    """The current destruction's events: from the last request on."""
    events = carrier_timeline(carrier)
    starts = [i for i, e in enumerate(events) if e.action == "destroy_request"]
    return events[starts[-1] :] if starts else []
