"""Reads of the 定密 record."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from backend.classification.models import OPEN_STATES, Case, CaseState, Step
from backend.registry.models import Person
from backend.registry.principals import Principal
from backend.registry.selectors import carrier_get


def _cases() -> QuerySet[Case]:
    return Case.objects.select_related(
        "carrier", "proposed_by", "reviewed_by", "decided_by"
    ).prefetch_related(Prefetch("steps", Step.objects.select_related("actor").order_by("id")))


def case_get(*, case_id: int) -> Case:
    return _cases().get(id=case_id)


def carrier_cases(*, principal: Principal, code: str) -> list[Case]:
    """Every round of ``code``'s classification, oldest first (read rights as the carrier)."""
    carrier = carrier_get(principal=principal, code=code)
    return list(_cases().filter(carrier=carrier).order_by("id"))


def cases_awaiting(*, person: Person) -> QuerySet[Case]:
    """Open cases ``person`` may take the next step on: not their own proposal, and not
    the approval of a case they reviewed (the service decides again on each decision)."""
    return (
        Case.objects.filter(state__in=[s.value for s in OPEN_STATES])
        .exclude(proposed_by=person)
        .exclude(Q(state=CaseState.REVIEWED) & Q(reviewed_by=person))
    )
