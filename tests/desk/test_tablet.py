"""Every page at a tablet's 768 px (issue 19): no page wider than the screen, codes whole."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from backend.alerts.models import Alert
from backend.alerts.services import alert_acknowledge, alert_raise
from tests.desk.conftest import shot
from tests.desk.test_overdue_pages import _checkout_due_at_one_past_midnight

# A code broken over two lines shows as two boxes taller than one line.
CODES_BROKEN = """() => [...document.querySelectorAll('code')]
    .filter(c => c.getClientRects().length > 1).map(c => c.textContent)"""


def test_the_dashboard_fits_a_768_px_tablet_and_keeps_codes_whole(
    sign_in: Any, unit: Any, make_carrier: Any
) -> None:
    for i in range(3):
        carrier = make_carrier("secret", title=f"关于涉密载体管理工作的年度检查报告第{i}号")
        _checkout_due_at_one_past_midnight(unit, carrier)
        alert_raise(
            kind="overdue_return",
            carrier=carrier,
            opened_at=timezone.now() - timedelta(days=1),
            details={},
        )
    alert_acknowledge(
        alert_id=Alert.objects.first().id,  # type: ignore[union-attr]
        person=unit.committee,
        note="已电话联系借阅人，承诺今日下班前归还，并已通知所在部门保密员跟进核实",
    )
    # The committee member who also keeps the desk: the longest navigation bar.
    unit.committee.roles = ["committee", "clerk", "registrar", "approver"]
    unit.committee.save()
    page = sign_in(unit.committee)
    page.set_viewport_size({"width": 768, "height": 1024})
    for path in ("/dashboard/", f"/carriers/{carrier.code}/", "/registers/", "/stocktakes/"):
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width == 768, (path, width)
        assert page.evaluate(CODES_BROKEN) == [], path
        if path == "/dashboard/":
            buttons = page.locator("#alerts button")
            for j in range(buttons.count()):
                box = buttons.nth(j).bounding_box()
                assert box is not None and box["x"] + box["width"] <= 768
            shot(page, "dashboard-768.png")
    page.click("form.lang button")  # English words are longer
    page.goto("/dashboard/")
    assert page.evaluate("document.documentElement.scrollWidth") == 768
    assert page.evaluate(CODES_BROKEN) == []
