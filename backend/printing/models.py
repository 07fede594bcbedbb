"""Printed labels and bulk print jobs.

A carrier's first label carries the carrier's own code; a reprint gets a fresh code and
voids every label before it, the original code included (DESIGN.md: "a reprinted label
voids the one before it; a voided label is refused at scan"). The ledger keeps the
carrier's canonical code as its identity: ingest maps a label code to its carrier through
:func:`backend.printing.selectors.label_codes_resolve`.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from backend.registry.models import Carrier, Person


class PrintedLabel(models.Model):
    """One label code issued to a carrier, and the one print job that produced it.

    A code is printed once (``copies`` identical labels in one job); printing it again is
    a reprint, which issues a new code. A row with ``copies = 0`` and no ``printed_at``
    stands for a carrier's original code whose label left Custos as a download (the GET
    endpoints) rather than a recorded print: it exists so that the reprint can void it.
    """

    code = models.CharField(max_length=24, unique=True)  # ingest looks scans up by it
    carrier = models.ForeignKey(Carrier, on_delete=models.PROTECT, related_name="labels")
    copies = models.PositiveIntegerField()
    printer = models.CharField(max_length=100, blank=True, default="")
    printed_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    printed_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    replaces = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        db_table = "printing_label"
        constraints = [
            # A carrier has at most one label that scans: the reprint voids the others in
            # the same transaction that issues the new code.
            models.UniqueConstraint(
                fields=["carrier"],
                condition=Q(voided_at__isnull=True),
                name="printed_label_one_current_per_carrier",
            ),
            models.CheckConstraint(
                condition=Q(copies=0, printed_at__isnull=True)
                | Q(copies__gte=1, printed_at__isnull=False),
                name="printed_label_copies_match_print",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} → {self.carrier_id}"


class BulkStatus(models.TextChoices):
    QUEUED = "queued", "排队"
    RUNNING = "running", "打印中"
    DONE = "done", "完成"
    FAILED = "failed", "失败"


class BulkPrint(models.Model):
    """A background print of many labels; the task updates ``done`` as it goes."""

    requested_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    printer = models.CharField(max_length=100)
    copies = models.PositiveIntegerField(default=1)
    codes = models.JSONField(default=list)  # carrier codes, in print order
    total = models.PositiveIntegerField()
    done = models.PositiveIntegerField(default=0)
    failed = models.JSONField(default=list)  # [{code, error, message}]
    status = models.CharField(max_length=16, choices=BulkStatus.choices, default=BulkStatus.QUEUED)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "printing_bulk"
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=BulkStatus.values), name="bulk_print_status_known"
            ),
            models.CheckConstraint(
                condition=Q(done__lte=models.F("total")), name="bulk_done_le_total"
            ),
        ]

    def __str__(self) -> str:
        return f"bulk print {self.pk}: {self.done}/{self.total}"


class BadgeKind(models.TextChoices):
    BADGE = "badge", "胸卡"
    PLATE = "plate", "标牌"


class BadgePrint(models.Model):
    """One print job of a person's badge or a location's plate.

    Badges and plates have no custody chain to append to, so each print is a row here
    (who, when, which printer, how many copies) — the record a carrier print keeps as its
    ``label_printed`` event. A badge or plate carries its owner's permanent code, so a
    reprint voids nothing: a lost badge is handled by deactivating the person.
    """

    kind = models.CharField(max_length=8, choices=BadgeKind.choices)
    code = models.CharField(max_length=24, db_index=True)  # the P… or L… code printed
    copies = models.PositiveIntegerField()
    printer = models.CharField(max_length=100)
    printed_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    printed_at = models.DateTimeField()

    class Meta:
        db_table = "printing_badge"
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=BadgeKind.values), name="badge_print_kind_known"
            ),
            models.CheckConstraint(condition=Q(copies__gte=1), name="badge_print_copies_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.code} ×{self.copies}"
