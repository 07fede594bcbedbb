"""The 定密 record: classification cases, every step of them, copy requests, undertakings.

A :class:`Case` is one round of the four-step procedure (拟定 → 审核 → 批准 → 记录) for one
carrier: its first classification, a change of level or period, or a declassification.
Its columns hold the proposal and, once decided, the decision with names, dates and
opinions — one row of the classification decision register. :class:`Step` rows are the
history, append-only, one per step, so an amended or referred case still shows what was
proposed, reviewed and decided, by whom and when. Sources: 国家秘密定密管理暂行规定
Art. 12-20; Reg Art. 17-24.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.db import models
from django.db.models import Q

from backend.registry.levels import Level
from backend.registry.marking import Period
from backend.registry.models import Carrier, Person
from backend.registry.states import Round


class CaseKind(models.TextChoices):
    INITIAL = "initial", "原始定密"
    CHANGE = "change", "密级/期限变更"
    DECLASSIFY = "declassify", "解密"
    COMPILATION = "compilation", "汇编定密"


# The round states themselves are registry.states.Round, which the lifecycle's 定密 rows
# use; this adds the label each has in the decision register.
CASE_STATE_ZH = {
    Round.PROPOSED: "拟定",
    Round.REVIEWED: "已审核",
    Round.REFERRED: "报上级定密",
    Round.APPROVED: "批准",
    Round.AMENDED: "修改后批准",
    Round.REJECTED: "不予批准",
}
# (name, (value, label)) pairs: see registry.models.Status for why mypy is told to ignore.
CaseState = models.TextChoices("CaseState", [(r.name, (r.value, CASE_STATE_ZH[r])) for r in Round])  # type: ignore[call-overload]  # as Status


OPEN_STATES = (CaseState.PROPOSED, CaseState.REVIEWED, CaseState.REFERRED)


class Case(models.Model):
    carrier = models.ForeignKey(Carrier, on_delete=models.PROTECT, related_name="cases")
    kind = models.CharField(max_length=16, choices=CaseKind.choices)
    state = models.CharField(max_length=16, choices=CaseState.choices, default="proposed")
    # The proposal (拟定), kept as proposed even when the decision amends it.
    level = models.CharField(max_length=16, choices=Level.choices)
    period_years = models.PositiveIntegerField(null=True, blank=True)
    period_months = models.PositiveIntegerField(null=True, blank=True)
    period_days = models.PositiveIntegerField(null=True, blank=True)
    period_until = models.DateField(null=True, blank=True)
    period_condition = models.CharField(max_length=200, blank=True, default="")
    basis = models.CharField(max_length=300, blank=True, default="")
    scope = models.JSONField(default=list, blank=True)  # badge codes
    proposed_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField()
    reason = models.TextField(blank=True, default="")
    # 审核
    reviewed_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_opinion = models.TextField(blank=True, default="")
    # 报请上级: who referred it and to whom
    referred_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    referred_at = models.DateTimeField(null=True, blank=True)
    referral_opinion = models.TextField(blank=True, default="")
    # 批准 / 修改 / 不予批准: the authority who decided (or, for a referred case, the
    # person who recorded the superior's decision, with the superior named in ``superior``).
    decided_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_opinion = models.TextField(blank=True, default="")
    superior = models.CharField(max_length=200, blank=True, default="")
    # 记录: the marking before and after, so the register shows the new beside the old.
    old_marking = models.CharField(max_length=100, blank=True, default="")
    new_marking = models.CharField(max_length=100, blank=True, default="")
    final_level = models.CharField(max_length=16, choices=Level.choices, blank=True, default="")
    final_basis = models.CharField(max_length=300, blank=True, default="")
    automatic = models.BooleanField(default=False)  # 自行解密 on the period's last day

    class Meta:
        constraints = [
            # One round at a time per carrier: a second proposal waits for the first.
            models.UniqueConstraint(
                fields=["carrier"],
                condition=Q(state__in=[s.value for s in OPEN_STATES]),
                name="one_open_case_per_carrier",
            ),
            models.CheckConstraint(
                condition=Q(state__in=CaseState.values), name="case_state_known"
            ),
        ]
        indexes = [models.Index(fields=["decided_at"], name="case_decided_at_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.carrier_id} ({self.state})"

    @property
    def period(self) -> Period:
        return Period(
            years=self.period_years,
            months=self.period_months,
            days=self.period_days,
            until=self.period_until,
            condition=self.period_condition or None,
        )


class StepKind(models.TextChoices):
    PROPOSE = "propose", "拟定"
    REVIEW = "review", "审核"
    APPROVE = "approve", "批准"
    AMEND = "amend", "修改后批准"
    REJECT = "reject", "不予批准"
    REFER = "refer", "报上级定密"
    AUTO = "auto_declassify", "自行解密"


class Step(models.Model):
    """One step of a case, append-only: the history the register cannot lose."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="steps")
    step = models.CharField(max_length=24, choices=StepKind.choices)
    actor = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField()
    opinion = models.TextField(blank=True, default="")
    values = models.JSONField(default=dict, blank=True)  # what this step set or changed

    def __str__(self) -> str:
        return f"{self.case_id} {self.step}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise RuntimeError("Classification steps are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise RuntimeError("Classification steps are append-only.")


class CopyKind(models.TextChoices):
    COPY = "copy", "复制"
    EXTRACT = "extract", "摘录"


class CopyState(models.TextChoices):
    PENDING = "pending", "待批准"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "不予批准"


class CopyRequest(models.Model):
    """复制、摘录: needs an approver; 绝密 only with the originator's consent recorded."""

    original = models.ForeignKey(Carrier, on_delete=models.PROTECT, related_name="copy_requests")
    kind = models.CharField(max_length=16, choices=CopyKind.choices)
    count = models.PositiveIntegerField()
    title = models.CharField(max_length=300, blank=True, default="")  # an extract's own title
    form = models.CharField(max_length=16)
    custodian = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey("registry.Location", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(blank=True, default="")
    requested_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    consent_by = models.CharField(max_length=200, blank=True, default="")  # 原定密机关
    consent_on = models.DateField(null=True, blank=True)
    consent_note = models.TextField(blank=True, default="")
    state = models.CharField(max_length=16, choices=CopyState.choices, default="pending")
    decided_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    opinion = models.TextField(blank=True, default="")

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(count__gte=1), name="copy_count_positive"),
            models.CheckConstraint(
                condition=Q(state__in=CopyState.values), name="copy_request_state_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} of {self.original_id} x{self.count}"


class UndertakingKind(models.TextChoices):
    ON_POST = "on_post", "上岗保密承诺书"
    ON_LEAVING = "on_leaving", "离岗保密承诺书"


class Undertaking(models.Model):
    """保密承诺书: signed on taking a classified post and on leaving it."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="undertakings")
    kind = models.CharField(max_length=16, choices=UndertakingKind.choices)
    signed_on = models.DateField()
    text = models.TextField(blank=True, default="")
    recorded_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.kind} {self.person_id} {self.signed_on}"


class LossReport(models.Model):
    """The written report of a loss (泄密事件报告), due within 24 hours (Reg Art. 61)."""

    carrier = models.ForeignKey(Carrier, on_delete=models.PROTECT, related_name="loss_reports")
    quantity = models.PositiveIntegerField(default=1)
    discovered_how = models.TextField()
    responsible = models.CharField(max_length=200)
    occurred_at = models.DateTimeField()
    place = models.CharField(max_length=200)
    circumstances = models.TextField()
    possible_harm = models.TextField()
    remedies = models.TextField()
    reported_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    reported_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"loss report {self.carrier_id}"
