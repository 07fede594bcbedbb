"""自行解密: a secrecy period that ends declassifies its carrier on the day, by itself.

Source: 保密法 Art. 19 / Reg Art. 24 — a state secret whose period ends without a decision
to extend it is declassified automatically (自行解密). The approver had notice: the daily
``period_expiring`` detector (backend.alerts.detectors) opens a case
``CUSTOS_PERIOD_WARN_DAYS`` before the end, and an extension is an ordinary ``change``
round that moves ``Carrier.period_ends_on`` forward, after which this service no longer
sees the carrier.

What a declassification writes, like a decided ``declassify`` round:

- a :class:`Case` of kind ``declassify``, state ``approved``, ``automatic=True``, with the
  old marking beside the new one (``已解密``) — a row of the decision register, so the
  marking history is kept;
- its ``auto_declassify`` :class:`Step` (no actor: nobody decided it, the period ended);
- a ``declassify`` event on the carrier's ledger chain (payload ``automatic: true``), so
  ``custos verify`` covers it. The ledger needs an actor; it is the classification
  authority whose decision set the period (定密责任人), or, for a carrier classified
  before the procedure existed, the person who registered it — the people answerable
  for the period that ended;
- ``Carrier.declassified_on``; level, period and basis stay as they were (the register
  prints ``10年（已于2035-01-01解密）``).

A carrier with a classification round still open (an extension being decided) is held
back, not declassified: the round's decision settles it, and if the round ends without an
extension the next daily run declassifies it. The ``period_expiring`` case stays open
meanwhile, so the hold is visible.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from backend.classification.models import OPEN_STATES, Case, CaseKind, CaseState, Step, StepKind
from backend.classification.services import ledger_note
from backend.custody.lifecycle import medium_keeps_its_level
from backend.custody.locks import carrier_lock
from backend.custody.models import CustodyEvent
from backend.registry.media_services import is_medium
from backend.registry.models import Carrier, Person, Status

log = logging.getLogger(__name__)

# Not classified yet (draft, referred) or gone (destroyed: its chain is closed).
_NOT_DECLASSIFIED = (Status.DRAFT, Status.REFERRED, Status.DESTROYED)
OPINION = "保密期限届满，自行解密。The secrecy period ended; declassified automatically."


@dataclass(slots=True)
class DeclassifyReport:
    declassified: list[str] = field(default_factory=list)  # carrier codes
    held: list[str] = field(default_factory=list)  # a round open: decided first
    # Storage media: a medium keeps the highest level it has held (issue 15's high-water
    # rule, lifecycle.medium_keeps_its_level); its period ending declassifies nothing.
    kept: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "declassified": len(self.declassified),
            "held": self.held,
            "kept": self.kept,
            "failed": self.failed,
        }


def carriers_declassify_due(*, today: date | None = None) -> DeclassifyReport:
    """Declassify every carrier whose secrecy period ended on or before ``today``.

    1. One indexed read of the candidates (``carrier_period_ends_idx``: ends on or before
       today, not declassified).
    2. Each carrier in its own transaction, row locked and re-checked, so a run that
       overlaps another (two beats, a retried task) declassifies each carrier once, and
       one carrier that fails does not stop the rest.
    """
    # The unit's calendar day, not UTC's: the beat fires just after midnight in
    # CUSTOS_TIME_ZONE, when it is still the day before in UTC.
    today = today or timezone.localdate(timezone=ZoneInfo(settings.CUSTOS_TIME_ZONE))
    report = DeclassifyReport()
    ids = list(
        Carrier.objects.filter(
            period_ends_on__isnull=False,
            declassified_on__isnull=True,
            period_ends_on__lte=today,
        )
        .exclude(status__in=_NOT_DECLASSIFIED)
        .order_by("period_ends_on", "id")
        .values_list("id", flat=True)
    )
    for carrier_id in ids:
        try:
            outcome, code = carrier_declassify_expired(carrier_id=carrier_id, today=today)
        except Exception:  # one bad row must not stop the day's declassifications
            log.exception("automatic declassification of carrier %s failed", carrier_id)
            report.failed.append(str(carrier_id))
            continue
        if outcome == "declassified":
            report.declassified.append(code)
        elif outcome == "held":
            report.held.append(code)
        elif outcome == "kept":
            report.kept.append(code)
    return report


@transaction.atomic
def carrier_declassify_expired(*, carrier_id: int, today: date) -> tuple[str, str]:
    """Declassify one carrier whose period ended; returns (outcome, code).

    ``outcome`` is ``declassified``, ``held`` (a round is open), ``kept`` (a storage medium:
    never declassified) or ``skipped`` (another run got there first, or the period was
    extended meanwhile).
    """
    carrier = carrier_lock(id=carrier_id)
    if carrier is None:
        raise Carrier.DoesNotExist(carrier_id)
    if (
        carrier.declassified_on is not None
        or carrier.period_ends_on is None
        or carrier.period_ends_on > today
        or carrier.status in _NOT_DECLASSIFIED
    ):
        return "skipped", carrier.code
    if medium_keeps_its_level(kind=CaseKind.DECLASSIFY, medium=is_medium(carrier)):
        return "kept", carrier.code
    if Case.objects.filter(carrier=carrier, state__in=[s.value for s in OPEN_STATES]).exists():
        return "held", carrier.code
    now = timezone.now()
    answerable = _answerable(carrier)
    old = carrier.marking
    case = Case.objects.create(
        carrier=carrier,
        kind=CaseKind.DECLASSIFY,
        state=CaseState.APPROVED,
        level=carrier.level,
        period_years=carrier.period_years,
        period_months=carrier.period_months,
        period_days=carrier.period_days,
        period_until=carrier.period_until,
        period_condition=carrier.period_condition,
        basis=carrier.basis,
        scope=sorted(p.code for p in carrier.scope.all()),
        proposed_by=answerable,
        proposed_at=now,
        reason=f"保密期限于{carrier.period_ends_on.isoformat()}届满",
        decided_at=now,
        decision_opinion=OPINION,
        old_marking=old,
        new_marking="已解密",
        final_level=carrier.level,
        final_basis=carrier.basis,
        automatic=True,
    )
    Step.objects.create(
        case=case,
        step=StepKind.AUTO,
        actor=None,
        at=now,
        opinion=OPINION,
        values={"period_ends": carrier.period_ends_on.isoformat(), "marking": "已解密"},
    )
    carrier.declassified_on = today
    ledger_note(
        carrier=carrier,
        actor=answerable,
        action="declassify",
        payload={
            "kind": CaseKind.DECLASSIFY.value,
            "automatic": True,
            "period_ends": carrier.period_ends_on.isoformat(),
            "marking": "已解密",
            "old_marking": old,
        },
        now=now,
    )
    carrier.save(
        update_fields=["declassified_on", "seq", "head_hash", "last_occurred_at", "updated_at"]
    )
    return "declassified", carrier.code


def _answerable(carrier: Carrier) -> Person:
    """The authority whose decision set the period, else the carrier's registrar."""
    decided = (
        Case.objects.filter(
            carrier=carrier,
            state__in=[CaseState.APPROVED, CaseState.AMENDED],
            decided_by__isnull=False,
        )
        .exclude(kind=CaseKind.DECLASSIFY)
        .order_by("-decided_at", "-id")
        .select_related("decided_by")
        .first()
    )
    if decided is not None and decided.decided_by is not None:
        return decided.decided_by
    first = (
        CustodyEvent.objects.filter(carrier=carrier).order_by("seq").select_related("actor").first()
    )
    if first is not None:
        return first.actor
    return carrier.custodian
