"""backend/alerts/api.py: the committee's list and acknowledgement of cases."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backend.alerts.models import Alert
from backend.alerts.sweep import sweep_run
from tests.alerts.conftest import overdue_checkout

pytestmark = pytest.mark.django_db


def test_the_committee_lists_open_cases_with_code_level_and_deadline_but_no_title(
    unit: Any, make_carrier: Any, api_as: Any
) -> None:
    carriers = [make_carrier() for _ in range(3)]
    for carrier in carriers:
        overdue_checkout(unit, carrier)
    sweep_run()
    api = api_as(unit.committee)
    with CaptureQueriesContext(connection) as queries:
        response = api.get("/alerts", status="open")
    assert response.status_code == 200
    rows = response.json()
    assert {r["carrier"] for r in rows} == {c.code for c in carriers}
    assert all(r["kind"] == "overdue_return" and r["level"] == "secret" for r in rows)
    assert all(r["details"]["deadline"] and r["details"]["reminders"] == 0 for r in rows)
    assert all(c.title not in response.content.decode() for c in carriers)
    assert len(queries.captured_queries) <= 4  # the token, the list: no N+1


def test_alerts_are_for_the_committee_only(unit: Any, api_as: Any) -> None:
    assert api_as(unit.clerk).get("/alerts").status_code == 403
    assert api_as(None).get("/alerts").status_code == 401


def test_acknowledging_names_the_person_and_a_resolved_case_refuses(
    unit: Any, make_carrier: Any, api_as: Any
) -> None:
    overdue_checkout(unit, make_carrier())
    sweep_run()
    alert = Alert.objects.get()
    api = api_as(unit.committee)
    answer = api.post(f"/alerts/{alert.id}/ack", {"note": "已电话联系 called the reader"})
    assert answer.status_code == 200
    assert (answer.json()["status"], answer.json()["acknowledged_by"]) == (
        "acknowledged",
        unit.committee.code,
    )
    Alert.objects.filter(id=alert.id).update(status="resolved")
    refused = api.post(f"/alerts/{alert.id}/ack", {})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "invalid_transition"
    assert api.post("/alerts/999999/ack", {}).status_code == 404


def test_an_api_client_may_omit_the_note_but_a_blank_one_is_refused(
    unit: Any, make_carrier: Any, api_as: Any
) -> None:
    """CONTRACT.md's ``{note?}``: omitted is accepted; a note given must say what was done
    (the page always gives one, so a clerk's empty box is refused — issue 19)."""
    overdue_checkout(unit, make_carrier())
    sweep_run()
    alert = Alert.objects.get()
    api = api_as(unit.committee)
    blank = api.post(f"/alerts/{alert.id}/ack", {"note": "   "})
    assert blank.status_code == 422
    assert blank.json()["error"]["details"]["reason"] == "note_required"
    assert api.post(f"/alerts/{alert.id}/ack", {}).status_code == 200
