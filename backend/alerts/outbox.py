"""The transactional outbox: delivery rows written with the alert, sent by a worker.

Sending, in short (``deliveries_send``):
1. Claim the due rows (``backend.claims.due_claim``): a conditional update moves
   ``next_attempt_at`` forward by a lease and counts the attempt; ``FOR UPDATE SKIP
   LOCKED`` on PostgreSQL, so two senders never take the same row and neither waits for
   the other.
2. Send: all e-mail rows of one pass to the same addresses go as one digest; each webhook
   row is one signed POST.
3. Mark what went ``sent``; give what failed a backoff (30 s, 60 s, … capped) and the error.
A sender killed between 1 and 3 leaves its rows claimed until the lease runs out; the next
pass after that sends them. Nothing here depends on the broker: the beat's catch-up pass
finds every pending row in the database.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F, Model
from django.utils import timezone

from backend.alerts import notify
from backend.alerts.models import Channel, Delivery, DeliveryStatus
from backend.claims import due_claim

log = logging.getLogger(__name__)

SEND_BATCH = 500


def delivery_rows(
    *, alert_ids: list[int], round: int, now: datetime, escalation: bool = False
) -> list[Delivery]:
    """The outbox rows for these alerts on every configured channel (unsaved)."""
    targets: list[tuple[str, str]] = []
    if escalation:
        if settings.CUSTOS_COMMITTEE_CHAIR_EMAIL:
            targets.append((Channel.CHAIR, settings.CUSTOS_COMMITTEE_CHAIR_EMAIL))
    else:
        if settings.CUSTOS_ALERT_EMAILS:
            targets.append((Channel.EMAIL, ",".join(settings.CUSTOS_ALERT_EMAILS)))
        if settings.CUSTOS_WEBHOOK_URL:
            targets.append((Channel.WEBHOOK, settings.CUSTOS_WEBHOOK_URL))
    return [
        Delivery(
            alert_id=alert_id,
            channel=channel,
            round=round,
            target=target[:1000],
            next_attempt_at=now,
        )
        for alert_id in alert_ids
        for channel, target in targets
    ]


def deliveries_write(
    *, alert_ids: list[int], round: int, now: datetime, escalation: bool = False
) -> int:
    """Insert the rows; an existing (alert, channel, round) is kept, never doubled."""
    rows = delivery_rows(alert_ids=alert_ids, round=round, now=now, escalation=escalation)
    if rows:
        Delivery.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


@dataclass(frozen=True, slots=True)
class SendReport:
    claimed: int
    sent: int
    failed: int
    retry_in: float | None  # seconds until the earliest failed row is due again


def backoff(attempts: int) -> timedelta:
    base = settings.CUSTOS_DELIVERY_BACKOFF_SECONDS
    return timedelta(
        seconds=min(base * 2 ** max(attempts - 1, 0), settings.CUSTOS_DELIVERY_BACKOFF_MAX_SECONDS)
    )


def outbox_claim(model: type[Model], *, now: datetime, limit: int) -> list[int]:
    """Claim up to ``limit`` due rows of an outbox ``model`` (one with ``status``,
    ``next_attempt_at`` and ``attempts``): step 1 of the module docstring, for every outbox
    (the alerts' deliveries, and the apps above that keep their own, such as campaigns)."""
    lease = now + timedelta(seconds=settings.CUSTOS_DELIVERY_LEASE_SECONDS)
    due = model._default_manager.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
    return due_claim(
        due,
        order_by=("next_attempt_at", "id"),
        limit=limit,
        next_attempt_at=lease,
        attempts=F("attempts") + 1,
    )


def _claim(now: datetime, limit: int) -> list[int]:
    return outbox_claim(Delivery, now=now, limit=limit)


def deliveries_send(*, limit: int = SEND_BATCH) -> SendReport:
    """One sending pass over every due delivery (see the module docstring)."""
    now = timezone.now()
    ids = _claim(now, limit)
    if not ids:
        return SendReport(claimed=0, sent=0, failed=0, retry_in=None)
    rows = list(
        Delivery.objects.select_related("alert", "alert__carrier").filter(id__in=ids).order_by("id")
    )
    groups: dict[tuple[str, str], list[Delivery]] = defaultdict(list)
    for row in rows:
        kind = "webhook" if row.channel == Channel.WEBHOOK else "email"
        key = (kind, row.target if kind == "email" else str(row.id))
        groups[key].append(row)

    sent: list[int] = []
    failed: list[tuple[Delivery, str]] = []
    for (kind, target), members in groups.items():
        notices = [
            notify.Notice.of(
                delivery_id=d.id,
                alert=d.alert,
                round=d.round,
                escalation=d.channel == Channel.CHAIR,
            )
            for d in members
        ]
        try:
            if kind == "email":
                notify.send_digest(recipients=target.split(","), notices=notices)
            else:
                notify.send_webhook(url=members[0].target, notice=notices[0])
        except Exception as exc:  # any failure of a channel is retried
            log.warning("delivery to %s failed: %s", kind, exc)
            failed.extend((d, f"{type(exc).__name__}: {exc}"[:1000]) for d in members)
        else:
            sent.extend(d.id for d in members)

    done = timezone.now()
    if sent:
        Delivery.objects.filter(id__in=sent, status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.SENT, sent_at=done, last_error=""
        )
    retry_in: float | None = None
    for row, error in failed:
        wait = backoff(row.attempts)  # read after the claim, so this attempt is counted
        Delivery.objects.filter(id=row.id, status=DeliveryStatus.PENDING).update(
            next_attempt_at=done + wait, last_error=error
        )
        retry_in = min(retry_in or wait.total_seconds(), wait.total_seconds())
    return SendReport(claimed=len(ids), sent=len(sent), failed=len(failed), retry_in=retry_in)
