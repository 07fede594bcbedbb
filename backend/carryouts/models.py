"""外出携带: a request to carry carriers out of the unit, its decision, and each carrier's
way out and back in (the through rows, stamped by the ``carry_out`` / ``carry_in`` scans)."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q

from backend.registry.models import Carrier, Person


class CarryOutStatus(models.TextChoices):
    REQUESTED = "requested", "待审批"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "未批准"
    OUT = "out", "外出中"
    RETURNED = "returned", "已带回"
    CLOSED = "closed", "已结束"


class CarryOut(models.Model):
    requester = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField(max_length=300)
    destination = models.CharField(max_length=200)
    leaves_on = models.DateField()
    returns_on = models.DateField()
    status = models.CharField(
        max_length=16, choices=CarryOutStatus.choices, default=CarryOutStatus.REQUESTED
    )
    requested_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    opinion = models.CharField(max_length=500, blank=True, default="")
    decided_at = models.DateTimeField(null=True, blank=True)
    carriers: models.ManyToManyField[Carrier, CarryOutCarrier] = models.ManyToManyField(
        Carrier,
        through="CarryOutCarrier",
        through_fields=("carry_out", "carrier"),
        related_name="+",
    )
    people = models.ManyToManyField(Person, related_name="carry_outs")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(returns_on__gte=F("leaves_on")), name="carry_out_dates_ordered"
            ),
            models.CheckConstraint(
                condition=Q(status__in=CarryOutStatus.values), name="carry_out_status_known"
            ),
            # Reg: the approver is not the requester (CONTRACT.md ``/carry-outs/{id}/decision``).
            models.CheckConstraint(
                condition=~Q(decided_by=F("requester")), name="carry_out_not_self_approved"
            ),
        ]

    def __str__(self) -> str:
        return f"carry-out {self.id} ({self.status})"


class CarryOutCarrier(models.Model):
    carry_out = models.ForeignKey(CarryOut, on_delete=models.PROTECT, related_name="items")
    carrier = models.ForeignKey(Carrier, on_delete=models.PROTECT, related_name="+")
    # A storage medium installed in a device the request carries out: that device. It goes
    # out and comes back with it (custody.lifecycle.FOLLOWED), so the form shows it.
    with_host = models.ForeignKey(
        Carrier, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # On the request because it is installed in a device the requester named, not named
    # itself (the request's ``carriers`` are the named ones).
    implied = models.BooleanField(default=False)
    out_at = models.DateTimeField(null=True, blank=True)
    in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["carry_out", "carrier"], name="carry_out_carrier_once"),
            models.CheckConstraint(
                condition=Q(implied=False) | Q(with_host__isnull=False),
                name="carry_out_implied_with_host",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.carry_out_id}:{self.carrier_id}"
