"""遗失报告: what the rules ask of a loss report, filed within 24 hours, printed in Chinese."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import time_machine

from backend.alerts.models import Alert
from backend.alerts.sweep import sweep_run
from backend.registry.models import Carrier
from tests.classification.test_procedure import err
from tests.conftest import scan

DOCS = Path(__file__).resolve().parents[2] / "docs"


def facts(**kw: Any) -> dict[str, Any]:
    body = {
        "quantity": 1,
        "discovered_how": "3月2日上午清查保密柜时发现缺少该文件",
        "responsible": "张某（机要员）",
        "occurred_at": "2026-03-01T17:30:00+08:00",
        "place": "党政办公室保密柜",
        "circumstances": "3月1日下午借阅后未按时归还，借阅人称已放回保密柜，经查柜内无此文件。",
        "possible_harm": "文件涉及年度工作部署，如被无关人员获取，可能造成工作被动。",
        "remedies": "已封存办公室，调取监控，逐一询问接触人员，并组织全面清查。",
    }
    body.update(kw)
    return body


def _lose(api_as: Any, unit: Any, carrier: Carrier) -> None:
    results = api_as(unit.clerk).post(
        "/scans",
        {"scans": [scan("report_lost", carrier, location=unit.desk, note="清查时发现缺失")]},
    )
    assert results.json()["results"][0]["status"] == "recorded", results.content


def test_a_loss_report_filed_in_time_stops_the_clock_and_prints_in_chinese(
    unit: Any, api_as: Any, make_carrier: Callable[..., Carrier]
) -> None:
    carrier = make_carrier("secret", title="年度工作要点")
    with time_machine.travel("2026-03-02 09:00 +08:00", tick=False):
        _lose(api_as, unit, carrier)
    assert Carrier.objects.get(id=carrier.id).due_at is not None  # the 24-hour clock runs
    with time_machine.travel("2026-03-02 15:00 +08:00", tick=False):
        filed = api_as(unit.committee).post(f"/carriers/{carrier.code}/loss-report", facts())
    assert filed.status_code == 201, filed.content
    body = filed.json()
    assert body["on_time"] is True and body["level"] == "secret" and body["form"] == "paper"
    assert body["deadline"].startswith("2026-03-03T01:00")  # 09:00 +08:00 plus 24 hours, UTC
    assert Carrier.objects.get(id=carrier.id).due_at is None
    # The clock stopped: a sweep after the deadline opens no case.
    with time_machine.travel("2026-03-04 09:00 +08:00", tick=False):
        sweep_run()
    assert not Alert.objects.filter(kind="loss_report_due", carrier=carrier).exists()

    response = api_as(unit.committee).get(body["pdf"].removeprefix("/api/v1"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    data = b"".join(response.streaming_content)
    pdf = pdfium.PdfDocument(data)
    assert len(pdf) == 1
    image = pdf[0].render(scale=150 / 72).to_pil().convert("L")
    # Ink on the page: the title, eighteen labelled fields and the table's rules.
    dark = image.point(lambda px: 255 if px < 128 else 0).histogram()[255]
    assert dark > 20_000, dark
    if os.environ.get("CUSTOS_WRITE_DOCS"):
        (DOCS / "loss-report.pdf").write_bytes(data)
        image.save(DOCS / "loss-report.png")


def test_a_late_report_is_accepted_marked_late_and_ends_the_open_case(
    unit: Any, api_as: Any, make_carrier: Callable[..., Carrier]
) -> None:
    carrier = make_carrier("confidential")
    with time_machine.travel("2026-03-02 09:00 +08:00", tick=False):
        _lose(api_as, unit, carrier)
    with time_machine.travel("2026-03-03 10:00 +08:00", tick=False):
        sweep_run()
        alert = Alert.objects.get(kind="loss_report_due", carrier=carrier)
        assert alert.status == "open"
        filed = api_as(unit.clerk).post(f"/carriers/{carrier.code}/loss-report", facts())
    assert filed.status_code == 201 and filed.json()["on_time"] is False
    alert.refresh_from_db()
    assert alert.status == "resolved"


def test_a_report_needs_the_loss_recorded_every_field_and_the_right_role(
    unit: Any, api_as: Any, make_carrier: Callable[..., Carrier]
) -> None:
    carrier = make_carrier("secret")
    office = api_as(unit.committee)
    assert err(office.post(f"/carriers/{carrier.code}/loss-report", facts()))[:2] == (
        409,
        "invalid_transition",
    )
    _lose(api_as, unit, carrier)
    assert (
        office.post(f"/carriers/{carrier.code}/loss-report", facts(remedies="")).status_code == 422
    )
    assert err(office.post(f"/carriers/{carrier.code}/loss-report", facts(remedies="  ")))[2] == {
        "field": "remedies"
    }
    assert err(api_as(unit.reader).post(f"/carriers/{carrier.code}/loss-report", facts()))[:2] == (
        403,
        "forbidden",
    )
    assert err(api_as(unit.reader).get("/loss-reports/1/report.pdf"))[:2] == (403, "forbidden")
