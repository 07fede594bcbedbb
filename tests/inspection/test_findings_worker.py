"""A finding's lifecycle through the real worker: recorded with a 30-day deadline,
reminded on day 25, its case opened after the deadline and escalated on day 31, closed
with evidence. The worker runs on real Redis with time-machine inside it (``clock/``), the
mail goes to an SMTP server on loopback."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.contrib.auth import get_user_model

from backend.alerts.models import Alert, Delivery
from backend.inspection.models import Finding
from tests.alerts.loopback import SmtpServer
from tests.worker.procs import ROOT, purge, send, start_worker, stop_worker, wait_for

REDIS_URL = os.environ.get("REDIS_URL", "")
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not REDIS_URL, reason="needs Redis (set REDIS_URL)"),
    pytest.mark.django_db(transaction=True),
]
COMMITTEE, CHAIR, OWNER = "committee@unit.example", "chair@unit.example", "owner@unit.example"
RECORDED = datetime(2026, 6, 1, 1, 0, tzinfo=UTC)  # 09:00 in the unit; in the past, so
# the outbox's rows written "then" are due for the sender now.


def day(n: float) -> datetime:
    return RECORDED + timedelta(days=n)


@pytest.fixture
def worker(tmp_path: Path, settings: Any) -> Iterator[tuple[SmtpServer, Path]]:
    clock = tmp_path / "clock"
    with SmtpServer() as smtp:
        env = {
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp.port),
            "CUSTOS_ALERT_EMAILS": COMMITTEE,
            "CUSTOS_COMMITTEE_CHAIR_EMAIL": CHAIR,
            "CUSTOS_WEBHOOK_URL": "",
            "CUSTOS_TEST_CLOCK": str(clock),
            "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent / "clock"), str(ROOT)]),
        }
        settings.CUSTOS_ALERT_EMAILS, settings.CUSTOS_WEBHOOK_URL = [COMMITTEE], ""
        purge(REDIS_URL)
        proc = start_worker(broker=REDIS_URL, env=env, name="findings")
        try:
            yield smtp, clock
        finally:
            stop_worker(proc)


def at(clock: Path, moment: datetime, task: str) -> None:
    """Run ``task`` in the worker at ``moment``."""
    clock.write_text(moment.isoformat())
    send(task, REDIS_URL)


def test_a_finding_is_reminded_on_day_25_escalated_on_day_31_and_closed_with_evidence(
    worker: Any, unit: Any, api_as: Any
) -> None:
    smtp, clock = worker
    owner = unit.clerk
    owner.user = get_user_model().objects.create_user(username="owner", email=OWNER)
    owner.save(update_fields=["user"])
    api = api_as(unit.committee)
    with time_machine.travel(RECORDED, tick=False):
        body = {
            "title": "涉密计算机未粘贴密级标志",
            "responsible": owner.code,
            "deadline": day(30).isoformat(),
        }
        answer = api.post("/findings", body)
    assert answer.status_code == 201, answer.content
    finding_id = answer.json()["id"]

    # Day 24: nothing is due yet.
    at(clock, day(24), "worker.tasks.inspection_findings_sweep")
    # Day 25: the reminder, to the committee and the responsible person, once.
    at(clock, day(25) + timedelta(hours=1), "worker.tasks.inspection_findings_sweep")
    assert wait_for(lambda: smtp.sink.accepted, 30), "no reminder arrived"
    [reminder] = smtp.sink.accepted
    assert {a.addr_spec for a in reminder["To"].addresses} == {COMMITTEE, OWNER}
    assert f"#{finding_id}" in reminder["Subject"] and "涉密计算机" not in smtp.sink.bodies()[0]
    finding = Finding.objects.get(id=finding_id)
    assert finding.reminded_at is not None and finding.alert_id is None
    assert day(25) < finding.reminded_at < day(26)  # the worker's clock, not the wall's

    # Day 30 + 1 h: the deadline passed; the case opens, dated from the deadline.
    at(clock, day(30) + timedelta(hours=1), "worker.tasks.inspection_findings_sweep")
    assert wait_for(lambda: Delivery.objects.filter(status="sent").exists(), 30)
    alert = Alert.objects.get(kind="finding_overdue")
    assert (alert.status, alert.opened_at, alert.carrier_id) == ("open", day(30), None)
    assert alert.details["finding"] == finding_id
    assert f"整改事项 finding #{finding_id}" in smtp.sink.bodies()[1]
    assert Finding.objects.get(id=finding_id).alert_id == alert.id

    # Day 31 + 2 h: nobody acknowledged it; the committee chair hears of it.
    at(clock, day(31) + timedelta(hours=2), "worker.tasks.alerts_sweep")
    assert wait_for(lambda: any(CHAIR in str(m["To"]) for m in smtp.sink.accepted), 30)
    alert.refresh_from_db()
    assert alert.escalated_at is not None and day(31) < alert.escalated_at < day(32)
    assert alert.status == "open"

    # Day 33: closed with the evidence of what was done; the case resolves.
    with time_machine.travel(day(33), tick=False):
        refused = api.post(f"/findings/{finding_id}/close", {"evidence": ""})
        assert refused.status_code == 422
        closed = api.post(f"/findings/{finding_id}/close", {"evidence": "已粘贴密级标志并复查"})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    alert.refresh_from_db()
    assert alert.status == "resolved" and alert.resolved_at == day(33)

    # And nothing more is said about it.
    mails = len(smtp.sink.accepted)
    at(clock, day(34), "worker.tasks.inspection_findings_sweep")
    at(clock, day(34), "worker.tasks.alerts_sweep")
    time.sleep(1.5)
    assert len(smtp.sink.accepted) == mails
