"""The committee's follow-up (issue 19): an acknowledgement says what was done, the tiles
follow the cases without a reload, and the destruction site sounds its refusals."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from backend.alerts.models import Alert
from backend.alerts.services import alert_acknowledge, alert_raise
from backend.errors import ServiceError
from tests.desk.conftest import scan_in, shot


def test_an_acknowledgement_without_a_note_is_refused(unit: Any, make_carrier: Any) -> None:
    alert = alert_raise(
        kind="custody_mismatch", carrier=make_carrier(), opened_at=timezone.now(), details={}
    )
    with pytest.raises(ServiceError) as refused:
        alert_acknowledge(alert_id=alert.id, person=unit.committee, note="   ")
    assert (refused.value.code, refused.value.details["reason"]) == ("invalid", "note_required")
    alert.refresh_from_db()
    assert alert.status == "open" and alert.acknowledged_by_id is None


def test_the_dashboard_refuses_an_empty_note_and_its_tiles_follow_the_cases(
    sign_in: Any, unit: Any, make_carrier: Any, settings: Any
) -> None:
    settings.CUSTOS_DASHBOARD_POLL_SECONDS = 1
    alert = alert_raise(
        kind="custody_mismatch",
        carrier=make_carrier("secret"),
        opened_at=timezone.now() - timedelta(hours=1),
        details={},
    )
    page = sign_in(unit.committee)
    assert page.locator("#open-count").inner_text() == "1"
    row = page.locator(f"#alert-{alert.id}")
    # The browser asks for the note; a client that skips the check is refused by the service.
    page.evaluate(f"document.querySelector('#alert-{alert.id} input[name=note]').required = false")
    row.locator("button").click()
    page.wait_for_selector(f"#alert-{alert.id} .ack-error")
    assert "写明" in page.locator(f"#alert-{alert.id} .ack-error").inner_text()
    alert.refresh_from_db()
    assert alert.status == "open"

    # A new case opens elsewhere: the tiles show it without a reload.
    alert_raise(
        kind="custody_mismatch",
        carrier=make_carrier("secret"),
        opened_at=timezone.now(),
        details={},
    )
    page.wait_for_function("document.querySelector('#open-count').textContent.trim() === '2'")
    shot(page, "dashboard-tiles.png")

    page.locator(f"#alert-{alert.id} input[name=note]").fill("已联系责任人核实")
    page.locator(f"#alert-{alert.id} button").click()
    page.wait_for_selector(f"#alert-{alert.id}[data-status=acknowledged]")
    page.wait_for_function(
        "document.querySelector('[data-kind=custody_mismatch] .unacked').textContent.trim() === '1'"
    )
    assert Alert.objects.get(id=alert.id).ack_note == "已联系责任人核实"


def test_the_destruction_site_sounds_a_refusal(sign_in: Any, unit: Any, make_carrier: Any) -> None:
    carrier = make_carrier("secret")  # in storage: nothing to witness yet
    page = sign_in(unit.clerk)
    page.goto("/destruction/site/")
    page.select_option("#site-location", unit.site.code)
    page.focus("#scan")
    scan_in(page, carrier.code)
    page.wait_for_selector(f"#panel [data-carrier='{carrier.code}']")
    scan_in(page, unit.witnesses[0].code)
    page.wait_for_selector("#panel .banner[data-ok='0']")
    assert page.evaluate("document.body.dataset.sound") == "bad"
