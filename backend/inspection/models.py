"""Inspections and their findings (整改), and the self-inspection checklist (自查自评).

A finding is followed by the alert cases: a reminder before its rectification deadline,
a ``finding_overdue`` case once the deadline passed (``alert``), resolved when it closes.
An attachment (evidence of a rectification, the record of a training session) is kept in
the database beside the row it proves, so a backup holds it and nothing lives on disk.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from backend.alerts.models import Alert
from backend.registry.models import Person

MANUAL = "manual"


class Attachment(models.Model):
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100, default="application/octet-stream")
    data = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.name


class InspectionKind(models.TextChoices):
    SELF = "self", "自查"
    SUPERIOR = "superior", "上级检查"


class Inspection(models.Model):
    kind = models.CharField(max_length=16, choices=InspectionKind.choices)
    held_on = models.DateField()
    # Who inspected: the committee itself, or the superior office by name.
    by = models.CharField(max_length=200)
    recorded_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=InspectionKind.values), name="inspection_kind_known"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.held_on}"


class FindingStatus(models.TextChoices):
    OPEN = "open", "整改中"
    CLOSED = "closed", "已整改"


class Finding(models.Model):
    inspection = models.ForeignKey(
        Inspection, null=True, blank=True, on_delete=models.PROTECT, related_name="findings"
    )
    title = models.CharField(max_length=500)
    responsible = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    deadline = models.DateTimeField()
    status = models.CharField(
        max_length=16, choices=FindingStatus.choices, default=FindingStatus.OPEN
    )
    recorded_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()
    # The reminder before the deadline: due at ``remind_at``; a sender claims it by moving
    # ``remind_at`` forward by a lease, and marks ``reminded_at`` once the mail went.
    remind_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    # The ``finding_overdue`` case, once the deadline passed with the finding still open.
    alert = models.ForeignKey(Alert, null=True, blank=True, on_delete=models.PROTECT)
    evidence = models.TextField(blank=True, default="")
    attachment = models.ForeignKey(
        Attachment, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=FindingStatus.values), name="finding_status_known"
            ),
            # A closed finding says what was done.
            models.CheckConstraint(
                condition=Q(status="open") | (~Q(evidence="") & Q(closed_at__isnull=False)),
                name="finding_closed_with_evidence",
            ),
        ]
        indexes = [
            # The reminder query: ``WHERE status = 'open' AND remind_at <= now``.
            models.Index(
                fields=["remind_at"], name="finding_remind_at_idx", condition=Q(status="open")
            ),
            # The overdue query: ``WHERE status = 'open' AND alert IS NULL AND deadline <= now``.
            models.Index(
                fields=["deadline"],
                name="finding_overdue_idx",
                condition=Q(status="open", alert__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"finding {self.id} ({self.status})"


class Checklist(models.Model):
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.name


class Comparison(models.TextChoices):
    AT_LEAST = "at_least", "不少于"
    AT_MOST = "at_most", "不多于"
    # Equal to another figure (``of_evidence``): every destruction witnessed, every loss
    # reported in time.
    ALL_OF = "all_of", "全部"


# What the committee may change of an item (checklist.item_edit); a year already over
# keeps these as they stood (scoring.item_kept).
ITEM_EDITABLE = (
    "heading",
    "text",
    "evidence_text",
    "evidence",
    "comparison",
    "target",
    "of_evidence",
    "weight",
    "position",
)


class Item(models.Model):
    """One scored question. ``evidence`` names the figure that answers it
    (``evidence.FIGURE_KEYS``), or ``manual`` for what only people can answer; an
    automatic item scores its weight when the figure meets ``target`` (or, for ``all_of``,
    equals the figure ``of_evidence``)."""

    checklist = models.ForeignKey(Checklist, on_delete=models.PROTECT, related_name="items")
    position = models.PositiveIntegerField()
    heading = models.CharField(max_length=100)
    text = models.CharField(max_length=500)
    # What evidence answers it, in words (shown beside the answer).
    evidence_text = models.CharField(max_length=500, blank=True, default="")
    evidence = models.CharField(max_length=64, default=MANUAL)
    comparison = models.CharField(
        max_length=16, choices=Comparison.choices, default=Comparison.AT_LEAST
    )
    target = models.IntegerField(default=0)
    of_evidence = models.CharField(max_length=64, blank=True, default="")
    weight = models.DecimalField(max_digits=6, decimal_places=2)
    retired = models.BooleanField(default=False)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(weight__gte=0), name="item_weight_not_negative"),
            models.CheckConstraint(
                condition=Q(comparison__in=Comparison.values), name="item_comparison_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.heading}: {self.text}"


class SelfInspection(models.Model):
    year = models.PositiveIntegerField(unique=True)
    checklist = models.ForeignKey(Checklist, on_delete=models.PROTECT, related_name="+")
    started_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField()
    # The items as they stood when the committee first changed the checklist after this
    # year had ended (checklist.past_years_keep): a past year's checklist and score do not
    # move with next year's edits. Null while the year reads the checklist as it is.
    items_kept = models.JSONField(null=True, blank=True)

    def __str__(self) -> str:
        return f"self-inspection {self.year}"


class Answer(models.Model):
    """A manual item's answer: the value chosen, a note, the attachment that proves it and
    the score given (at most the item's weight)."""

    self_inspection = models.ForeignKey(
        SelfInspection, on_delete=models.PROTECT, related_name="answers"
    )
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    value = models.CharField(max_length=16)
    note = models.TextField(blank=True, default="")
    attachment = models.ForeignKey(
        Attachment, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    score = models.DecimalField(max_digits=6, decimal_places=2)
    answered_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["self_inspection", "item"], name="one_answer_per_item"),
            models.CheckConstraint(condition=Q(score__gte=0), name="answer_score_not_negative"),
        ]

    def __str__(self) -> str:
        return f"answer {self.item_id} = {self.value}"
