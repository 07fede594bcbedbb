"""Detectors: from a carrier (or a person) to the case it calls for.

``detect_due`` is the sweep's per-row verdict on a carrier whose deadline passed; it is
pure and raises ``DetectorError`` for a row it cannot judge, which the sweep reports and
pushes forward without stopping. The daily detectors (``period_expiring``,
``holder_departing``) are set-based reads through indexes: one query each, whatever the
number of carriers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

from backend.alerts.models import AlertKind
from backend.alerts.services import DEADLINE_KIND, Finding
from backend.registry.models import Carrier, Person

# States in which a carrier no longer needs watching for its period or its holder.
_FINISHED = ("destroyed", "draft")


class DetectorError(Exception):
    """A due row no detector can judge (a state with a deadline nobody watches)."""


@dataclass(frozen=True, slots=True)
class DueRow:
    id: int
    code: str
    status: str
    due_at: datetime
    holder: str | None


def detect_due(row: DueRow) -> Finding:
    """The case a passed deadline opens: which one depends on the state that set it.

    Opened at the deadline itself — the moment the condition began — not at the sweep.
    """
    kind = DEADLINE_KIND.get(row.status)
    if kind is None:
        raise DetectorError(f"no detector watches a deadline in state {row.status!r}")
    details: dict[str, object] = {"status": row.status}
    if row.holder:
        details["holder"] = row.holder
    if kind == AlertKind.LOSS_REPORT_DUE:
        details["rule"] = "Reg Art. 61: report within 24 hours"
    return Finding(
        kind=kind, carrier_id=row.id, opened_at=row.due_at, deadline=row.due_at, details=details
    )


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(settings.CUSTOS_TIME_ZONE))


def period_expiring(*, today: date) -> list[Finding]:
    """Carriers whose secrecy period ends within ``CUSTOS_PERIOD_WARN_DAYS`` and that are
    not declassified, so the extension or declassification is decided before the end.

    Reads ``period_ends_on`` (kept by registration and the classification decisions)
    through its partial index ``carrier_period_ends_idx``: the cost follows what ends
    soon, not the number of carriers.
    """
    warn = timedelta(days=settings.CUSTOS_PERIOD_WARN_DAYS)
    rows = (
        Carrier.objects.filter(
            period_ends_on__isnull=False,
            declassified_on__isnull=True,
            period_ends_on__lte=today + warn,
        )
        .exclude(status__in=_FINISHED)
        .values_list("id", "period_ends_on")
    )
    return [
        Finding(
            kind=AlertKind.PERIOD_EXPIRING,
            carrier_id=carrier_id,
            opened_at=_midnight(end - warn),
            deadline=_midnight(end),
            details={"period_ends": end.isoformat()},
        )
        for carrier_id, end in rows
        if end is not None  # the query's isnull=False; this tells mypy
    ]


def holder_departing(*, today: date) -> list[Finding]:
    """Carriers held by a person who leaves the post within ``CUSTOS_DEPARTURE_WARN_DAYS``
    (or has left): they are returned (清退) before the decontrol period begins."""
    warn = timedelta(days=settings.CUSTOS_DEPARTURE_WARN_DAYS)
    leaving = {
        person_id: day
        for person_id, day in Person.objects.filter(
            departs_on__isnull=False, departs_on__lte=today + warn
        ).values_list("id", "departs_on")
        if day is not None  # the query's isnull=False; this tells mypy
    }
    if not leaving:
        return []
    codes = dict(Person.objects.filter(id__in=leaving).values_list("id", "code"))
    rows = (
        Carrier.objects.filter(custodian_id__in=leaving)
        .exclude(status__in=("destroyed", "lost"))
        .values_list("id", "custodian_id")
    )
    return [
        Finding(
            kind=AlertKind.HOLDER_DEPARTING,
            carrier_id=carrier_id,
            opened_at=_midnight(leaving[holder] - warn),
            deadline=_midnight(leaving[holder]),
            details={"holder": codes[holder], "departs_on": leaving[holder].isoformat()},
        )
        for carrier_id, holder in rows
    ]
