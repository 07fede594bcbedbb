"""backend/registry/policy.py: the filter (``knowable``) and the per-row answer
(``may_know``) agree for every role, clearance, level and scope, so a search can never
count a carrier whose title the row itself would withhold."""

from __future__ import annotations

from itertools import product
from typing import Any

import pytest

from backend.registry.models import Carrier
from backend.registry.policy import is_logged_level, knowable, may_know, may_read_carriers
from backend.registry.principals import Principal


@pytest.mark.django_db
def test_knowable_and_may_know_agree_everywhere(
    unit: Any, make_carrier: Any, make_person: Any
) -> None:
    insider = make_person(("clerk",), "confidential", name="insider")
    for level in ("top_secret", "secret", "confidential"):
        make_carrier(level)
        make_carrier(level, scope=[insider])
    carriers = list(Carrier.objects.prefetch_related("scope"))
    people = [insider] + [
        make_person((role,) if role else (), clearance)
        for role, clearance in product(
            ("clerk", "committee", "witness", ""), ("top_secret", "secret", "confidential", "none")
        )
    ]
    for person in people:
        principal = Principal(person=person)
        by_filter = set(Carrier.objects.filter(knowable(principal)).values_list("id", flat=True))
        by_row = {
            c.id
            for c in carriers
            if may_know(principal, level=c.level, scope_codes=[p.code for p in c.scope.all()])
        }
        assert by_filter == by_row, person


@pytest.mark.django_db
def test_a_device_reads_codes_but_never_titles(unit: Any, make_carrier: Any) -> None:
    from backend.registry.services import device_create

    device = device_create(name="desk scanner", location=unit.desk)
    principal = Principal(device=device)
    assert may_read_carriers(principal)
    assert not may_know(principal, level="confidential", scope_codes=[])
    make_carrier("confidential")
    assert not Carrier.objects.filter(knowable(principal)).exists()


def test_the_access_log_threshold_follows_the_setting(settings: Any) -> None:
    settings.CUSTOS_ACCESS_LOG_LEVEL = "secret"
    assert [is_logged_level(x) for x in ("top_secret", "secret", "confidential")] == [
        True,
        True,
        False,
    ]
    settings.CUSTOS_ACCESS_LOG_LEVEL = "none"
    assert not is_logged_level("top_secret")
