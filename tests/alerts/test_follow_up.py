"""backend/alerts/services.py ``alerts_follow_up``: a scan that ends the condition resolves
the case, inside the ingest transaction, in one statement."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backend.alerts.models import Alert
from backend.alerts.services import alerts_follow_up
from backend.alerts.sweep import sweep_run
from tests.alerts.conftest import overdue_checkout, record

pytestmark = pytest.mark.django_db


def test_the_return_scan_resolves_the_overdue_return(unit: Any, make_carrier: Any) -> None:
    carrier = make_carrier()
    overdue_checkout(unit, carrier)
    sweep_run()
    record(unit.clerk, "return", carrier, location=unit.safe)
    alert = Alert.objects.get()
    assert alert.status == "resolved" and alert.resolved_at is not None
    assert alert.remind_at is None and alert.escalate_at is None


def test_receipt_repair_and_found_resolve_their_cases(unit: Any, make_carrier: Any) -> None:
    now = timezone.now()
    transit, repair, lost = make_carrier(), make_carrier(), make_carrier()
    record(unit.clerk, "dispatch", transit, location=unit.desk, occurred_at=now - timedelta(days=4))
    record(unit.clerk, "repair_out", repair, occurred_at=now - timedelta(days=15))
    record(unit.clerk, "report_lost", lost, occurred_at=now - timedelta(hours=25))
    assert sweep_run().opened == 3
    record(unit.clerk, "receive", transit, counterpart=unit.clerk2, location=unit.safe)
    record(unit.clerk, "repair_in", repair, location=unit.safe)
    record(unit.clerk, "found", lost, location=unit.safe)
    assert set(Alert.objects.values_list("status", flat=True)) == {"resolved"}


def test_the_witnessed_destruction_resolves_the_destruction_overdue(
    unit: Any, make_carrier: Any
) -> None:
    carrier = make_carrier()
    long_ago = timezone.now() - timedelta(days=9)
    record(unit.clerk, "destroy_request", carrier, occurred_at=long_ago)
    record(unit.approver, "destroy_approve", carrier, occurred_at=long_ago + timedelta(hours=1))
    sweep_run()
    assert Alert.objects.get().kind == "destruction_overdue"
    for witness in unit.witnesses[:2]:
        record(witness, "destroy_witness", carrier, counterpart=witness, location=unit.site)
    assert Alert.objects.get().status == "open"  # witnessing alone ends nothing
    record(unit.clerk, "destroy", carrier, location=unit.site)
    assert Alert.objects.get().status == "resolved"


def test_a_scan_that_keeps_the_condition_leaves_the_case_open(unit: Any, make_carrier: Any) -> None:
    carrier = make_carrier()
    overdue_checkout(unit, carrier)
    sweep_run()
    record(unit.clerk, "inventory", carrier, location=unit.desk)  # seen, still checked out
    assert Alert.objects.get(kind="overdue_return").status == "open"


def test_follow_up_is_two_statements_and_none_without_carriers(
    unit: Any, make_carrier: Any
) -> None:
    carriers = [make_carrier() for _ in range(3)]
    with CaptureQueriesContext(connection) as queries:
        assert alerts_follow_up(carriers=carriers) == 0
        assert alerts_follow_up(carriers=[]) == 0
    # The cases' UPDATE and the carriers' re-check reset, whatever the batch.
    assert len(queries.captured_queries) == 2
