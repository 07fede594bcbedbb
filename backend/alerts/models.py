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
        indexes = [models.Index(fields=["status", "kind"], name="alert_status_kind_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.carrier_id} ({self.status})"
