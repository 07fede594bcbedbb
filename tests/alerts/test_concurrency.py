"""Two sweeps at once over the same due rows open each case once (PostgreSQL)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from backend.alerts.models import Alert, Delivery
from backend.alerts.sweep import SweepReport, sweep_run
from tests.alerts.conftest import overdue_checkout

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_together(count: int, **kw: Any) -> list[SweepReport]:
    barrier = threading.Barrier(count)
    reports: list[SweepReport] = []
    errors: list[BaseException] = []

    def one() -> None:
        try:
            barrier.wait()
            reports.append(sweep_run(**kw))
        except BaseException as exc:  # surfaced in the main thread below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=one) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    return reports


def test_two_sweeps_at_once_open_each_case_once(
    unit: Any, make_carrier: Any, channels: Any
) -> None:
    carriers = [make_carrier() for _ in range(60)]
    for carrier in carriers:
        overdue_checkout(unit, carrier)
    # Small batches keep both sweeps busy over the same rows for many rounds.
    reports = run_together(2, batch=7)
    assert sum(r.opened for r in reports) == 60
    assert sum(r.due for r in reports) == 60
    assert Alert.objects.count() == 60
    assert sorted(Alert.objects.values_list("carrier_id", flat=True)) == sorted(
        c.id for c in carriers
    )
    assert Delivery.objects.count() == 120  # e-mail and webhook, once each


def test_four_sweeps_at_once_never_double_a_reminder(
    unit: Any, make_carrier: Any, channels: Any, settings: Any
) -> None:
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    settings.CUSTOS_REMIND_SECONDS = 60
    for _ in range(20):
        overdue_checkout(unit, make_carrier())
    sweep_run()
    with time_machine.travel(timezone.now() + timedelta(seconds=61), tick=True):
        reports = run_together(4, batch=3)
    assert sum(r.reminded for r in reports) == 20
    assert Delivery.objects.filter(round=1).count() == 40
