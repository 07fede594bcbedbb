"""Inspections, their findings and the rectification each finding waits for (整改).

A finding is followed by the alert machinery, in three steps (``findings_sweep``):
1. ``REMIND_BEFORE`` ahead of its deadline, a reminder goes to the responsible person and
   the committee (``remind.reminder_send``); the row is its own outbox: claimed by moving
   ``remind_at`` forward by a lease (``backend.claims.due_claim``, as every outbox is),
   marked ``reminded_at`` once the mail went.
2. Once the deadline passed with the finding open, a ``finding_overdue`` case opens with
   its deliveries (``alerts.services.alerts_open``), dated from the deadline; reminders
   and escalation to the chair follow as for every case (``alerts.sweep``).
3. Closing the finding with its evidence resolves the case.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backend.alerts.models import AlertKind
from backend.alerts.services import Finding as Verdict
from backend.alerts.services import alert_end, alerts_open
from backend.claims import due_claim
from backend.errors import ServiceError
from backend.inspection import remind
from backend.inspection.models import (
    Attachment,
    Finding,
    FindingStatus,
    Inspection,
    InspectionKind,
)
from backend.registry.models import Person
from backend.registry.principals import Principal, require_role

log = logging.getLogger(__name__)

# The reminder before a rectification deadline (day 25 of a 30-day deadline).
REMIND_BEFORE = timedelta(days=5)
# How long a claimed reminder waits before another sender may try it again.
REMIND_LEASE = timedelta(minutes=10)
SWEEP_BATCH = 200

_COMMITTEE = gettext_lazy("Inspections and findings are recorded by the secrecy committee.")


def committee_check(principal: Principal) -> Person:
    """Refuse anyone but the committee (before any lookup, so a stranger learns nothing)."""
    require_role(principal, "committee", message=_COMMITTEE)
    assert principal.person is not None  # noqa: S101 - the committee role is a person's
    return principal.person


def id_check(finding_id: int) -> None:
    """An id no row can have (out of the column's range) is simply not found."""
    if not 0 < finding_id < 2**62:
        raise ServiceError(
            "not_found", _("There is no finding %(id)s.") % {"id": finding_id}, {"id": finding_id}
        )


@transaction.atomic
def inspection_record(*, principal: Principal, kind: str, held_on: date, by: str) -> Inspection:
    person = committee_check(principal)
    if kind not in InspectionKind.values:
        raise ServiceError(
            "invalid",
            _("An inspection is a self-inspection or one by the superior office."),
            {"field": "kind", "allowed": InspectionKind.values},
        )
    if not by.strip():
        raise ServiceError(
            "invalid", _("Say who inspected."), {"field": "by", "reason": "required"}
        )
    return Inspection.objects.create(
        kind=kind, held_on=held_on, by=by.strip(), recorded_by=person, recorded_at=timezone.now()
    )


@transaction.atomic
def finding_record(
    *,
    principal: Principal,
    title: str,
    responsible: Person,
    deadline: datetime,
    inspection_id: int | None = None,
) -> Finding:
    """A finding with its responsible person and rectification deadline; its reminder
    falls due ``REMIND_BEFORE`` ahead of the deadline."""
    person = committee_check(principal)
    now = timezone.now()
    if not title.strip():
        raise ServiceError(
            "invalid", _("A finding needs a title."), {"field": "title", "reason": "required"}
        )
    if timezone.is_naive(deadline):
        raise ServiceError(
            "invalid",
            _("Give the deadline with its time zone offset."),
            {"field": "deadline", "reason": "offset_required"},
        )
    if deadline <= now:
        raise ServiceError(
            "invalid",
            _("A rectification deadline lies in the future."),
            {"field": "deadline", "reason": "past"},
        )
    if not responsible.is_active_on(timezone.localdate(now)):
        raise ServiceError(
            "invalid",
            _("The responsible person is no longer active."),
            {"field": "responsible", "code": responsible.code},
        )
    inspection = None
    if inspection_id is not None:
        inspection = Inspection.objects.filter(id=inspection_id).first()
        if inspection is None:
            raise ServiceError(
                "not_found",
                _("There is no inspection %(id)s.") % {"id": inspection_id},
                {"inspection": inspection_id},
            )
    return Finding.objects.create(
        inspection=inspection,
        title=title.strip(),
        responsible=responsible,
        deadline=deadline,
        recorded_by=person,
        recorded_at=now,
        remind_at=deadline - REMIND_BEFORE,
    )


@transaction.atomic
def finding_close(
    *,
    principal: Principal,
    finding_id: int,
    evidence: str,
    attachment: Attachment | None = None,
) -> Finding:
    """Close with what was done; the ``finding_overdue`` case, if one opened, resolves.

    The committee closes a finding, or the person responsible for it."""
    finding = Finding.objects.select_for_update().filter(id=finding_id).first()
    if finding is None:
        raise ServiceError(
            "not_found", _("There is no finding %(id)s.") % {"id": finding_id}, {"id": finding_id}
        )
    person = principal.person
    if person is None or not (principal.is_committee or person.id == finding.responsible_id):
        raise ServiceError(
            "forbidden",
            _("A finding is closed by the committee or the person responsible for it."),
            {"roles": ["committee"]},
        )
    if finding.status == FindingStatus.CLOSED:
        raise ServiceError(
            "invalid_transition",
            _("This finding is closed already."),
            {"status": finding.status},
        )
    if not evidence.strip():
        raise ServiceError(
            "invalid",
            _("Say what was done to rectify the finding before closing it."),
            {"field": "evidence", "reason": "evidence_required"},
        )
    now = timezone.now()
    finding.status = FindingStatus.CLOSED
    finding.evidence = evidence.strip()
    finding.attachment = attachment
    finding.closed_at = now
    finding.closed_by = person
    finding.remind_at = None
    finding.save(
        update_fields=[
            "status",
            "evidence",
            "attachment",
            "closed_at",
            "closed_by",
            "remind_at",
        ]
    )
    if finding.alert_id is not None:
        alert_end(alert_id=finding.alert_id, at=now)
    return finding


def finding_list(*, status: str | None = None) -> QuerySet[Finding]:
    qs = Finding.objects.select_related("responsible", "inspection", "alert").order_by(
        "deadline", "id"
    )
    if status:
        if status not in FindingStatus.values:
            raise ServiceError(
                "invalid", _("Unknown finding status %(s)r.") % {"s": status}, {"field": "status"}
            )
        qs = qs.filter(status=status)
    return qs


@dataclass(slots=True)
class FindingSweep:
    reminded: int = 0
    failed: int = 0
    opened: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"reminded": self.reminded, "failed": self.failed, "opened": self.opened}


def _claim_reminders(now: datetime) -> list[int]:
    due = Finding.objects.filter(status=FindingStatus.OPEN, remind_at__lte=now, deadline__gt=now)
    return due_claim(
        due, order_by=("remind_at", "id"), limit=SWEEP_BATCH, remind_at=now + REMIND_LEASE
    )


def _open_overdue(now: datetime) -> int:
    opened = 0
    with transaction.atomic():
        due = Finding.objects.filter(
            status=FindingStatus.OPEN, alert__isnull=True, deadline__lte=now
        ).select_related("responsible")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True, of=("self",))
        for finding in due.order_by("deadline")[:SWEEP_BATCH]:
            # One finding, one case: the row lock and ``alert IS NULL`` make it once only
            # (a case has no carrier, so the alerts' unique index cannot decide).
            [alert_id] = alerts_open(
                findings=[
                    Verdict(
                        kind=AlertKind.FINDING_OVERDUE,
                        carrier_id=None,
                        opened_at=finding.deadline,
                        deadline=finding.deadline,
                        details={"finding": finding.id, "responsible": finding.responsible.code},
                    )
                ],
                now=now,
            )
            finding.alert_id = alert_id
            finding.remind_at = None  # the case's own reminders take over
            finding.save(update_fields=["alert", "remind_at"])
            opened += 1
    return opened


def findings_sweep(*, now: datetime | None = None) -> FindingSweep:
    """Send the reminders that are due, then open the cases of findings past their
    deadline (see the module docstring). Safe to run on several workers at once."""
    now = now or timezone.now()
    report = FindingSweep()
    for finding_id in _claim_reminders(now):
        finding = Finding.objects.select_related("responsible__user").get(id=finding_id)
        try:
            remind.reminder_send(finding=finding)
        except Exception as exc:  # retried when the lease runs out
            log.warning("finding %s: reminder not sent (%s)", finding_id, exc)
            report.failed += 1
            continue
        Finding.objects.filter(id=finding_id).update(reminded_at=timezone.now(), remind_at=None)
        report.reminded += 1
    report.opened = _open_overdue(now)
    return report


def _year_bounds(year: int) -> tuple[datetime, datetime]:
    zone = ZoneInfo(settings.CUSTOS_TIME_ZONE)
    return datetime(year, 1, 1, tzinfo=zone), datetime(year + 1, 1, 1, tzinfo=zone)


def findings_summary(year: int) -> dict[str, int]:
    """The findings recorded in ``year`` (the unit's calendar year): ``open`` and ``closed``
    now, and ``overdue`` — those that were or are open past their deadline."""
    start, end = _year_bounds(year)
    now = timezone.now()
    of_year = Finding.objects.filter(recorded_at__gte=start, recorded_at__lt=end)
    return {
        "open": of_year.filter(status=FindingStatus.OPEN).count(),
        "closed": of_year.filter(status=FindingStatus.CLOSED).count(),
        "overdue": of_year.filter(
            Q(status=FindingStatus.OPEN, deadline__lte=now)
            | Q(status=FindingStatus.CLOSED, closed_at__gt=F("deadline"))
        ).count(),
    }
