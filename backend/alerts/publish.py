"""Publishing signed checkpoints: each statement leaves the building the moment it is made.

1. ``checkpoint_signed`` (fired by custody inside the checkpoint's transaction) writes one
   outbox row per configured channel: the committee's e-mail (``CUSTOS_ALERT_EMAILS``),
   the signed webhook (``CUSTOS_WEBHOOK_URL``) and the supervising office
   (``CUSTOS_SUPERVISOR_URL``).
2. ``statement_deliveries_send`` claims due rows with a conditional update (a lease, as
   the alerts' outbox does), sends, marks them sent or gives them a backoff. A mail server
   or office that is down delays a statement, never a scan or the checkpoint itself.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Any

import httpx
from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import F
from django.utils import timezone

from backend.alerts import notify
from backend.alerts.models import DeliveryStatus, StatementDelivery
from backend.alerts.outbox import SendReport, backoff
from backend.custody.models import SignedCheckpoint
from backend.custody.statements import Statement, document

log = logging.getLogger(__name__)

EMAIL, WEBHOOK, OFFICE = "email", "webhook", "office"


def statement_deliveries_write(*, checkpoint: SignedCheckpoint, **_: Any) -> int:
    """The outbox rows for one checkpoint (the ``checkpoint_signed`` receiver)."""
    targets = []
    if settings.CUSTOS_ALERT_EMAILS:
        targets.append((EMAIL, ",".join(settings.CUSTOS_ALERT_EMAILS)))
    if settings.CUSTOS_WEBHOOK_URL:
        targets.append((WEBHOOK, settings.CUSTOS_WEBHOOK_URL))
    if settings.CUSTOS_SUPERVISOR_URL:
        targets.append((OFFICE, settings.CUSTOS_SUPERVISOR_URL))
    now = timezone.now()
    StatementDelivery.objects.bulk_create(
        [
            StatementDelivery(
                checkpoint=checkpoint, channel=channel, target=target[:1000], next_attempt_at=now
            )
            for channel, target in targets
        ],
        ignore_conflicts=True,
    )
    return len(targets)


def _email(delivery: StatementDelivery, statement: Statement) -> None:
    subject = (
        f"[Custos] 台账签名检查点 Signed checkpoint {statement.id} · {statement.fingerprint()}"
    )
    body = "\n".join(
        [
            f"单位 Unit: {statement.unit}",
            f"时间 At: {statement.at}",
            f"载体 Carriers: {statement.carriers}    事件 Events: {statement.events}",
            f"指纹 Fingerprint: {statement.fingerprint()}",
            "",
            "请保存本邮件：它证明台账在此刻的状态，可用 custos verify --against 核验。",
            "Keep this message: it proves the ledger's state at this moment"
            " (check with custos verify --against).",
            "",
            statement.text(),
        ]
    )
    message = EmailMessage(subject, body, to=delivery.target.split(","))
    message.attach(
        f"checkpoint-{statement.unit}-{statement.id}.json",
        "".join(document(statement)),
        "application/json",
    )
    message.send(fail_silently=False)


def _post(url: str, delivery: StatementDelivery, statement: Statement) -> None:
    """The statement as JSON, signed as the alert webhook is (X-Custos-Signature)."""
    body = "".join(document(statement)).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "X-Custos-Timestamp": timestamp,
        "X-Custos-Signature": notify.webhook_signature(
            secret=settings.CUSTOS_WEBHOOK_SECRET, timestamp=timestamp, body=body
        ),
        "X-Custos-Delivery": f"checkpoint-{delivery.id}",
        "X-Custos-Event": "checkpoint",
    }
    httpx.post(url, content=body, headers=headers, timeout=10.0).raise_for_status()


def statement_deliveries_send(*, limit: int = 100) -> SendReport:
    """One pass over the due statement deliveries."""
    now = timezone.now()
    lease = now + timedelta(seconds=settings.CUSTOS_DELIVERY_LEASE_SECONDS)
    due = list(
        StatementDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("id", "next_attempt_at")[:limit]
    )
    claimed: list[int] = []
    for row_id, at in due:
        # Claimed by whoever moves its lease first: two senders never send it twice.
        if StatementDelivery.objects.filter(
            id=row_id, status=DeliveryStatus.PENDING, next_attempt_at=at
        ).update(next_attempt_at=lease, attempts=F("attempts") + 1):
            claimed.append(row_id)
    sent = failed = 0
    retry_in: float | None = None
    for delivery in StatementDelivery.objects.filter(id__in=claimed).select_related("checkpoint"):
        statement = Statement.of(delivery.checkpoint)
        try:
            if delivery.channel == EMAIL:
                _email(delivery, statement)
            else:
                _post(delivery.target, delivery, statement)
        except Exception as exc:  # any failure of a channel is retried
            log.warning("checkpoint %s to %s failed: %s", statement.id, delivery.channel, exc)
            wait = backoff(delivery.attempts)
            StatementDelivery.objects.filter(id=delivery.id).update(
                next_attempt_at=timezone.now() + wait,
                last_error=f"{type(exc).__name__}: {exc}"[:1000],
            )
            failed += 1
            retry_in = min(retry_in or wait.total_seconds(), wait.total_seconds())
        else:
            StatementDelivery.objects.filter(id=delivery.id).update(
                status=DeliveryStatus.SENT, sent_at=timezone.now(), last_error=""
            )
            sent += 1
    return SendReport(claimed=len(claimed), sent=sent, failed=failed, retry_in=retry_in)
