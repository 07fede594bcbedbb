"""backend/alerts/sweep.py and detectors.py: what comes due opens one case, once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backend.alerts.models import Alert, Delivery
from backend.alerts.sweep import sweep_run
from backend.custody.models import CustodyEvent
from backend.registry.marking import Period
from backend.registry.models import Carrier
from tests.alerts.conftest import overdue_checkout, record

pytestmark = pytest.mark.django_db


def test_an_overdue_checkout_opens_one_overdue_return_at_its_deadline(
    unit: Any, make_carrier: Any, channels: Any
) -> None:
    carrier = make_carrier()
    due = overdue_checkout(unit, carrier)
    report = sweep_run()
    alert = Alert.objects.get()
    assert (report.due, report.opened, report.failed) == (1, 1, [])
    assert (alert.kind, alert.carrier_id, alert.status) == ("overdue_return", carrier.id, "open")
    assert alert.opened_at == due and alert.deadline == due  # when it passed, not when seen
    assert alert.details["holder"] == unit.reader.code
    # The outbox rows were written with the case: one per configured channel, round 0.
    assert sorted(Delivery.objects.values_list("channel", "round", "status")) == [
        ("email", 0, "pending"),
        ("webhook", 0, "pending"),
    ]


def test_a_second_sweep_and_the_recheck_open_nothing_more(unit: Any, make_carrier: Any) -> None:
    carrier = make_carrier()
    overdue_checkout(unit, carrier)
    assert sweep_run().opened == 1
    assert sweep_run().due == 0  # claimed: its re-check moved, its deadline kept
    carrier.refresh_from_db()
    assert carrier.due_at is not None and carrier.due_at < timezone.now()
    assert carrier.recheck_at is not None and carrier.recheck_at > timezone.now()
    with time_machine.travel(carrier.recheck_at + timedelta(seconds=1)):
        again = sweep_run()
    assert (again.due, again.opened) == (1, 0)
    assert Alert.objects.count() == 1


def test_a_checkout_not_yet_due_opens_nothing(unit: Any, make_carrier: Any) -> None:
    carrier = make_carrier()
    record(unit.clerk, "checkout", carrier, counterpart=unit.reader, location=unit.desk)
    assert sweep_run().due == 0
    assert not Alert.objects.exists()


def test_each_deadline_opens_the_case_of_its_state(unit: Any, make_carrier: Any) -> None:
    now = timezone.now()
    transit, repair, destruction, lost = (make_carrier() for _ in range(4))
    record(unit.clerk, "dispatch", transit, location=unit.desk, occurred_at=now - timedelta(days=4))
    record(unit.clerk, "repair_out", repair, occurred_at=now - timedelta(days=15))
    record(unit.clerk, "destroy_request", destruction, occurred_at=now - timedelta(days=9))
    record(unit.approver, "destroy_approve", destruction, occurred_at=now - timedelta(days=8))
    record(unit.clerk, "report_lost", lost, occurred_at=now - timedelta(hours=25))
    sweep_run()
    kinds = dict(Alert.objects.values_list("carrier_id", "kind"))
    assert kinds == {
        transit.id: "transit_overdue",
        repair.id: "overdue_repair",
        destruction.id: "destruction_overdue",
        lost.id: "loss_report_due",
    }
    lost_alert = Alert.objects.get(carrier=lost)
    # Reg Art. 61: the loss report is due 24 hours after the report_lost scan.
    reported = CustodyEvent.objects.get(carrier=lost, action="report_lost").occurred_at
    assert lost_alert.deadline == reported + timedelta(hours=24)


def test_a_row_no_detector_can_judge_is_reported_pushed_forward_and_the_rest_alerted(
    unit: Any, make_carrier: Any
) -> None:
    odd, fine = make_carrier(), make_carrier()
    # A deadline on a stored carrier: no detector watches that state.
    Carrier.objects.filter(id=odd.id).update(due_at=timezone.now() - timedelta(hours=1))
    overdue_checkout(unit, fine)
    report = sweep_run()
    odd.refresh_from_db()
    assert report.failed == [odd.code]
    assert report.opened == 1 and Alert.objects.get().carrier_id == fine.id
    assert odd.recheck_at > timezone.now()  # pushed forward, not crash-looping the sweep
    assert sweep_run().failed == []  # and not judged again until then


def statements(captured: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"]
        for q in captured.captured_queries
        if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
    ]


def test_the_sweep_reads_only_what_is_due(unit: Any, make_carrier: Any) -> None:
    for _ in range(5):
        record(unit.clerk, "checkout", make_carrier(), counterpart=unit.reader, location=unit.desk)
    with CaptureQueriesContext(connection) as idle:
        sweep_run()
    due_one = make_carrier()
    overdue_checkout(unit, due_one)
    with CaptureQueriesContext(connection) as busy:
        report = sweep_run()
    assert report.opened == 1
    # Nothing due: the due query, the sweep_due hook's two (the return campaigns' claim of
    # overdue campaigns, the carry-outs' close of lapsed requests) and the reminder and
    # escalation reads, no per-carrier work.
    assert len(statements(idle)) == 5
    assert len(statements(busy)) <= 9


def test_reminders_repeat_while_open_and_escalation_goes_to_the_chair_once(
    unit: Any, make_carrier: Any, channels: Any, settings: Any
) -> None:
    settings.CUSTOS_REMIND_SECONDS = 3600
    settings.CUSTOS_ESCALATE_SECONDS = 3 * 3600
    overdue_checkout(unit, make_carrier())
    sweep_run()
    alert = Alert.objects.get()
    with time_machine.travel(timezone.now() + timedelta(hours=1, minutes=1)):
        assert sweep_run().reminded == 1
    with time_machine.travel(timezone.now() + timedelta(hours=2, minutes=2)):
        assert sweep_run().reminded == 1
    with time_machine.travel(timezone.now() + timedelta(hours=3, minutes=3)):
        report = sweep_run()
        assert (report.reminded, report.escalated) == (1, 1)
        assert sweep_run().escalated == 0
    rows = sorted(Delivery.objects.filter(alert=alert).values_list("channel", "round"))
    assert rows == [
        ("chair", 0),
        ("email", 0),
        ("email", 1),
        ("email", 2),
        ("email", 3),
        ("webhook", 0),
        ("webhook", 1),
        ("webhook", 2),
        ("webhook", 3),
    ]


def test_an_acknowledged_case_is_not_escalated(
    unit: Any, make_carrier: Any, channels: Any, settings: Any, api_as: Any
) -> None:
    settings.CUSTOS_ESCALATE_SECONDS = 3600
    overdue_checkout(unit, make_carrier())
    sweep_run()
    alert = Alert.objects.get()
    assert (
        api_as(unit.committee).post(f"/alerts/{alert.id}/ack", {"note": "已联系"}).status_code
        == 200
    )
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        assert sweep_run().escalated == 0
    assert not Delivery.objects.filter(channel="chair").exists()


def test_the_period_detector_warns_ahead_of_the_end_and_resolves_on_extension(
    unit: Any, make_carrier: Any, settings: Any
) -> None:
    settings.CUSTOS_PERIOD_WARN_DAYS = 30
    today = timezone.localdate()
    ending = make_carrier(issued_on=today - timedelta(days=3640), period=Period(years=10))
    far = make_carrier()  # 机密 without a period: 20 years from today
    until = make_carrier(period=Period(until=today + timedelta(days=5)))
    gone = make_carrier(period=Period(until=today + timedelta(days=5)))
    Carrier.objects.filter(id=gone.id).update(declassified_on=today)
    report = sweep_run(daily=True)
    assert report.daily_opened == 2
    assert set(Alert.objects.values_list("carrier_id", flat=True)) == {ending.id, until.id}
    assert far.id not in set(Alert.objects.values_list("carrier_id", flat=True))
    alert = Alert.objects.get(carrier=until)
    assert alert.deadline is not None and alert.deadline.date() >= today
    # An extension decided: the period now ends far ahead, and the case closes itself.
    Carrier.objects.filter(id=until.id).update(period_ends_on=today + timedelta(days=400))
    assert sweep_run(daily=True).daily_resolved == 1
    assert Alert.objects.get(carrier=until).status == "resolved"


def test_a_departing_holder_with_carriers_opens_a_case_per_carrier(
    unit: Any, make_carrier: Any
) -> None:
    held = [make_carrier(), make_carrier()]
    for carrier in held:
        record(unit.clerk, "checkout", carrier, counterpart=unit.reader, location=unit.desk)
    unit.reader.departs_on = timezone.localdate() + timedelta(days=3)
    unit.reader.save(update_fields=["departs_on"])
    assert sweep_run(daily=True).daily_opened == 2
    alert = Alert.objects.filter(kind="holder_departing").first()
    assert alert is not None and alert.details["holder"] == unit.reader.code
    record(unit.clerk, "return", held[0], location=unit.safe)
    assert sweep_run(daily=True).daily_resolved == 1
