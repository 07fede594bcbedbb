"""An overdue carrier after the sweep's alert: still overdue, since its recorded deadline,
on the dashboard, its history page and the API, until it comes back (issue 19)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from backend.alerts.models import Alert
from backend.alerts.sweep import sweep_run
from backend.custody.services import ScanIn, scans_ingest
from backend.desk.common import zone
from backend.registry.models import Carrier
from backend.registry.principals import Principal
from tests.desk.conftest import shot


def _checkout_due_at_one_past_midnight(unit: Any, carrier: Any) -> datetime:
    """Checked out yesterday, due back at 00:01 today (the unit's time): overdue now."""
    today = timezone.now().astimezone(zone()).date()
    due = datetime.combine(today, datetime.min.time(), tzinfo=zone()) + timedelta(minutes=1)
    if due > timezone.now() - timedelta(minutes=5):
        due -= timedelta(days=1)
    [result] = scans_ingest(
        scans=[
            ScanIn(
                id=uuid.uuid4(),
                action="checkout",
                carrier=carrier.code,
                counterpart=unit.reader.code,
                location=unit.desk.code,
                occurred_at=due - timedelta(hours=8),
                due_at=due,
            )
        ],
        principal=Principal(person=unit.clerk),
    )
    assert result.status == "recorded", result.error
    return due


def test_the_overdue_carrier_stays_listed_with_its_true_due_time_after_the_sweeps_alert(
    sign_in: Any, unit: Any, make_carrier: Any, api_as: Any
) -> None:
    carrier = make_carrier("secret", title="季度保密工作总结")
    due = _checkout_due_at_one_past_midnight(unit, carrier)
    assert sweep_run().opened == 1
    assert Alert.objects.get(carrier=carrier).kind == "overdue_return"
    carrier.refresh_from_db()
    assert carrier.due_at == due  # the sweep's next look is kept apart from the deadline
    assert carrier.recheck_at is not None and carrier.recheck_at > timezone.now()

    page = sign_in(unit.committee)
    overdue = page.locator("#overdue").inner_text()
    assert carrier.code in overdue and "没有逾期载体" not in overdue
    shot(page, "dashboard-overdue-after-sweep.png")

    page.goto(f"/carriers/{carrier.code}/")
    head = page.locator("main p").first.inner_text()
    assert due.astimezone(zone()).strftime("%Y-%m-%d %H:%M") in head  # 00:01, not 04:01
    assert "逾期" in head

    answer = api_as(unit.committee).get(f"/carriers/{carrier.code}").json()
    assert datetime.fromisoformat(answer["due_at"]) == due
    assert answer["overdue"] is True


def test_a_returned_carriers_recheck_does_not_hold_back_its_next_deadline(
    unit: Any, make_carrier: Any
) -> None:
    carrier = make_carrier("secret")
    _checkout_due_at_one_past_midnight(unit, carrier)
    sweep_run()
    now = timezone.now()
    for action, extra in (
        ("return", {}),
        ("checkout", {"counterpart": unit.reader.code, "due_at": now + timedelta(minutes=1)}),
    ):
        [result] = scans_ingest(
            scans=[
                ScanIn(id=uuid.uuid4(), action=action, carrier=carrier.code, **extra)  # type: ignore[arg-type]
            ],
            principal=Principal(person=unit.clerk),
        )
        assert result.status == "recorded", result.error
    assert Carrier.objects.get(id=carrier.id).recheck_at is None
    assert Alert.objects.get(carrier=carrier).status == "resolved"
    report = sweep_run(now=now + timedelta(minutes=2))
    assert report.opened == 1
    assert Alert.objects.filter(carrier=carrier).exclude(status="resolved").count() == 1
