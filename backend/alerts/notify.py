"""Notification texts and the two outside channels: e-mail (a digest) and a signed webhook.

A notification names the carrier by its code, its level and the deadline that passed —
never its title, which can itself be a secret. Texts are Chinese first, English beside.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from backend.alerts.models import Alert, AlertKind
from backend.registry.levels import LEVEL_ZH

KIND_EN = {
    "overdue_return": "not returned in time",
    "overdue_repair": "not back from repair in time",
    "transit_overdue": "dispatched, not received in time",
    "custody_mismatch": "custody differs from the ledger",
    "destruction_overdue": "approved destruction not completed in time",
    "inventory_missing": "missing at inventory",
    "loss_report_due": "loss not reported within 24 hours (Reg Art. 61)",
    "period_expiring": "secrecy period ending: decide on extension or declassification",
    "holder_departing": "holder leaves the post while holding carriers",
    "ledger_broken": "custody ledger chain broken",
    "backup_failed": "backup failed, missing or not restorable",
    "meeting_unreturned": "meeting copy not collected when the meeting closed",
    "carry_out_overdue": "carried out of the unit and not back by the approved date",
    "campaign_overdue": "not returned by the return campaign's deadline",
    "finding_overdue": "inspection finding not rectified by its deadline",
}
KIND_ZH = dict(AlertKind.choices)
ROUND_TEXT = {"open": ("新告警", "new"), "reminder": ("提醒", "reminder")}
# Tolerance of a receiver for the webhook timestamp: older requests are replays.
WEBHOOK_TOLERANCE_SECONDS = 300


@dataclass(frozen=True, slots=True)
class Notice:
    """What one delivery says, without anything a reader outside the committee may not see."""

    delivery: int
    alert: int
    kind: str
    carrier: str | None
    level: str | None
    deadline: datetime | None
    opened_at: datetime
    status: str
    round: int
    escalation: bool = False
    # A case without a carrier names what it follows (an inspection finding's number).
    finding: int | None = None
    # Who holds it and which copy, where the case names them (a meeting copy not collected).
    detail: str = ""

    @classmethod
    def of(cls, *, delivery_id: int, alert: Alert, round: int, escalation: bool) -> Notice:
        carrier = alert.carrier
        return cls(
            delivery=delivery_id,
            alert=alert.id,
            kind=alert.kind,
            carrier=carrier.code if carrier else None,
            level=carrier.level if carrier else None,
            deadline=alert.deadline,
            opened_at=alert.opened_at,
            status=alert.status,
            round=round,
            escalation=escalation,
            finding=alert.details.get("finding") if carrier is None else None,
            detail=holder_and_copy(alert.details or {}),
        )

    def as_json(self) -> dict[str, object]:
        return {
            "delivery": self.delivery,
            "event": "alert.escalated"
            if self.escalation
            else ("alert.opened" if self.round == 0 else "alert.reminder"),
            "alert": {
                "id": self.alert,
                "kind": self.kind,
                "carrier": self.carrier,
                "level": self.level,
                "deadline": self.deadline.isoformat() if self.deadline else None,
                "opened_at": self.opened_at.isoformat(),
                "status": self.status,
                **({"finding": self.finding} if self.finding is not None else {}),
            },
            "round": self.round,
        }


def holder_and_copy(details: dict[str, object]) -> str:
    """The holder's badge and the copy number a case's details name, as a notice says them."""
    parts = []
    if details.get("holder"):
        parts.append(f"持有人 holder {details['holder']}")
    if details.get("copy_no"):
        parts.append(f"第{details['copy_no']}份 copy {details['copy_no']}")
    return " · ".join(parts)


def _local(moment: datetime | None) -> str:
    if moment is None:
        return "—"
    zone = ZoneInfo(settings.CUSTOS_TIME_ZONE)
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %z")


def notice_line(notice: Notice) -> str:
    """One line per case: kind in both languages, code, level, deadline, case number."""
    level = f"{LEVEL_ZH.get(notice.level or '', '—')} {notice.level or '-'}"
    what = "升级 escalated · " if notice.escalation else ""
    subject = f"载体 carrier {notice.carrier or '—'}"
    if notice.finding is not None:
        subject = f"整改事项 finding #{notice.finding}"
    if notice.round > 0 and not notice.escalation:
        what = f"第{notice.round}次提醒 reminder {notice.round} · "
    return (
        f"{what}{KIND_ZH.get(notice.kind, notice.kind)} {notice.kind} ({KIND_EN[notice.kind]})"
        f" · {subject} · 密级 level {level}"
        f" · 期限 deadline {_local(notice.deadline)} · 告警 case #{notice.alert}"
        + (f" · {notice.detail}" if notice.detail else "")
    )


def digest_text(notices: Sequence[Notice]) -> tuple[str, str]:
    """Subject and body of one e-mail covering every notice of one sending pass."""
    count = len(notices)
    escalated = any(n.escalation for n in notices)
    head = "【升级 ESCALATED】" if escalated else ""
    subject = f"{head}[Custos] 涉密载体告警 {count} 条 / {count} carrier alert(s)"
    body = "\n".join(
        [
            "保密委员会：以下涉密载体告警需要处理。请在系统中确认并跟进至解决。",
            "Secrecy committee: the alerts below need action. Acknowledge them in Custos and "
            "follow each to its end.",
            "",
            *(f"{i}. {notice_line(n)}" for i, n in enumerate(notices, 1)),
            "",
            "本邮件不含载体标题。This mail never carries a carrier's title.",
        ]
    )
    return subject, body


def send_digest(*, recipients: list[str], notices: Sequence[Notice]) -> None:
    """Send one e-mail for the notices; raises on any SMTP refusal so the caller retries.

    The Message-ID is derived from the delivery ids, so a resend of the very same digest
    (a sender that died after the server accepted it) is recognisable as a duplicate.
    """
    subject, body = digest_text(notices)
    ids = ",".join(str(n.delivery) for n in sorted(notices, key=lambda n: n.delivery))
    token = hashlib.sha256(ids.encode()).hexdigest()[:32]
    message = EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=recipients,
        headers={"Message-ID": f"<custos-{token}@custos>", "X-Custos-Deliveries": ids},
        connection=get_connection(fail_silently=False, timeout=settings.EMAIL_TIMEOUT),
    )
    message.send(fail_silently=False)


def webhook_signature(*, secret: str, timestamp: str, body: bytes) -> str:
    """``v1=`` + HMAC-SHA256 over ``timestamp.body``: the timestamp is signed with the body,
    so a captured request cannot be replayed later with a fresh timestamp."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "v1=" + mac.hexdigest()


def webhook_verify(
    *, secret: str, timestamp: str, body: bytes, signature: str, now: float | None = None
) -> bool:
    """What a receiver runs: the signature matches and the timestamp is recent."""
    try:
        age = abs((time.time() if now is None else now) - int(timestamp))
    except ValueError:
        return False
    expected = webhook_signature(secret=secret, timestamp=timestamp, body=body)
    return age <= WEBHOOK_TOLERANCE_SECONDS and hmac.compare_digest(expected, signature)


def send_webhook(*, url: str, notice: Notice) -> None:
    """POST one notice; anything but a 2xx raises so the caller retries."""
    body = json.dumps(notice.as_json(), ensure_ascii=False, sort_keys=True).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "X-Custos-Timestamp": timestamp,
        "X-Custos-Signature": webhook_signature(
            secret=settings.CUSTOS_WEBHOOK_SECRET, timestamp=timestamp, body=body
        ),
        # The receiver's idempotency key: the same delivery id never means a new event.
        "X-Custos-Delivery": str(notice.delivery),
    }
    response = httpx.post(url, content=body, headers=headers, timeout=10.0)
    response.raise_for_status()
