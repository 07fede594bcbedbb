"""Findings over the API: recorded by the committee, closed only with evidence, counted by
year for the annual report."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.auth import get_user_model

from backend.alerts.models import Alert
from backend.inspection.findings import REMIND_LEASE, findings_summary, findings_sweep
from backend.inspection.models import Finding
from tests.alerts.loopback import SmtpServer

pytestmark = pytest.mark.django_db
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_the_committee_records_a_finding_and_closes_it_only_with_evidence(
    unit: Any, api_as: Any
) -> None:
    api = api_as(unit.committee)
    with time_machine.travel(START, tick=False):
        deadline = (START + timedelta(days=30)).isoformat()
        answer = api.post(
            "/findings",
            {"title": "保密柜钥匙未专人保管", "responsible": unit.clerk.code, "deadline": deadline},
        )
        assert answer.status_code == 201, answer.content
        body = answer.json()
        assert (body["status"], body["responsible"], body["alert"]) == (
            "open",
            unit.clerk.code,
            None,
        )
        finding = Finding.objects.get(id=body["id"])
        assert finding.remind_at == START + timedelta(days=25)

        refused = api.post(f"/findings/{body['id']}/close", {"evidence": "  "})
        assert refused.status_code == 422
        assert refused.json()["error"]["details"]["reason"] == "evidence_required"
        assert Finding.objects.get(id=body["id"]).status == "open"

        closed = api.post(
            f"/findings/{body['id']}/close", {"evidence": "钥匙已交保密员保管，登记在册"}
        )
        assert closed.status_code == 200, closed.content
        assert (closed.json()["status"], closed.json()["closed_by"]) == (
            "closed",
            unit.committee.code,
        )
        again = api.post(f"/findings/{body['id']}/close", {"evidence": "再次"})
        assert again.status_code == 409
        assert again.json()["error"]["code"] == "invalid_transition"


def test_only_the_committee_records_and_a_past_deadline_is_refused(unit: Any, api_as: Any) -> None:
    body = {"title": "x", "responsible": unit.clerk.code, "deadline": "2030-01-01T00:00:00+08:00"}
    assert api_as(unit.clerk).post("/findings", body).status_code == 403
    past = {**body, "deadline": "2020-01-01T00:00:00+08:00"}
    answer = api_as(unit.committee).post("/findings", past)
    assert answer.status_code == 422 and answer.json()["error"]["details"]["reason"] == "past"
    naive = {**body, "deadline": "2030-01-01T00:00:00"}
    assert api_as(unit.committee).post("/findings", naive).status_code == 422
    assert (
        api_as(unit.committee).post("/findings/999999/close", {"evidence": "e"}).status_code == 404
    )
    assert not Finding.objects.exists()


def test_the_year_counts_open_closed_and_overdue_findings(unit: Any, api_as: Any) -> None:
    api = api_as(unit.committee)
    with time_machine.travel(START, tick=False):
        ids = [
            api.post(
                "/findings",
                {
                    "title": f"f{n}",
                    "responsible": unit.clerk.code,
                    "deadline": (START + timedelta(days=10)).isoformat(),
                },
            ).json()["id"]
            for n in range(3)
        ]
        api.post(f"/findings/{ids[0]}/close", {"evidence": "done in time"})
    with time_machine.travel(START + timedelta(days=11), tick=False):
        assert findings_sweep().opened == 2  # the two still open, one case each
        assert Alert.objects.filter(kind="finding_overdue", status="open").count() == 2
        assert findings_sweep().opened == 0
        api.post(f"/findings/{ids[1]}/close", {"evidence": "done late"})
        assert findings_summary(2026) == {"open": 1, "closed": 2, "overdue": 2}
        assert findings_summary(2025) == {"open": 0, "closed": 0, "overdue": 0}
        late = Finding.objects.get(id=ids[1])
        assert Alert.objects.get(id=late.alert_id).status == "resolved"


def test_a_finding_belongs_to_the_inspection_that_found_it(unit: Any, api_as: Any) -> None:
    api = api_as(unit.committee)
    held = api.post("/inspections", {"kind": "superior", "held_on": "2026-05-20", "by": "县保密局"})
    assert held.status_code == 201, held.content
    body = {
        "title": "未建立涉密人员台账",
        "responsible": unit.clerk.code,
        "deadline": "2030-01-01T00:00:00+08:00",
        "inspection": held.json()["id"],
    }
    finding = api.post("/findings", body)
    assert finding.status_code == 201 and finding.json()["inspection"] == held.json()["id"]
    assert api.post("/findings", {**body, "inspection": 999999}).status_code == 404
    assert (
        api.post("/inspections", {"kind": "other", "held_on": "2026-05-20", "by": "x"}).status_code
        == 422
    )
    assert [f["id"] for f in api.get("/findings", status="open").json()] == [finding.json()["id"]]


def test_a_refused_reminder_is_sent_again_once_its_lease_ran_out(
    unit: Any, api_as: Any, settings: Any
) -> None:
    with SmtpServer() as smtp:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp.port
        settings.CUSTOS_ALERT_EMAILS = ["committee@unit.example"]
        smtp.sink.refuse = 1
        with time_machine.travel(START, tick=False):
            deadline = (START + timedelta(days=30)).isoformat()
            api_as(unit.committee).post(
                "/findings", {"title": "t", "responsible": unit.clerk.code, "deadline": deadline}
            )
        with time_machine.travel(START + timedelta(days=25), tick=False):
            assert findings_sweep().as_dict() == {"reminded": 0, "failed": 1, "opened": 0}
            assert findings_sweep().as_dict() == {"reminded": 0, "failed": 0, "opened": 0}  # leased
        with time_machine.travel(START + timedelta(days=25) + REMIND_LEASE, tick=False):
            assert findings_sweep().reminded == 1
        with time_machine.travel(START + timedelta(days=26), tick=False):
            assert findings_sweep().reminded == 0
        assert len(smtp.sink.accepted) == 1 and smtp.sink.refused == 1
        assert Finding.objects.get().reminded_at == START + timedelta(days=25) + REMIND_LEASE


def test_the_dashboard_links_an_overdue_finding_to_the_self_inspection(
    unit: Any, api_as: Any, client: Any
) -> None:
    with time_machine.travel(START, tick=False):
        deadline = (START + timedelta(days=3)).isoformat()
        body = {"title": "t", "responsible": unit.clerk.code, "deadline": deadline}
        finding_id = api_as(unit.committee).post("/findings", body).json()["id"]
    with time_machine.travel(START + timedelta(days=4), tick=False):
        assert findings_sweep().opened == 1
    unit.committee.user = get_user_model().objects.create_user(username="committee")
    unit.committee.save(update_fields=["user"])
    client.force_login(unit.committee.user)
    page = client.get("/dashboard/").content.decode()
    assert f'href="/inspection/#findings">整改事项 #{finding_id}</a>' in page
    alerts = api_as(unit.committee).get("/alerts", kind="finding_overdue").json()
    assert [(a["carrier"], a["details"]["finding"]) for a in alerts] == [(None, finding_id)]
