"""Alerts are cases: one open case per (kind, carrier), followed until it is resolved."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from backend.registry.models import Carrier, Person


class AlertKind(models.TextChoices):
    OVERDUE_RETURN = "overdue_return", "逾期未归还"
    OVERDUE_REPAIR = "overdue_repair", "维修逾期"
    TRANSIT_OVERDUE = "transit_overdue", "传递未签收"
    CUSTODY_MISMATCH = "custody_mismatch", "保管不符"
    DESTRUCTION_OVERDUE = "destruction_overdue", "销毁逾期"
    INVENTORY_MISSING = "inventory_missing", "清查缺失"
    LOSS_REPORT_DUE = "loss_report_due", "遗失未上报"
    PERIOD_EXPIRING = "period_expiring", "保密期限将届满"
    HOLDER_DEPARTING = "holder_departing", "持有人离岗"
    LEDGER_BROKEN = "ledger_broken", "台账链断裂"
    BACKUP_FAILED = "backup_failed", "备份失败"
    MEETING_UNRETURNED = "meeting_unreturned", "会议文件未收回"
    CARRY_OUT_OVERDUE = "carry_out_overdue", "携带外出逾期未归"
    CAMPAIGN_OVERDUE = "campaign_overdue", "清退逾期"
    FINDING_OVERDUE = "finding_overdue", "整改逾期"


class AlertStatus(models.TextChoices):
    OPEN = "open", "未处理"
    ACKNOWLEDGED = "acknowledged", "已确认"
    RESOLVED = "resolved", "已解决"


class Alert(models.Model):
    kind = models.CharField(max_length=32, choices=AlertKind.choices)
    carrier = models.ForeignKey(Carrier, null=True, blank=True, on_delete=models.PROTECT)
    status = models.CharField(max_length=16, choices=AlertStatus.choices, default="open")
    # When the condition began (the deadline that passed, the scan that showed the gap),
    # not when a worker noticed it.
    opened_at = models.DateTimeField()
    details = models.JSONField(default=dict, blank=True)
    acknowledged_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    ack_note = models.TextField(blank=True, default="")
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The deadline that passed (the carrier's due_at when the sweep claimed it): what the
    # notifications quote. Null for cases without a deadline (a mismatch at a scan).
    deadline = models.DateTimeField(null=True, blank=True)
    # While the case is unresolved: when the next reminder goes out and how many went.
    remind_at = models.DateTimeField(null=True, blank=True)
    reminders = models.PositiveIntegerField(default=0)
    # When an unacknowledged case goes to the committee chair; null once it has.
    escalate_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "carrier"],
                condition=~Q(status="resolved"),
                name="one_open_alert_per_kind_and_carrier",
            ),
            models.CheckConstraint(
                condition=Q(status__in=AlertStatus.values), name="alert_status_known"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "kind"], name="alert_status_kind_idx"),
            # The sweep's reminder query: ``WHERE remind_at <= now`` over unresolved cases.
            models.Index(
                fields=["remind_at"], name="alert_remind_at_idx", condition=~Q(status="resolved")
            ),
            # The sweep's escalation query: ``WHERE escalate_at <= now AND status = 'open'``.
            models.Index(
                fields=["escalate_at"], name="alert_escalate_at_idx", condition=Q(status="open")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.carrier_id} ({self.status})"


class Channel(models.TextChoices):
    EMAIL = "email", "电子邮件 e-mail"
    WEBHOOK = "webhook", "Webhook"
    CHAIR = "chair", "保密委主任 committee chair"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "待发送"
    SENT = "sent", "已发送"


class OutboxRow(models.Model):
    """The sending state every outbox row keeps (claimed by ``outbox.outbox_claim``, then
    marked sent or given a backoff): an alert's deliveries and a statement's here, and the
    outboxes of the apps above (a return campaign's notices to its holders)."""

    status = models.CharField(
        max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error = models.TextField(blank=True, default="")
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class Delivery(OutboxRow):
    """One notification of one alert on one channel: the transactional outbox.

    Written in the transaction that opens the alert (or claims its reminder), so a
    committed alert always has its deliveries and a rolled-back one never has. A sender
    claims a row by moving ``next_attempt_at`` forward by a lease (a conditional update),
    sends, then marks it sent; a sender that dies leaves the row to be claimed again when
    the lease runs out. ``round`` 0 is the opening notice, n the n-th reminder: a retry of
    the same round can never create a second row.
    """

    alert = models.ForeignKey(Alert, on_delete=models.PROTECT, related_name="deliveries")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    round = models.PositiveIntegerField(default=0)
    # Where it goes (addresses, comma separated, or the webhook URL), fixed when written so
    # a sender on another machine needs no copy of the recipient settings.
    target = models.CharField(max_length=1000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["alert", "channel", "round"], name="one_delivery_per_alert_channel_round"
            ),
            models.CheckConstraint(
                condition=Q(status__in=DeliveryStatus.values), name="delivery_status_known"
            ),
        ]
        indexes = [
            # The sender's query: ``WHERE status = 'pending' AND next_attempt_at <= now``.
            models.Index(
                fields=["next_attempt_at"],
                name="delivery_due_idx",
                condition=Q(status="pending"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} #{self.alert_id}/{self.round} ({self.status})"


class StatementDelivery(OutboxRow):
    """One signed checkpoint statement on its way out: the outbox of publishing.

    Written by the ``checkpoint_signed`` hook in the checkpoint's own transaction; sent by
    the same sender passes as the alerts (backend/alerts/publish.py), retried until it
    succeeds. ``channel`` is ``email`` (the committee), ``webhook`` or ``office`` (the
    supervising office's URL).
    """

    checkpoint = models.ForeignKey(
        "custody.SignedCheckpoint", on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(max_length=16)
    target = models.CharField(max_length=1000)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["checkpoint", "channel"], name="one_statement_delivery_per_channel"
            ),
        ]
        indexes = [
            # The sender's query: ``WHERE status = 'pending' AND next_attempt_at <= now``.
            models.Index(
                fields=["next_attempt_at"],
                name="statement_delivery_due_idx",
                condition=Q(status="pending"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} checkpoint {self.checkpoint_id} ({self.status})"
