"""The committee's dashboard and a carrier's timeline, in a real browser."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from django.utils import timezone

from backend.alerts.models import Alert
from backend.alerts.services import alert_raise
from backend.custody.services import ScanIn, scans_ingest
from backend.registry.principals import Principal
from tests.desk.conftest import shot


def _overdue_checkout(unit: Any, carrier: Any, days: int) -> None:
    now = timezone.now()
    [result] = scans_ingest(
        scans=[
            ScanIn(
                id=uuid.uuid4(),
                action="checkout",
                carrier=carrier.code,
                counterpart=unit.reader.code,
                location=unit.desk.code,
                occurred_at=now - timedelta(days=days, hours=2),
                due_at=now - timedelta(days=days),
            )
        ],
        principal=Principal(person=unit.clerk),
    )
    assert result.status == "recorded", result.error


def test_an_alert_is_acknowledged_from_the_dashboard(
    sign_in: Any, unit: Any, make_carrier: Any
) -> None:
    late = make_carrier("secret", title="年度保密检查报告")
    _overdue_checkout(unit, late, 2)
    alert = alert_raise(
        kind="overdue_return",
        carrier=late,
        opened_at=timezone.now() - timedelta(days=2),
        details={},
    )
    alert_raise(
        kind="custody_mismatch",
        carrier=make_carrier("confidential"),
        opened_at=timezone.now() - timedelta(hours=5),
        details={},
    )
    page = sign_in(unit.committee)
    assert page.url.endswith("/dashboard/")  # the committee's home
    row = page.locator(f"#alert-{alert.id}")
    assert "逾期未归还" in row.inner_text() and "年度保密检查报告" in row.inner_text()
    assert late.code in page.locator("#overdue").inner_text()
    assert page.locator("svg.chart rect").count() > 2
    shot(page, "dashboard.png")
    row.locator("input[name=note]").fill("已电话催还，承办人今日归还")
    row.locator("button").click()
    page.wait_for_selector(f"#alert-{alert.id}[data-status=acknowledged]")
    alert.refresh_from_db()
    assert alert.status == "acknowledged"
    assert alert.acknowledged_by_id == unit.committee.id
    assert alert.ack_note == "已电话催还，承办人今日归还"
    assert "已电话催还" in page.locator(f"#alert-{alert.id}").inner_text()
    assert page.outside == []


def test_a_carriers_timeline_shows_every_event_and_the_chain_status(
    sign_in: Any, unit: Any, make_carrier: Any
) -> None:
    carrier = make_carrier("secret")
    _overdue_checkout(unit, carrier, 1)
    page = sign_in(unit.committee)
    page.goto(f"/carriers/{carrier.code.lower()}/")
    assert page.locator("tbody tr").count() == 2  # register, checkout
    assert "台账链校验通过" in page.locator("#chain").inner_text()
    text = page.locator("tbody").inner_text()
    assert unit.reader.name in text and unit.desk.name in text
    shot(page, "timeline.png")


def test_the_dashboard_acknowledges_by_keyboard_alone(
    sign_in: Any, unit: Any, make_carrier: Any
) -> None:
    alert = alert_raise(
        kind="custody_mismatch", carrier=make_carrier(), opened_at=timezone.now(), details={}
    )
    page = sign_in(unit.committee)
    page.locator(f"#alert-{alert.id} input[name=note]").focus()
    page.keyboard.type("已核实")
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#alert-{alert.id}[data-status=acknowledged]")
    assert Alert.objects.get(pk=alert.pk).ack_note == "已核实"
