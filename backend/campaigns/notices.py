"""Telling each holder what a campaign calls back: an outbox row per holder, sent by mail.

Written in the transaction that opens the campaign (``holders_notify``); sent by the
worker (``notices_send``, task ``campaigns_notify``), which claims due rows with a
conditional update that moves ``next_attempt_at`` forward by a lease, sends, and marks
them sent — a failed send waits out the alerts' backoff and is tried again. A notice names
carriers by code, never by title (CONTRACT.md: notifications never carry a title).
"""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone

from backend.alerts.models import DeliveryStatus
from backend.alerts.outbox import backoff, outbox_claim
from backend.campaigns.models import Campaign, CampaignCarrier, CampaignNotice
from backend.queue import enqueue
from backend.registry.models import Person

log = logging.getLogger(__name__)


def holders_notify(*, campaign: Campaign, now: datetime) -> int:
    """One notice row per holder of ``campaign`` (in the caller's transaction); the sender
    is queued once the transaction commits."""
    holder_ids = set(
        CampaignCarrier.objects.filter(campaign=campaign).values_list("holder_id", flat=True)
    )
    committee = ",".join(settings.CUSTOS_ALERT_EMAILS)
    rows = []
    for holder in Person.objects.filter(id__in=holder_ids).select_related("user"):
        own = holder.user.email if holder.user is not None else ""
        target = own or committee
        if target:
            rows.append(
                CampaignNotice(
                    campaign=campaign, holder=holder, target=target[:1000], next_attempt_at=now
                )
            )
    CampaignNotice.objects.bulk_create(rows, ignore_conflicts=True)
    if rows:
        transaction.on_commit(lambda: enqueue("campaigns_notify"))
    return len(rows)


def notice_text(notice: CampaignNotice, codes: list[str]) -> tuple[str, str]:
    campaign, holder = notice.campaign, notice.holder
    zone = ZoneInfo(settings.CUSTOS_TIME_ZONE)
    deadline = campaign.deadline.astimezone(zone).strftime("%Y-%m-%d %H:%M %z")
    subject = (
        f"[Custos] 清退通知 return campaign #{campaign.id}: "
        f"{holder.name} ({holder.code}) {len(codes)} 件 carrier(s)"
    )
    body = "\n".join(
        [
            f"{holder.name}（{holder.code}）：保密委员会开展清退，请于 {deadline} 前将下列"
            f" {len(codes)} 件涉密载体交回收发室。",
            f"{holder.name} ({holder.code}): the secrecy committee calls back the {len(codes)}"
            f" carrier(s) below. Return them at the desk by {deadline}.",
            "",
            *codes,
            "",
            "本邮件不含载体标题。This mail never carries a carrier's title.",
        ]
    )
    return subject, body


def notices_send(*, limit: int = 200) -> dict[str, int]:
    """One sending pass over the due notices; returns how many went and how many failed."""
    ids = outbox_claim(CampaignNotice, now=timezone.now(), limit=limit)
    sent = failed = 0
    notices = CampaignNotice.objects.filter(id__in=ids).select_related("campaign", "holder")
    for notice in notices.order_by("id"):
        codes = list(
            CampaignCarrier.objects.filter(campaign=notice.campaign, holder=notice.holder)
            .order_by("carrier__code")
            .values_list("carrier__code", flat=True)
        )
        subject, body = notice_text(notice, codes)
        try:
            EmailMessage(
                subject=subject,
                body=body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=notice.target.split(","),
                headers={"Message-ID": f"<custos-campaign-notice-{notice.id}@custos>"},
                connection=get_connection(fail_silently=False, timeout=settings.EMAIL_TIMEOUT),
            ).send(fail_silently=False)
        except Exception as exc:  # any failure is retried after its backoff
            log.warning("campaign notice %s failed: %s", notice.id, exc)
            failed += 1
            CampaignNotice.objects.filter(id=notice.id, status=DeliveryStatus.PENDING).update(
                next_attempt_at=timezone.now() + backoff(notice.attempts),
                last_error=f"{type(exc).__name__}: {exc}"[:1000],
            )
        else:
            sent += 1
            CampaignNotice.objects.filter(id=notice.id).update(
                status=DeliveryStatus.SENT, sent_at=timezone.now(), last_error=""
            )
    return {"claimed": len(ids), "sent": sent, "failed": failed}
