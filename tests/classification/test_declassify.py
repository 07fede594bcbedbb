"""自行解密: a period that ends declassifies its carrier on the day, after the alert's notice."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import time_machine
from django.conf import settings

from backend.alerts.models import Alert
from backend.alerts.sweep import sweep_run
from backend.classification.declassify import carriers_declassify_due
from backend.classification.models import Case, Step
from backend.custody.models import CustodyEvent
from backend.custody.verify import ledger_verify
from backend.registers.selectors import Filters, register_open
from backend.registry.marking import Period
from backend.registry.media_services import MediumSpec
from backend.registry.models import Carrier
from backend.registry.principals import Principal
from tests.classification.conftest import fresh
from tests.classification.test_procedure import decide, propose


def _at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo(settings.CUSTOS_TIME_ZONE))


def _approved(api_as: Any, board: Any, draft_body: Any, period: dict[str, Any]) -> str:
    code = propose(api_as, board, draft_body, period=period)["code"]
    assert decide(api_as(board.reviewer), code, "review").status_code == 200
    assert decide(api_as(board.chief), code, "approve").status_code == 200
    return code


def test_a_period_that_ends_is_declassified_on_the_day_after_the_expiring_alert(
    unit: Any, board: Any, api_as: Any, draft_body: Any
) -> None:
    with time_machine.travel(_at(date(2026, 1, 10)), tick=False):
        code = _approved(api_as, board, draft_body, {"until": "2026-06-30"})
    assert fresh(code).period_ends_on == date(2026, 6, 30)

    # The notice: CUSTOS_PERIOD_WARN_DAYS before the end the approver gets the alert...
    with time_machine.travel(_at(date(2026, 6, 1), 6), tick=False):
        sweep_run(daily=True)
        assert carriers_declassify_due().declassified == []
    alert = Alert.objects.get(kind="period_expiring", carrier__code=code)
    assert alert.status == "open"
    # ...and the day before the end nothing is declassified yet.
    assert carriers_declassify_due(today=date(2026, 6, 29)).declassified == []
    assert fresh(code).declassified_on is None

    with time_machine.travel(_at(date(2026, 6, 30), 0), tick=False):
        report = carriers_declassify_due()
    assert report.declassified == [code] and report.held == [] and report.failed == []
    carrier = fresh(code)
    assert carrier.declassified_on == date(2026, 6, 30)
    # The marking history is kept: level and period stay, the case records old and new.
    assert carrier.level == "secret" and carrier.marking == "机密★2026年6月30日"
    case = Case.objects.get(carrier=carrier, kind="declassify")
    assert case.automatic and case.state == "approved"
    assert case.old_marking == "机密★2026年6月30日" and case.new_marking == "已解密"
    assert case.proposed_by == board.chief  # the authority whose decision set the period
    assert [s.step for s in Step.objects.filter(case=case)] == ["auto_declassify"]
    last = CustodyEvent.objects.filter(carrier=carrier).order_by("-seq").first()
    assert last is not None and last.action == "declassify" and last.seq == carrier.seq
    assert last.payload["automatic"] is True and last.actor == board.chief
    assert ledger_verify().ok

    # A second run (a retried task, a second beat) finds nothing left to do.
    assert carriers_declassify_due(today=date(2026, 7, 1)).declassified == []
    assert CustodyEvent.objects.filter(carrier=carrier, action="declassify").count() == 1

    # The next daily sweep resolves the expiring case: its condition cleared.
    with time_machine.travel(_at(date(2026, 7, 1), 6), tick=False):
        sweep_run(daily=True)
    alert.refresh_from_db()
    assert alert.status == "resolved"

    # Both registers show it: the carrier register's period, the decision register's row.
    committee = Principal(person=unit.committee)
    rows = list(register_open(principal=committee, name="carriers", filters=Filters()).rows)
    assert [r[5] for r in rows if r[0] == code] == ["2026年6月30日（已于2026-06-30解密）"]
    decisions = list(
        register_open(principal=committee, name="classifications", filters=Filters()).rows
    )
    auto = [r for r in decisions if r[0] == code and r[2] == "解密"]
    assert (
        len(auto) == 1
        and auto[0][9] == "自行解密"
        and auto[0][13:] == ("机密★2026年6月30日", "已解密")
    )


def test_an_extension_approved_before_the_end_keeps_the_carrier_classified(
    unit: Any, board: Any, api_as: Any, draft_body: Any
) -> None:
    with time_machine.travel(_at(date(2026, 1, 10)), tick=False):
        code = _approved(api_as, board, draft_body, {"until": "2026-06-30"})
        extend = api_as(board.handler).post(
            f"/carriers/{code}/proposals",
            {
                "kind": "change",
                "reason": "工作仍需保密，延长期限",
                "period": {"until": "2028-06-30"},
            },
        )
        assert extend.status_code == 201, extend.content
        assert decide(api_as(board.reviewer), code, "review").status_code == 200
        assert decide(api_as(board.chief), code, "approve").status_code == 200
    assert carriers_declassify_due(today=date(2026, 6, 30)).declassified == []
    assert fresh(code).declassified_on is None
    assert carriers_declassify_due(today=date(2028, 6, 30)).declassified == [code]


def test_a_carrier_with_an_extension_still_being_decided_is_held_not_declassified(
    unit: Any, board: Any, api_as: Any, draft_body: Any
) -> None:
    with time_machine.travel(_at(date(2026, 1, 10)), tick=False):
        code = _approved(api_as, board, draft_body, {"until": "2026-06-30"})
        extend = api_as(board.handler).post(
            f"/carriers/{code}/proposals",
            {"kind": "change", "reason": "拟延长", "period": {"until": "2028-06-30"}},
        )
        assert extend.status_code == 201
    report = carriers_declassify_due(today=date(2026, 6, 30))
    assert report.held == [code] and report.declassified == []
    # The round ends without an extension: the next daily run declassifies.
    assert decide(api_as(board.reviewer), code, "review", "建议不予延长").status_code == 200
    assert decide(api_as(board.chief), code, "reject", "不予延长").status_code == 200
    assert carriers_declassify_due(today=date(2026, 7, 1)).declassified == [code]
    assert fresh(code).declassified_on == date(2026, 7, 1)


def test_drafts_destroyed_and_conditional_carriers_are_left_alone(
    unit: Any, make_carrier: Callable[..., Carrier], board: Any, api_as: Any, draft_body: Any
) -> None:
    old = date(2000, 1, 1)
    stock = make_carrier("confidential", period=Period(years=1), issued_on=old)
    condition = make_carrier("secret", period=Period(condition="项目结束后"), issued_on=old)
    gone = make_carrier("confidential", period=Period(years=1), issued_on=old)
    Carrier.objects.filter(id=gone.id).update(status="destroyed")  # its chain is closed
    draft = propose(api_as, board, draft_body, period={"days": 30})["code"]
    report = carriers_declassify_due(today=date(2099, 1, 1))
    assert report.declassified == [stock.code]
    for left in (condition, gone, draft):
        assert fresh(left).declassified_on is None
    # Stock classified before Custos: the registrar answers for it on the ledger.
    event = CustodyEvent.objects.get(carrier=stock, action="declassify")
    assert event.actor == unit.registrar


def test_the_beat_runs_the_declassification_task_daily(db: None) -> None:
    from worker.app import app
    from worker.tasks import classification_declassify

    entry = app.conf.beat_schedule["classification-declassify-daily"]
    assert entry["task"] == classification_declassify.name
    assert classification_declassify.apply().get() == {
        "declassified": 0,
        "held": [],
        "kept": [],
        "failed": [],
    }


def test_a_storage_medium_whose_period_ends_keeps_its_level(make_carrier: Any) -> None:
    """The high-water rule outlasts the period: a medium is never declassified, by
    decision or by itself (lifecycle.medium_keeps_its_level)."""
    drive = make_carrier(
        "secret",
        form="electronic",
        period=Period(until=date(2027, 6, 30)),
        medium=MediumSpec(kind="usb", serial="AUTO-1"),
    )
    paper = make_carrier("secret", period=Period(until=date(2027, 6, 30)))
    assert fresh(drive.code).period_ends_on == date(2027, 6, 30)
    report = carriers_declassify_due(today=date(2027, 7, 1))
    assert (report.declassified, report.kept) == ([paper.code], [drive.code])
    assert report.as_dict()["kept"] == [drive.code]
    assert fresh(drive.code).declassified_on is None
    assert not CustodyEvent.objects.filter(carrier=drive, action="declassify").exists()
