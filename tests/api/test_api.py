"""The HTTP API of CONTRACT.md: shapes, auth, roles, need-to-know, error codes."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import scan

pytestmark = pytest.mark.django_db


def error_code(response: Any) -> str:
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    return body["error"]["code"]


def test_health_needs_no_token_and_reports_its_parts(api_as: Any) -> None:
    response = api_as(None).get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok" and response.json()["database"] == "ok"


@pytest.mark.parametrize("header", [None, "Bearer nope", "Bearer cst_0123456789_wrong", "Basic x"])
def test_a_missing_or_bad_token_is_401_unauthenticated(header: str | None, unit: Any) -> None:
    from django.test import Client

    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = Client().get("/api/v1/carriers", **extra)
    assert response.status_code == 401 and error_code(response) == "unauthenticated"


@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/nope", "/api/v1/scans/", "/api/v2/scans"])
def test_a_path_that_names_no_endpoint_is_404_in_the_error_shape(path: str) -> None:
    from django.test import Client

    response = Client().post(path, data="{}", content_type="application/json")
    assert response.status_code == 404 and error_code(response) == "not_found"
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json()["error"]["details"] == {"path": path}


def test_a_method_an_endpoint_does_not_take_is_405_in_the_error_shape(unit: Any) -> None:
    from django.test import Client

    response = Client().delete("/api/v1/scans")
    assert response.status_code == 405 and error_code(response) == "method_not_allowed"
    assert response.json()["error"]["details"] == {"allowed": ["POST"]}
    assert response["Allow"] == "POST"


def test_a_body_over_the_upload_limit_is_413_in_the_error_shape(
    unit: Any, api_as: Any, settings: Any
) -> None:
    # The receipts check takes 10,000 receipts, which can be more than Django reads.
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2_000
    receipt = {"id": "x" * 64, "carrier": "C" * 64, "seq": 1, "hash": "0" * 128}
    response = api_as(unit.clerk).post("/ledger/receipts/verify", {"receipts": [receipt] * 20})
    assert response.status_code == 413 and error_code(response) == "too_large"
    assert response["Content-Type"] == "application/json; charset=utf-8"
    details = response.json()["error"]["details"]
    assert details["limit"] == 2_000 and details["length"] > 2_000


def test_an_unknown_carrier_keeps_its_contract_code(unit: Any, api_as: Any) -> None:
    response = api_as(unit.clerk).get("/carriers/CXZ-00000001M")
    assert response.status_code == 404 and error_code(response) == "unknown_code"
    # The same header as every API answer (it once said charset twice).
    assert response["Content-Type"] == "application/json; charset=utf-8"


def test_the_admin_adds_people_and_locations(unit: Any, api_as: Any) -> None:
    admin = api_as(unit.admin)
    person = admin.post("/people", {"name": "新人", "clearance": "secret", "roles": ["clerk"]})
    assert person.status_code == 201
    assert person.json()["code"].startswith("P") and person.json()["roles"] == ["clerk"]
    place = admin.post("/locations", {"name": "保密柜C", "kind": "safe"})
    assert place.status_code == 201 and place.json()["code"].startswith("L")
    clerk = api_as(unit.clerk).post("/people", {"name": "x", "clearance": "none", "roles": []})
    assert clerk.status_code == 403 and error_code(clerk) == "forbidden"


def test_a_registrar_proposes_a_carrier_as_a_draft_with_its_marking(unit: Any, api_as: Any) -> None:
    body = {
        "title": "年度工作要点",
        "form": "paper",
        "level": "secret",
        "period": {"years": 10},
        "basis": "定密事项一览表第3项",
        "custodian": unit.clerk.code,
        "location": unit.safe.code,
        "copy_no": 2,
        "copies_total": 5,
    }
    response = api_as(unit.registrar).post("/carriers", body)
    assert response.status_code == 201, response.content
    carrier = response.json()
    # CONTRACT.md's classification steps: a registrar's carrier starts as a draft.
    assert carrier["marking"] == "机密★10年" and carrier["status"] == "draft"
    assert carrier["seq"] == 1 and carrier["custodian"] == unit.clerk.code
    assert api_as(unit.clerk).post("/carriers", body).status_code == 403


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"level": "ultra"}, "invalid"),
        ({"period": {"years": 1, "months": 2}}, "invalid"),
        ({"custodian": "P-NOBODYX"}, "bad_check_character"),
        ({"location": "not a code"}, "invalid"),
        ({"copy_no": 6, "copies_total": 5}, "invalid"),
    ],
)
def test_bad_registrations_are_refused_with_the_contract_codes(
    unit: Any, api_as: Any, change: dict[str, Any], code: str
) -> None:
    body = {
        "title": "t",
        "form": "paper",
        "level": "secret",
        "custodian": unit.clerk.code,
        "location": unit.safe.code,
        **change,
    }
    response = api_as(unit.registrar).post("/carriers", body)
    assert response.status_code == 422 and error_code(response) == code


def test_titles_appear_only_to_people_who_may_know_them(
    unit: Any, api_as: Any, make_carrier: Any
) -> None:
    top = make_carrier("top_secret", title="绝密标题甲")
    scoped = make_carrier("confidential", title="范围标题乙", scope=[unit.clerk])
    for person, sees_top, sees_scoped in [
        (unit.committee, True, True),
        (unit.clerk, True, True),
        (unit.clerk2, True, False),  # cleared, but outside the knowledge scope
        (unit.witnesses[0], False, False),  # secret clearance: not top secret; not in scope
    ]:
        client = api_as(person)
        titles = {c["code"]: c["title"] for c in client.get("/carriers").json()["items"]}
        assert (titles[top.code] == "绝密标题甲") is sees_top
        assert (titles[scoped.code] == "范围标题乙") is sees_scoped
        searched = client.get("/carriers", q="标题").json()
        assert searched["count"] == sees_top + sees_scoped
        body = client.get(f"/carriers/{top.code}").content.decode()
        assert ("绝密标题甲" in body) is sees_top


def test_listing_carriers_takes_a_fixed_number_of_queries(
    unit: Any, api_as: Any, make_carrier: Any
) -> None:
    client = api_as(unit.clerk)
    make_carrier()
    with CaptureQueriesContext(connection) as few:
        assert client.get("/carriers").status_code == 200
    for _ in range(8):
        make_carrier(scope=[unit.clerk, unit.reader])
    with CaptureQueriesContext(connection) as many:
        assert client.get("/carriers").json()["count"] == 9
    assert len(many) == len(few)


def test_carrier_codes_in_the_path_are_normalised_and_checked(
    unit: Any, api_as: Any, make_carrier: Any
) -> None:
    carrier = make_carrier()
    client = api_as(unit.clerk)
    assert client.get(f"/carriers/{carrier.code.lower()}").json()["code"] == carrier.code
    wrong = carrier.code[:-1] + ("A" if carrier.code[-1] != "A" else "B")
    response = client.get(f"/carriers/{wrong}")
    assert response.status_code == 422 and error_code(response) == "bad_check_character"


def test_scans_answer_per_scan_inside_a_200(unit: Any, api_as: Any, make_carrier: Any) -> None:
    carrier = make_carrier()
    scans = [
        scan("checkout", carrier, counterpart=unit.reader, location=unit.desk),
        scan("checkout", carrier, counterpart=unit.reader),
        scan("return", "CXZ-00000001Q"),
    ]
    response = api_as(unit.clerk).post("/scans", {"scans": scans})
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["id"] for r in results] == [s["id"] for s in scans]
    assert [r["status"] for r in results] == ["recorded", "rejected", "rejected"]
    assert results[0]["event"]["seq"] == 2 and results[0]["event"]["actor"] == unit.clerk.code
    assert [r["error"]["code"] for r in results[1:]] == [
        "invalid_transition",
        "bad_check_character",
    ]
    events = api_as(unit.committee).get(f"/carriers/{carrier.code}/events").json()
    assert [e["seq"] for e in events] == [1, 2] and events[1]["id"] == scans[0]["id"]
    assert events[1]["prev_hash"] == events[0]["hash"]


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[]",
        {"scans": []},
        {"scans": [{"id": "x"}]},
        {"scans": "no"},
        {
            "scans": [
                {
                    "id": str(uuid.uuid4()),
                    "action": "store",
                    "carrier": "C",
                    "occurred_at": "2026-01-01T00:00:00",
                }
            ]
        },
    ],
)
def test_malformed_bodies_are_422_invalid(unit: Any, api_as: Any, body: Any) -> None:
    response = api_as(unit.clerk).post("/scans", body)
    assert response.status_code == 422 and error_code(response) == "invalid"


def test_more_than_1000_scans_is_refused_whole(unit: Any, api_as: Any, make_carrier: Any) -> None:
    carrier = make_carrier()
    response = api_as(unit.clerk).post(
        "/scans", {"scans": [scan("inventory", carrier) for _ in range(1001)]}
    )
    assert response.status_code == 422 and error_code(response) == "invalid"


def test_alerts_are_for_the_committee_who_acknowledge_them(
    unit: Any, api_as: Any, make_carrier: Any
) -> None:
    carrier = make_carrier(title="不应出现的标题")
    api_as(unit.clerk).post("/scans", {"scans": [scan("inventory", carrier, location=unit.desk)]})
    assert api_as(unit.clerk).get("/alerts").status_code == 403
    committee = api_as(unit.committee)
    [alert] = committee.get("/alerts", status="open").json()
    assert alert["kind"] == "custody_mismatch" and alert["carrier"] == carrier.code
    acked = committee.post(f"/alerts/{alert['id']}/ack", {"note": "已核实"})
    assert acked.status_code == 200
    assert (acked.json()["status"], acked.json()["acknowledged_by"]) == (
        "acknowledged",
        unit.committee.code,
    )
    assert "不应出现的标题" not in committee.get("/alerts").content.decode()
    missing = committee.post("/alerts/999999/ack", {})
    assert missing.status_code == 404


def test_a_resolved_alert_cannot_be_acknowledged(unit: Any, api_as: Any, make_carrier: Any) -> None:
    from django.utils import timezone

    from backend.alerts.models import Alert

    alert = Alert.objects.create(
        kind="overdue_return", carrier=make_carrier(), opened_at=timezone.now(), status="resolved"
    )
    response = api_as(unit.committee).post(f"/alerts/{alert.id}/ack", {})
    assert response.status_code == 409 and error_code(response) == "invalid_transition"


def test_ledger_verify_answers_the_committee(unit: Any, api_as: Any, make_carrier: Any) -> None:
    make_carrier()
    body = api_as(unit.committee).get("/ledger/verify").json()
    assert body == {"ok": True, "carriers": 1, "events": 1, "broken": []}
    assert api_as(unit.clerk).get("/ledger/verify").status_code == 403


def test_the_sign_in_page_loads_nothing_from_outside(client: Any) -> None:
    import re

    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200 and "登录" in html
    assets = re.findall(r'(?:src|href|action)="([^"]*)"', html)
    assert not [a for a in assets if "//" in a or a.startswith("http")], assets
    assert "@import" not in html and "url(http" not in html


def test_an_expired_a_revoked_and_a_departed_persons_token_get_401(unit: Any) -> None:
    from datetime import timedelta

    from django.test import Client
    from django.utils import timezone

    from backend.registry.models import Token
    from backend.registry.services import token_create

    def status(token: str) -> int:
        return Client().get("/api/v1/carriers", HTTP_AUTHORIZATION=f"Bearer {token}").status_code

    fresh = token_create(person=unit.clerk, expires_at=timezone.now() + timedelta(hours=1))
    expired = token_create(person=unit.clerk, expires_at=timezone.now() - timedelta(seconds=1))
    revoked = token_create(person=unit.clerk)
    Token.objects.filter(prefix=revoked.split("_")[1]).update(revoked_at=timezone.now())
    departed = token_create(person=unit.reader)
    unit.reader.departs_on = timezone.localdate()
    unit.reader.save(update_fields=["departs_on"])
    assert [status(t) for t in (fresh, expired, revoked, departed)] == [200, 401, 401, 401]


def test_a_device_token_reads_carriers_and_scans_at_its_location(
    unit: Any, make_carrier: Any
) -> None:
    from django.test import Client

    from backend.registry.services import device_create, token_create

    carrier = make_carrier()
    token = token_create(device=device_create(name="desk scanner", location=unit.desk))
    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert client.get(f"/api/v1/carriers/{carrier.code}", **auth).json()["title"] is None
    body = {"scans": [scan("checkout", carrier, actor=unit.clerk, counterpart=unit.reader)]}
    response = client.post("/api/v1/scans", body, content_type="application/json", **auth)
    [result] = response.json()["results"]
    assert result["status"] == "recorded" and result["event"]["device"] == "desk scanner"
    assert result["event"]["location"] == unit.desk.code
    assert client.get("/api/v1/alerts", **auth).status_code == 403


def test_the_api_docs_load_nothing_from_outside_the_machine(client: Any) -> None:
    import re

    response = client.get("/api/v1/docs")
    assets = re.findall(r'(?:src|href)="([^"]+)"', response.content.decode())
    assert response.status_code == 200 and assets
    assert not [a for a in assets if "//" in a], assets
    for asset in assets:
        assert client.get(asset).status_code == 200, asset
