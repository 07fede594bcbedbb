"""backend/claims.py: the one way due rows are claimed (outboxes, reminders, escalation,
a finding's reminder). A claim held open is skipped, not waited for, and a claimed row is
not due again until its lease runs out."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from backend.alerts.models import Alert, AlertStatus
from backend.alerts.sweep import sweep_run
from backend.claims import due_claim
from tests.alerts.conftest import overdue_checkout


def _open_cases(unit: Any, make_carrier: Any, count: int) -> list[int]:
    for _ in range(count):
        overdue_checkout(unit, make_carrier())
    sweep_run()
    ids = list(Alert.objects.values_list("id", flat=True))
    assert len(ids) == count
    return ids


def _due() -> QuerySet[Alert]:
    return Alert.objects.filter(remind_at__lte=timezone.now()).exclude(status=AlertStatus.RESOLVED)


def _claim(limit: int) -> list[int]:
    lease = timezone.now() + timedelta(hours=1)
    return due_claim(_due(), order_by=("remind_at", "id"), limit=limit, remind_at=lease)


@pytest.mark.django_db
def test_a_claimed_row_is_not_due_again_until_its_lease_runs_out(
    unit: Any, make_carrier: Any, channels: Any
) -> None:
    ids = _open_cases(unit, make_carrier, 5)
    Alert.objects.update(remind_at=timezone.now() - timedelta(seconds=1))
    first = _claim(3)
    second = _claim(3)
    assert len(first) == 3 and len(second) == 2
    assert sorted(first + second) == sorted(ids)
    assert _claim(3) == []
    assert not _due().exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_claim_held_open_by_one_worker_is_skipped_by_another_not_waited_for(
    unit: Any, make_carrier: Any, channels: Any, on_postgres: bool
) -> None:
    if not on_postgres:
        pytest.skip("row locks are PostgreSQL's; SQLite serialises its writers")
    ids = _open_cases(unit, make_carrier, 10)
    Alert.objects.update(remind_at=timezone.now() - timedelta(seconds=1))
    claimed, release = threading.Event(), threading.Event()
    held: dict[str, Any] = {}

    def holder() -> None:
        try:
            with transaction.atomic():
                held["ids"] = _claim(6)
                claimed.set()
                # Released only once the other worker's claim returned: had it waited for
                # these locks, this would time out.
                held["released"] = release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=holder)
    thread.start()
    assert claimed.wait(10)
    other = _claim(6)
    release.set()
    thread.join()
    assert held["released"] is True
    assert len(held["ids"]) == 6 and len(other) == 4
    assert set(held["ids"]).isdisjoint(other)
    assert sorted(held["ids"] + other) == sorted(ids)
    assert _claim(6) == []
