"""The reminder before a finding's rectification deadline: one e-mail to the committee and
to the responsible person (their account's address, where they have one).

Like every notification it names the finding by number and never quotes its title, which
can describe a weakness; Chinese first, English beside (as backend/alerts/notify.py).
"""

from __future__ import annotations

import hashlib
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from backend.inspection.models import Finding


def reminder_recipients(finding: Finding) -> list[str]:
    to = list(settings.CUSTOS_ALERT_EMAILS)
    user = finding.responsible.user
    if user is not None and user.email and user.email not in to:
        to.append(user.email)
    return to


def reminder_text(finding: Finding) -> tuple[str, str]:
    zone = ZoneInfo(settings.CUSTOS_TIME_ZONE)
    deadline = finding.deadline.astimezone(zone).strftime("%Y-%m-%d %H:%M %z")
    who = f"{finding.responsible.name} ({finding.responsible.code})"
    subject = (
        f"[Custos] 整改期限将至 整改事项 #{finding.id} / "
        f"finding #{finding.id}: rectification deadline approaching"
    )
    body = "\n".join(
        [
            f"整改事项 #{finding.id} 的整改期限为 {deadline}，责任人 {who}。"
            "请在期限前完成整改，并在系统中附整改材料后关闭。",
            f"Finding #{finding.id} must be rectified by {deadline}; responsible: {who}. "
            "Close it in Custos with the evidence of what was done before the deadline.",
            "",
            "本邮件不含整改事项的标题。This mail never carries a finding's title.",
        ]
    )
    return subject, body


def reminder_send(*, finding: Finding) -> None:
    """Send the reminder; raises on any refusal so the sweep tries again after its lease.
    The Message-ID is the finding's, so a resent reminder is recognisably the same."""
    recipients = reminder_recipients(finding)
    if not recipients:
        return  # nobody to tell: nothing configured
    subject, body = reminder_text(finding)
    token = hashlib.sha256(f"finding-{finding.id}-reminder".encode()).hexdigest()[:32]
    EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=recipients,
        headers={"Message-ID": f"<custos-{token}@custos>", "X-Custos-Finding": str(finding.id)},
        connection=get_connection(fail_silently=False, timeout=settings.EMAIL_TIMEOUT),
    ).send(fail_silently=False)
