"""A register export run in the background for the pages, with its progress.

The API streams a register in the request (``GET /registers/{name}.xlsx|.pdf``); a page
cannot wait minutes for 100,000 rows, so it queues one of these on the worker's ``slow``
queue, polls ``done`` of ``total`` and downloads the file once it is written under the
var dir. Only the person who asked for it may download it: the file holds what their
need-to-know let them see, which is not what someone else may.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from backend.registry.models import Carrier, Location, Person

REGISTER_NAMES = (
    "carriers",
    "classifications",
    "lending",
    "destruction",
    "media",
    "computers",
    "carry-outs",
    "meetings",
    "campaigns",
)
FORMATS = ("xlsx", "pdf")


class ExportStatus(models.TextChoices):
    QUEUED = "queued", "排队"
    RUNNING = "running", "导出中"
    DONE = "done", "完成"
    FAILED = "failed", "失败"


class RegisterExport(models.Model):
    requested_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=16)
    fmt = models.CharField(max_length=8)
    # The filters as the API takes them (``from``, ``to``, ``level``, ``status``), strings.
    filters = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=16, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    # Counted when the run starts; rows registered meanwhile may still join the export
    # (keyset reading), so the run sets ``total`` to the rows written when it finishes.
    total = models.PositiveIntegerField(null=True, blank=True)
    done = models.PositiveIntegerField(default=0)
    title = models.CharField(max_length=100, blank=True, default="")
    # Relative to the var dir; empty until the file is complete.
    file = models.CharField(max_length=200, blank=True, default="")
    size = models.BigIntegerField(null=True, blank=True)
    error_code = models.CharField(max_length=40, blank=True, default="")
    error = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "registers_export"
        indexes = [
            # The page lists a person's latest exports.
            models.Index(fields=["requested_by", "-created_at"], name="register_export_mine_idx")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ExportStatus.values), name="register_export_status_known"
            ),
            models.CheckConstraint(
                condition=Q(name__in=REGISTER_NAMES), name="register_export_name_known"
            ),
            models.CheckConstraint(condition=Q(fmt__in=FORMATS), name="register_export_fmt_known"),
            models.CheckConstraint(
                condition=~Q(status="done") | ~Q(file=""), name="register_export_done_has_file"
            ),
        ]

    def __str__(self) -> str:
        return f"register export {self.pk}: {self.name}.{self.fmt} {self.done}/{self.total}"


class DestructionBatch(models.Model):
    """A batch of scrapped media sent together to the destruction body (销毁机构).

    Media approved for destruction collect at a "to destroy" holding place; the batch lists
    them on a manifest (PDF and XLSX) that travels with them, and closes with the
    destruction body's receipt and two witnesses' scans, which record ``destroy_witness``
    and ``destroy`` for every carrier in it (backend/registers/batches.py).
    """

    body = models.CharField(max_length=200)  # the destruction body's name
    location = models.ForeignKey(Location, on_delete=models.PROTECT)  # the holding place
    carriers = models.ManyToManyField(Carrier, related_name="destruction_batches")
    opened_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    receipt = models.CharField(max_length=200, blank=True, default="")  # the body's 回执 no.
    witnesses = models.JSONField(default=list, blank=True)  # badge codes

    class Meta:
        db_table = "registers_destruction_batch"

    def __str__(self) -> str:
        return f"batch {self.pk} → {self.body}"
