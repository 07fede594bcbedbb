"""外出携带 (backend/carryouts): the request, its decision, the exit and return scans on both
ledger stores, and the overdue case the sweep opens and the return ends."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backend.alerts.models import Alert
from backend.alerts.sweep import sweep_run
from backend.carryouts.models import CarryOut, CarryOutCarrier
from backend.registry.models import Carrier
from tests.conftest import scan
from tests.custody.test_store import reprinted

ZONE = ZoneInfo("Asia/Shanghai")
# A Monday morning in the unit's zone; the request runs Monday to Tuesday.
MONDAY = datetime(2026, 12, 7, 9, 30, tzinfo=ZONE)
LEAVES, RETURNS = date(2026, 12, 7), date(2026, 12, 8)


def request_body(carriers: list[Carrier], people: list[Any], **kw: Any) -> dict[str, Any]:
    return {
        "carriers": [c.code for c in carriers],
        "purpose": kw.get("purpose", "汇报"),
        "destination": kw.get("destination", "上级机关"),
        "leaves_on": str(kw.get("leaves_on", LEAVES)),
        "returns_on": str(kw.get("returns_on", RETURNS)),
        "people": [p.code for p in people],
    }


@pytest.fixture
def approved(unit: Any, make_carrier: Any, api_as: Any, at_monday: Any) -> Any:
    """Two secret carriers on a request by the reader, carried by the reader, approved."""
    carriers = [make_carrier("secret"), make_carrier("secret")]
    made = api_as(unit.reader).post("/carry-outs", request_body(carriers, [unit.reader]))
    assert made.status_code == 201, made.json()
    body = made.json()
    assert body["status"] == "requested" and body["carriers"] == [c.code for c in carriers]
    decided = api_as(unit.approver).post(
        f"/carry-outs/{body['id']}/decision", {"decision": "approve", "opinion": "同意"}
    )
    assert decided.status_code == 200, decided.json()
    assert decided.json()["status"] == "approved"
    assert decided.json()["decided_by"] == unit.approver.code
    return body["id"], carriers


def _one(answer: Any) -> dict[str, Any]:
    assert answer.status_code == 200, answer.json()
    (result,) = answer.json()["results"]
    return dict(result)


@pytest.mark.django_db
def test_an_exit_scan_without_an_approved_request_is_refused(
    each_store: str, unit: Any, make_carrier: Any, api_as: Any, at_monday: Any
) -> None:
    clerk = api_as(unit.clerk)
    carrier = make_carrier("secret")
    bare = _one(clerk.post("/scans", {"scans": [scan("carry_out", carrier)]}))
    assert bare["status"] == "rejected" and bare["error"]["code"] == "not_approved"
    # A request that is filed but not decided allows nothing either.
    made = api_as(unit.reader).post("/carry-outs", request_body([carrier], [unit.reader])).json()
    pending = _one(
        clerk.post("/scans", {"scans": [scan("carry_out", carrier, carry_out=made["id"])]})
    )
    assert pending["status"] == "rejected" and pending["error"]["code"] == "not_approved"
    assert pending["error"]["details"]["reason"] == "not_approved"
    assert Carrier.objects.get(id=carrier.id).status == "registered"


@pytest.mark.django_db
def test_an_exit_scan_for_a_carrier_the_request_does_not_name_is_refused(
    each_store: str, unit: Any, make_carrier: Any, api_as: Any, approved: Any
) -> None:
    request_id, _ = approved
    other = make_carrier("secret")
    result = _one(
        api_as(unit.clerk).post(
            "/scans", {"scans": [scan("carry_out", other, carry_out=request_id)]}
        )
    )
    assert result["error"]["code"] == "not_approved"
    assert result["error"]["details"]["reason"] == "not_on_request"


@pytest.mark.django_db
def test_an_exit_scan_after_the_approved_dates_is_refused(
    each_store: str, unit: Any, api_as: Any, approved: Any, at_monday: Any
) -> None:
    request_id, carriers = approved
    at_monday.move_to(datetime(2026, 12, 9, 0, 5, tzinfo=ZONE))  # Wednesday, just after
    result = _one(
        api_as(unit.clerk).post(
            "/scans", {"scans": [scan("carry_out", carriers[0], carry_out=request_id)]}
        )
    )
    assert result["status"] == "rejected" and result["error"]["code"] == "not_approved"
    assert result["error"]["details"]["reason"] == "outside_dates"
    assert Carrier.objects.get(id=carriers[0].id).status == "registered"


@pytest.mark.django_db
def test_out_and_back_in_stamps_the_request_and_returns_it(
    each_store: str, unit: Any, api_as: Any, approved: Any
) -> None:
    request_id, carriers = approved
    clerk = api_as(unit.clerk)
    out = clerk.post(
        "/scans", {"scans": [scan("carry_out", c, carry_out=request_id) for c in carriers]}
    ).json()["results"]
    assert [r["status"] for r in out] == ["recorded", "recorded"], out
    first = Carrier.objects.get(id=carriers[0].id)
    assert first.status == "off_site"
    # Due back at the end of the request's last day, in the unit's calendar.
    assert first.due_at == datetime(2026, 12, 9, 0, 0, tzinfo=ZONE)
    assert out[0]["event"]["payload"]["carry_out"] == request_id
    assert CarryOut.objects.get(id=request_id).status == "out"

    # The return names the request: a carrier it does not name is refused.
    other = api_as(unit.reader).post("/carry-outs", request_body([carriers[0]], [unit.reader]))
    wrong = _one(
        clerk.post(
            "/scans",
            {"scans": [scan("carry_in", carriers[1], carry_out=other.json()["id"])]},
        )
    )
    assert wrong["error"]["code"] == "invalid_transition"
    assert wrong["error"]["details"]["reason"] == "not_on_request"

    back = _one(
        clerk.post(
            "/scans",
            {"scans": [scan("carry_in", carriers[0], carry_out=request_id, location=unit.safe)]},
        )
    )
    assert back["status"] == "recorded"
    assert CarryOut.objects.get(id=request_id).status == "out"  # one is still out
    _one(clerk.post("/scans", {"scans": [scan("carry_in", carriers[1], carry_out=request_id)]}))
    got = api_as(unit.reader).get(f"/carry-outs/{request_id}").json()
    assert got["status"] == "returned"
    assert all(i["out_at"] and i["in_at"] for i in got["items"])
    assert Carrier.objects.get(id=carriers[0].id).status == "in_storage"
    assert Carrier.objects.get(id=carriers[0].id).due_at is None


@pytest.mark.django_db
def test_a_top_secret_carry_out_with_one_person_is_refused(
    unit: Any, make_carrier: Any, api_as: Any, at_monday: Any
) -> None:
    top = make_carrier("top_secret")
    alone = api_as(unit.clerk).post("/carry-outs", request_body([top], [unit.clerk]))
    assert alone.status_code == 422
    assert alone.json()["error"]["details"]["reason"] == "two_people_required"
    # The same person named twice is still one person.
    twice = api_as(unit.clerk).post("/carry-outs", request_body([top], [unit.clerk, unit.clerk]))
    assert twice.json()["error"]["details"]["reason"] == "two_people_required"
    two = api_as(unit.clerk).post("/carry-outs", request_body([top], [unit.clerk, unit.clerk2]))
    assert two.status_code == 201
    assert CarryOut.objects.count() == 1


@pytest.mark.django_db
def test_people_and_the_requester_must_be_cleared_for_the_carriers(
    unit: Any, make_carrier: Any, api_as: Any, at_monday: Any
) -> None:
    secret = make_carrier("secret")
    low_bearer = api_as(unit.reader).post("/carry-outs", request_body([secret], [unit.low]))
    assert low_bearer.status_code == 403
    assert low_bearer.json()["error"]["code"] == "clearance_insufficient"
    low_requester = api_as(unit.low).post("/carry-outs", request_body([secret], [unit.reader]))
    assert low_requester.json()["error"]["code"] == "clearance_insufficient"
    assert CarryOut.objects.count() == 0


@pytest.mark.django_db
def test_the_approver_may_not_be_the_requester(
    unit: Any, make_carrier: Any, api_as: Any, at_monday: Any
) -> None:
    carrier = make_carrier("secret")
    own = api_as(unit.approver)
    made = own.post("/carry-outs", request_body([carrier], [unit.approver])).json()
    refused = own.post(f"/carry-outs/{made['id']}/decision", {"decision": "approve", "opinion": ""})
    assert refused.status_code == 403
    assert refused.json()["error"]["details"]["reason"] == "approver_is_requester"
    not_approver = api_as(unit.clerk).post(
        f"/carry-outs/{made['id']}/decision", {"decision": "approve", "opinion": ""}
    )
    assert not_approver.status_code == 403
    assert CarryOut.objects.get(id=made["id"]).status == "requested"
    rejected = api_as(unit.approver2).post(
        f"/carry-outs/{made['id']}/decision", {"decision": "reject", "opinion": "不必外出"}
    )
    assert rejected.json()["status"] == "rejected"
    again = api_as(unit.approver2).post(
        f"/carry-outs/{made['id']}/decision", {"decision": "approve", "opinion": ""}
    )
    assert again.status_code == 409


@pytest.mark.django_db
def test_the_sweep_opens_carry_out_overdue_and_the_return_ends_it(
    unit: Any, api_as: Any, approved: Any, at_monday: Any
) -> None:
    request_id, carriers = approved
    clerk = api_as(unit.clerk)
    _one(clerk.post("/scans", {"scans": [scan("carry_out", carriers[0], carry_out=request_id)]}))
    sweep_run()
    assert not Alert.objects.filter(kind="carry_out_overdue").exists()  # not due yet
    at_monday.move_to(datetime(2026, 12, 9, 0, 1, tzinfo=ZONE))  # past Tuesday's end
    sweep_run()
    case = Alert.objects.get(kind="carry_out_overdue")
    assert case.carrier_id == carriers[0].id and case.status == "open"
    _one(clerk.post("/scans", {"scans": [scan("carry_in", carriers[0], carry_out=request_id)]}))
    case.refresh_from_db()
    assert case.status == "resolved"
    item = CarryOutCarrier.objects.get(carry_out_id=request_id, carrier_id=carriers[0].id)
    assert item.in_at is not None


@pytest.mark.django_db
def test_a_request_whose_dates_pass_unused_is_closed_and_a_late_spooled_exit_still_records(
    each_store: str, unit: Any, api_as: Any, approved: Any, at_monday: Any
) -> None:
    request_id, carriers = approved
    sweep_run()
    assert CarryOut.objects.get(id=request_id).status == "approved"  # its dates are running
    at_monday.move_to(datetime(2026, 12, 9, 0, 5, tzinfo=ZONE))  # Wednesday: they ended
    sweep_run()
    assert api_as(unit.reader).get(f"/carry-outs/{request_id}").json()["status"] == "closed"
    clerk = api_as(unit.clerk)
    # Made on Tuesday at an offline desk, sent on Wednesday: within the dates, it records.
    late = scan(
        "carry_out", carriers[0], carry_out=request_id, occurred_at="2026-12-08T16:00:00+08:00"
    )
    assert _one(clerk.post("/scans", {"scans": [late]}))["status"] == "recorded"
    assert CarryOut.objects.get(id=request_id).status == "out"
    # Made today, it is refused as before: the dates, not the status, decide.
    today = _one(
        clerk.post("/scans", {"scans": [scan("carry_out", carriers[1], carry_out=request_id)]})
    )
    assert today["error"]["details"]["reason"] == "outside_dates"


@pytest.mark.django_db
def test_a_reprinted_label_carries_its_carrier_out_and_a_voided_one_is_refused(
    each_store: str, unit: Any, api_as: Any, approved: Any
) -> None:
    request_id, carriers = approved
    carrier = carriers[0]
    new_code = reprinted(unit, carrier)
    clerk = api_as(unit.clerk)
    old = _one(clerk.post("/scans", {"scans": [scan("carry_out", carrier, carry_out=request_id)]}))
    assert old["error"]["code"] == "voided_label"
    new = _one(clerk.post("/scans", {"scans": [scan("carry_out", new_code, carry_out=request_id)]}))
    assert new["status"] == "recorded", new
    assert Carrier.objects.get(id=carrier.id).status == "off_site"


@pytest.mark.django_db
def test_the_list_costs_the_same_queries_for_one_request_or_many(
    unit: Any, make_carrier: Any, api_as: Any, at_monday: Any
) -> None:
    committee = api_as(unit.committee)
    reader = api_as(unit.reader)

    def file(n: int) -> None:
        for _ in range(n):
            carriers = [make_carrier("secret"), make_carrier("secret")]
            assert (
                reader.post("/carry-outs", request_body(carriers, [unit.reader])).status_code == 201
            )

    def queries() -> int:
        with CaptureQueriesContext(connection) as seen:
            answer = committee.get("/carry-outs")
        assert answer.status_code == 200
        return len(seen)

    file(1)
    one = queries()
    file(5)
    assert queries() == one
    assert len(committee.get("/carry-outs").json()) == 6
    # Need-to-know: a person neither requesting nor carrying sees none of them.
    assert api_as(unit.low).get("/carry-outs").json() == []
