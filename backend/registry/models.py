"""People, locations, scanner devices, API tokens and carriers.

Codes are random (``labels.codes.generate``) and carry their own check character; nothing
here derives a code from a primary key. Rows the ledger points at are never deleted
(``on_delete=PROTECT``).
"""

from __future__ import annotations

from datetime import date, datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from backend.registry.levels import Clearance, Form, Grade, Level, LocationKind
from backend.registry.marking import Period, marking
from backend.registry.states import State

# Statuses whose ``due_at`` is a deadline the carrier can miss (not a review date).
OVERDUE_STATUSES = (
    "in_use",
    "in_transit",
    "in_repair",
    "off_site",
    "pending_destruction",
    "lost",
)


class Person(models.Model):
    code = models.CharField(max_length=24, unique=True)
    name = models.CharField(max_length=100)
    clearance = models.CharField(max_length=16, choices=Clearance.choices, default=Clearance.NONE)
    # Stored as ",clerk,witness," so that a role can be found with one indexed-free
    # ``contains`` on SQLite and PostgreSQL alike (JSON containment is not portable).
    roles_text = models.CharField(max_length=200, default=",")
    active = models.BooleanField(default=True)
    departs_on = models.DateField(null=True, blank=True)
    decontrol_months = models.PositiveIntegerField(null=True, blank=True)
    # 涉密人员 core / important / general; blank for people in no classified post.
    grade = models.CharField(max_length=16, choices=Grade.choices, blank=True, default="")
    # 定密权限: the highest level this classification authority may decide. Blank means
    # none — an approver without a recorded authority can review but not approve.
    authority = models.CharField(max_length=16, choices=Level.choices, blank=True, default="")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(clearance__in=Clearance.values), name="person_clearance_known"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def roles(self) -> list[str]:
        return [r for r in self.roles_text.split(",") if r]

    @roles.setter
    def roles(self, values: list[str]) -> None:
        self.roles_text = "," + "".join(f"{r}," for r in sorted(set(values)))

    def has_role(self, role: str) -> bool:
        return f",{role}," in self.roles_text

    def is_active_on(self, day: date) -> bool:
        return self.active and (self.departs_on is None or self.departs_on > day)


class Location(models.Model):
    code = models.CharField(max_length=24, unique=True)
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=16, choices=LocationKind.choices)
    keeper = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Device(models.Model):
    """A desk scanner station; its token may record scans at its own location only."""

    name = models.CharField(max_length=100, unique=True)
    location = models.ForeignKey(Location, on_delete=models.PROTECT)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Token(models.Model):
    """A bearer token, stored as a lookup prefix and a SHA-256 digest of the secret."""

    prefix = models.CharField(max_length=16, unique=True)
    digest = models.CharField(max_length=64)
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT)
    device = models.ForeignKey(Device, null=True, blank=True, on_delete=models.PROTECT)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(person__isnull=False) & Q(device__isnull=True))
                | (Q(person__isnull=True) & Q(device__isnull=False)),
                name="token_has_one_holder",
            )
        ]

    def __str__(self) -> str:
        return f"token {self.prefix}"


# The states themselves are registry.states.State (the lifecycle's, without Django); this
# only adds the Chinese label each has — the same words as the pages (backend/desk/words.py
# STATUSES in zh_Hans), so registers, reports and pages name a state alike
# (tests/desk/test_vocabulary.py).
STATUS_ZH = {
    State.DRAFT: "拟定中",
    # 先行采取保密措施: the unit lacks the authority and referred the decision upward; the
    # carrier is protected as the proposed level until the superior decides.
    State.REFERRED: "已报上级",
    State.REGISTERED: "已登记",
    State.IN_STORAGE: "保存",
    State.IN_USE: "借阅中",
    State.IN_TRANSIT: "传递中",
    State.IN_REPAIR: "维修中",
    State.OFF_SITE: "携带外出",
    State.PENDING_DESTRUCTION: "待销毁",
    State.DESTROYED: "已销毁",
    State.LOST: "遗失",
}
# The functional API takes (name, (value, label)) pairs; django-stubs knows only its
# (name, value) form.
Status = models.TextChoices("Status", [(s.name, (s.value, STATUS_ZH[s])) for s in State])  # type: ignore[call-overload]  # see above


class Carrier(models.Model):
    code = models.CharField(max_length=24, unique=True)
    title = models.CharField(max_length=300)
    form = models.CharField(max_length=16, choices=Form.choices)
    level = models.CharField(max_length=16, choices=Level.choices)
    period_years = models.PositiveIntegerField(null=True, blank=True)
    period_months = models.PositiveIntegerField(null=True, blank=True)
    period_days = models.PositiveIntegerField(null=True, blank=True)
    period_until = models.DateField(null=True, blank=True)
    period_condition = models.CharField(max_length=200, blank=True, default="")
    basis = models.CharField(max_length=300, blank=True, default="")
    scope = models.ManyToManyField(Person, blank=True, related_name="scoped_carriers")
    copy_no = models.PositiveIntegerField(null=True, blank=True)
    copies_total = models.PositiveIntegerField(null=True, blank=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT)
    unit = models.CharField(max_length=16)
    issued_on = models.DateField()
    registered_by = models.ForeignKey(
        Person, null=True, on_delete=models.PROTECT, related_name="registered_carriers"
    )

    # Current state, kept by the ledger's ingest in the same locked transaction as the event.
    status = models.CharField(max_length=24, choices=Status.choices)
    custodian = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="held_carriers")
    location = models.ForeignKey(Location, on_delete=models.PROTECT)
    due_at = models.DateTimeField(null=True, blank=True)
    # The sweep's own next look at a carrier whose ``due_at`` passed and whose case is
    # open: apart from ``due_at`` so the deadline the pages, registers and API show stays
    # the one recorded, overdue since then until the carrier comes back. Cleared when a
    # scan follows up the case (``alerts_follow_up``).
    recheck_at = models.DateTimeField(null=True, blank=True)
    destroy_requested_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    destroy_approved_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    witnesses = models.JSONField(default=list, blank=True)  # badge codes, this destruction
    # 解密: the day it was declassified (by decision or 自行解密); the marking history is kept
    # in the classification app, the carrier stays in the ledger.
    declassified_on = models.DateField(null=True, blank=True)
    # The day the secrecy period ends (issue date + period, or the end date); null for a
    # declassification condition. A column so the daily 自行解密 sweep reads an index.
    period_ends_on = models.DateField(null=True, blank=True)
    # The chain head: the last event's seq and hash. Verify compares it with the events, so
    # a deleted tail shows even when the checkpoint is older than the deletion.
    seq = models.PositiveIntegerField(default=0)
    head_hash = models.CharField(max_length=64, default="0" * 64)
    last_occurred_at = models.DateTimeField(null=True, blank=True)  # to mark late scans
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(level__in=Level.values), name="carrier_level_known"),
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="carrier_status_known"
            ),
        ]
        indexes = [
            # The sweep's query: ``WHERE due_at <= now`` over carriers that have a deadline.
            # Partial, so its size follows what has a deadline, not the number of carriers.
            models.Index(
                fields=["due_at"], name="carrier_due_at_idx", condition=Q(due_at__isnull=False)
            ),
            # The sweep's two claims: deadlines never looked at (``due_at <= now AND
            # recheck_at IS NULL``) and re-checks come due (``recheck_at <= now``); the
            # overdue carriers already judged stay out of both until their re-check.
            models.Index(
                fields=["due_at"],
                name="carrier_due_unchecked_idx",
                condition=Q(due_at__isnull=False, recheck_at__isnull=True),
            ),
            models.Index(
                fields=["recheck_at"],
                name="carrier_recheck_at_idx",
                condition=Q(recheck_at__isnull=False),
            ),
            models.Index(fields=["status", "level"], name="carrier_status_level_idx"),
            # The 自行解密 sweep: ``WHERE period_ends_on <= today + notice AND declassified_on
            # IS NULL``; partial, so declassified carriers drop out of it.
            models.Index(
                fields=["period_ends_on"],
                name="carrier_period_ends_idx",
                condition=Q(period_ends_on__isnull=False, declassified_on__isnull=True),
            ),
            models.Index(fields=["custodian", "status"], name="carrier_custodian_idx"),
        ]

    def __str__(self) -> str:
        return self.code

    def is_overdue(self, now: datetime | None = None) -> bool:
        """Past a deadline it can miss, since ``due_at`` (the one recorded), until a scan
        moves it on; ``recheck_at`` (the sweep's next look) plays no part."""
        return (
            self.status in OVERDUE_STATUSES
            and self.due_at is not None
            and self.due_at <= (now or timezone.now())
        )

    @property
    def period(self) -> Period:
        return Period(
            years=self.period_years,
            months=self.period_months,
            days=self.period_days,
            until=self.period_until,
            condition=self.period_condition or None,
        )

    @property
    def marking(self) -> str:
        return marking(self.level, self.period)


# Defined in its own module (storage media and devices); imported so Django registers it.
from backend.registry.media import Medium  # noqa: E402, F401
