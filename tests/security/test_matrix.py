"""Roles × clearances × every API endpoint: each call answers or refuses in CONTRACT.md's
error shape, and no answer — JSON, SVG, spreadsheet or PDF — carries the title or basis of
a carrier above the caller's clearance or outside its knowledge scope.

The oracle here is written out independently of backend/registry/policy.py, so a policy
change that leaks shows as a failure, not as a matching change on both sides.
"""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from datetime import timedelta
from typing import Any

import pypdfium2
import pytest
from django.utils import timezone

from backend.alerts.services import alert_raise
from backend.api.main import api
from backend.carryouts.services import carry_out_decide, carry_out_request
from backend.custody.services import ScanIn, scans_ingest
from backend.meetings.services import meeting_create
from backend.registry.principals import Principal
from tests.conftest import scan

ROLES = [
    "admin",
    "registrar",
    "clerk",
    "approver",
    "witness",
    "committee",
    "security_admin",
    "auditor",
    "",
]
CLEARANCES = ["top_secret", "secret", "confidential", "none"]
RANK = {"none": 0, "confidential": 1, "secret": 2, "top_secret": 3}
ERROR_STATUSES = {401, 403, 404, 409, 422}
CONTRACT_CODES = {
    "unauthenticated",
    "forbidden",
    "clearance_insufficient",
    "outside_scope",
    "unknown_code",
    "not_found",
    "invalid_transition",
    "conflict",
    "voided_label",
    "holder_has_carriers",
    "invalid",
    "bad_check_character",
}


def _text_of(response: Any) -> str:
    """Everything a person could read in the answer, whatever its format."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    kind = response.get("Content-Type", "")
    if body[:4] == b"%PDF":
        pdf = pypdfium2.PdfDocument(body)
        return "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    if body[:2] == b"PK":  # xlsx: the cells live in the zipped XML parts
        with zipfile.ZipFile(io.BytesIO(body)) as z:
            return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    if kind.startswith("image/png"):
        return ""  # a raster label: titles are off by default (CUSTOS_LABEL_TITLES)
    return body.decode("utf-8", "replace")


@pytest.fixture
def world(unit: Any, make_carrier: Any, make_person: Any) -> dict[str, Any]:
    insider = make_person(("clerk",), "top_secret", name="insider")
    carriers = {
        "ts": make_carrier("top_secret", title="绝密标题ALPHA", basis="绝密依据ALPHA"),
        "scoped": make_carrier(
            "secret", title="机密标题BRAVO", basis="机密依据BRAVO", scope=[insider]
        ),
        "conf": make_carrier("confidential", title="秘密标题CHARLIE", basis="秘密依据CHARLIE"),
    }
    alert = alert_raise(
        kind="overdue_return",
        carrier=carriers["ts"],
        opened_at=timezone.now() - timedelta(hours=1),
        details={},
    )
    # 外出携带: an approved request naming the 绝密 carrier (its form and register rows).
    carry = approved_carry_out(unit, [carriers["ts"], carriers["conf"]])
    # A meeting where the insider holds two of them: its answers, record and register
    # carry titles too.
    meeting = meeting_create(
        principal=Principal(person=unit.clerk),
        title="会议",
        level="secret",
        location=unit.desk,
        starts_at=timezone.now() - timedelta(minutes=5),
        ends_at=timezone.now() + timedelta(hours=1),
        attendees=[insider],
    )
    issued = scans_ingest(
        principal=Principal(person=unit.clerk),
        scans=[
            ScanIn(
                id=uuid.uuid4(),
                action="checkout",
                carrier=carriers[k].code,
                counterpart=insider.code,
                location=unit.desk.code,
                meeting=meeting.id,
            )
            for k in ("scoped", "conf")
        ],
    )
    assert [r.status for r in issued] == ["recorded", "recorded"]
    return {
        "carriers": carriers,
        "insider": insider,
        "alert": alert,
        "unit": unit,
        "carry_out": carry,
        "meeting": meeting,
    }


def approved_carry_out(unit: Any, carriers: list[Any]) -> int:
    """A carry-out of ``carriers`` today by two clerks, approved; its id."""
    carry = carry_out_request(
        principal=Principal(person=unit.clerk),
        carriers=[c.code for c in carriers],
        purpose="汇报",
        destination="上级机关",
        leaves_on=timezone.localdate(),
        returns_on=timezone.localdate(),
        people=[unit.clerk.code, unit.clerk2.code],
    )
    carry_out_decide(
        principal=Principal(person=unit.approver),
        carry_out_id=carry.id,
        decision="approve",
        opinion="同意",
    )
    return carry.id


def _knows(role: str, clearance: str, person_code: str, carrier: Any) -> bool:
    if role == "committee":
        return True
    if RANK[clearance] < RANK[carrier.level]:
        return False
    scope = {p.code for p in carrier.scope.all()}
    return not scope or person_code in scope


def _calls(world: dict[str, Any], person: Any) -> list[tuple[str, str, Any]]:
    c, unit = world["carriers"], world["unit"]
    calls: list[tuple[str, str, Any]] = [
        ("get", "/health", None),
        ("post", "/people", {"name": "新人", "clearance": "none", "roles": []}),
        ("post", "/locations", {"name": "新柜", "kind": "safe"}),
        (
            "post",
            "/carriers",
            {
                "title": "新登记",
                "form": "paper",
                "level": "confidential",
                "period": {"years": 1},
                "basis": "依据",
                "custodian": unit.clerk.code,
                "location": unit.safe.code,
            },
        ),
        ("get", "/carriers", None),
        ("get", "/carriers?q=标题", None),
        ("get", "/carriers?level=top_secret", None),
        ("get", "/ledger/verify", None),
        ("post", "/destruction-batches", {}),
        ("post", "/destruction-batches/999999/carriers", {"carriers": [c["ts"].code]}),
        ("post", "/destruction-batches/999999/close", {}),
        ("get", "/destruction-batches/999999/manifest.xlsx", None),
        ("get", "/ledger/checkpoints/latest", None),
        ("get", "/ledger/checkpoints/999999", None),
        (
            "post",
            "/ledger/receipts/verify",
            {
                "receipts": [
                    {"id": str(uuid.uuid4()), "carrier": c["ts"].code, "seq": 1, "hash": "0"}
                ]
            },
        ),
        ("get", "/alerts", None),
        ("post", f"/alerts/{world['alert'].id}/ack", {"note": "看过"}),
        ("get", f"/people/{person.code}/badge.svg", None),
        ("get", f"/locations/{unit.safe.code}/plate.svg", None),
        ("post", f"/people/{person.code}/badge/print", {"printer": "nowhere"}),
        ("post", f"/locations/{unit.safe.code}/plate/print", {"printer": "nowhere"}),
        ("post", "/labels/sheet", {"codes": [x.code for x in c.values()]}),
        ("post", "/labels/print", {"codes": [c["ts"].code], "printer": "nowhere"}),
        ("get", "/labels/print/999999", None),
        ("post", "/copy-requests/999999/decision", {"decision": "approve", "opinion": "x"}),
        ("post", "/compilations", {}),
        ("post", "/inventories", {"location": unit.safe.code}),
        ("post", "/inventories/999999/close", None),
        ("get", "/inventories/999999/report.pdf", None),
        ("get", "/inventory-reminders", None),
        ("get", f"/people/{person.code}/file", None),
        (
            "post",
            f"/people/{person.code}/undertakings",
            {"kind": "on_post", "signed_on": "2999-01-01"},
        ),
        ("post", f"/people/{person.code}/grade", {"grade": ""}),
        ("post", f"/people/{person.code}/departure", {"departs_on": "2000-01-01"}),
        ("post", f"/people/{person.code}/leave", {"decontrol_months": -1}),
        ("get", "/loss-reports/999999/report.pdf", None),
        ("post", "/scans", {"scans": [scan("inventory", c["ts"], location=unit.safe)]}),
        ("get", "/campaigns", None),
        ("post", "/campaigns", {"title": "清退", "deadline": "2999-01-01T00:00:00+08:00"}),
        ("get", "/campaigns/999999", None),
        ("post", "/campaigns/999999/close", None),
        (
            "post",
            "/carry-outs",
            {
                "carriers": [c["conf"].code],
                "purpose": "汇报",
                "destination": "上级机关",
                "leaves_on": str(timezone.localdate()),
                "returns_on": str(timezone.localdate()),
                "people": [person.code],
            },
        ),
        ("get", "/carry-outs", None),
        ("get", f"/carry-outs/{world['carry_out']}", None),
        ("get", f"/carry-outs/{world['carry_out']}/form.pdf", None),
        ("post", "/carry-outs/999999/decision", {"decision": "approve", "opinion": "x"}),
        (
            "post",
            "/meetings",
            {
                "title": "新会议",
                "level": "confidential",
                "location": unit.desk.code,
                "starts_at": timezone.now().isoformat(),
                "ends_at": (timezone.now() + timedelta(hours=1)).isoformat(),
                "attendees": [person.code],
            },
        ),
        ("get", f"/meetings/{world['meeting'].id}", None),
        ("get", f"/meetings/{world['meeting'].id}/record.pdf", None),
        ("post", "/meetings/999999/close", None),
        ("post", "/meetings/999999/venue", {"note": "清场完毕"}),
        # The self-inspection, findings and the annual report (committee).
        ("post", "/inspections", {"kind": "self", "held_on": str(timezone.localdate()), "by": "x"}),
        (
            "post",
            "/findings",
            {"title": "整改", "responsible": person.code, "deadline": "2099-01-01T00:00:00+08:00"},
        ),
        ("get", "/findings", None),
        ("post", "/findings/999999/close", {"evidence": "done"}),
        ("post", "/self-inspections", {"year": timezone.localdate().year}),
        ("get", f"/self-inspections/{timezone.localdate().year}", None),
        ("put", f"/self-inspections/{timezone.localdate().year}/items/999999", {"value": "yes"}),
        ("get", "/checklist", None),
        ("post", "/checklist/items", {}),
        ("put", "/checklist/items/999999", {}),
        ("get", f"/reports/annual?year={timezone.localdate().year}", None),
        ("get", f"/reports/annual.pdf?year={timezone.localdate().year}", None),
        ("get", f"/reports/annual.docx?year={timezone.localdate().year}", None),
        ("get", "/reports/matters.xlsx", None),
        ("get", "/reports/matters.pdf", None),
    ]
    for name in (
        "carriers",
        "classifications",
        "lending",
        "destruction",
        "carry-outs",
        "meetings",
        "campaigns",
    ):
        calls.append(("get", f"/registers/{name}.xlsx", None))
    calls.append(("get", "/registers/carriers.pdf", None))
    for carrier in c.values():
        code = carrier.code
        calls += [
            ("get", f"/carriers/{code}", None),
            ("get", f"/carriers/{code}/events", None),
            ("get", f"/carriers/{code}/label.svg", None),
            ("get", f"/carriers/{code}/classification", None),
            ("post", f"/carriers/{code}/decision", {"decision": "review", "opinion": "x"}),
            ("post", f"/carriers/{code}/proposals", {}),
            ("post", f"/carriers/{code}/copies", {}),
            ("post", f"/carriers/{code}/loss-report", {}),
            ("post", f"/carriers/{code}/label/print", {"printer": "nowhere"}),
            ("post", f"/carriers/{code}/label/reprint", {"printer": "nowhere"}),
        ]
    return calls


def test_the_matrix_covers_every_endpoint_of_the_api(world: dict[str, Any]) -> None:
    """A new endpoint must be added to the matrix: its path shape appears in the calls."""
    import re

    called = {
        re.sub(r"/(C|P|L)[A-Z0-9-]+(?=[/.]|$)", "/{code}", re.sub(r"/\d+", "/{id}", path))
        .split("?")[0]
        .replace(".svg", ".{fmt}")
        .replace(".xlsx", ".{fmt}")
        .replace(".docx", ".{fmt}")
        for _, path, _ in _calls(world, world["unit"].clerk)
    }
    called = {re.sub(r"/registers/[\w-]+", "/registers/{name}", p) for p in called}
    declared = set()
    for path in api.get_openapi_schema()["paths"]:
        shape = re.sub(
            r"\{(alert_id|job_id|request_id|stocktake_id|report_id|checkpoint_id|batch_id|carry_out_id|meeting_id|finding_id|item_id|year|campaign_id)\}",
            "{id}",
            path,
        )
        declared.add(shape.removeprefix("/api/v1"))
    missing = {p for p in declared if p not in called and p.replace(".pdf", ".{fmt}") not in called}
    assert not missing, f"endpoints missing from the matrix: {sorted(missing)}"


@pytest.mark.parametrize("role", ROLES)
def test_every_answer_shows_only_what_the_caller_may_know(
    role: str, world: dict[str, Any], make_person: Any, api_as: Any
) -> None:
    carriers = world["carriers"]
    for clearance in CLEARANCES:
        person = make_person((role,) if role else (), clearance)
        client = api_as(person)
        secrets = [
            s
            for c in carriers.values()
            if not _knows(role, clearance, person.code, c)
            for s in (c.title, c.basis)
        ]
        for method, path, body in _calls(world, person):
            if method == "get":
                response = client.get(path)
            else:
                response = getattr(client, method)(path, body or {})
            where = f"{role or 'no role'}/{clearance} {method.upper()} {path}"
            assert response.status_code in {200, 201} | ERROR_STATUSES, (
                f"{where}: {response.status_code}"
            )
            if response.status_code >= 400:
                error = json.loads(_text_of(response))["error"]
                assert error["code"] in CONTRACT_CODES, where
                assert set(error) == {"code", "message", "details"}, where
            text = _text_of(response)
            leaked = [s for s in secrets if s in text]
            assert not leaked, f"{where} shows {leaked}"
        # The control: where the caller may know a title, the carrier's answer shows it
        # (so the search above is not passing on answers that never carry a title).
        for c in carriers.values():
            answer = client.get(f"/carriers/{c.code}")
            if answer.status_code == 200:
                assert (answer.json()["title"] == c.title) is _knows(
                    role, clearance, person.code, c
                ), f"{role}/{clearance} {c.level}"
        # Counts do not leak either: a title search counts only titles the caller may know.
        searched = client.get("/carriers?q=标题")
        if searched.status_code == 200:
            expected = sum(1 for c in carriers.values() if _knows(role, clearance, person.code, c))
            assert searched.json()["count"] == expected, f"{role}/{clearance} count"


def test_an_insider_of_the_scope_sees_the_scoped_title_and_an_outsider_does_not(
    world: dict[str, Any], make_person: Any, api_as: Any
) -> None:
    scoped = world["carriers"]["scoped"]
    inside = api_as(world["insider"]).get(f"/carriers/{scoped.code}").json()
    outsider = make_person(("clerk",), "top_secret")
    outside = api_as(outsider).get(f"/carriers/{scoped.code}").json()
    assert inside["title"] == "机密标题BRAVO" and inside["basis"] == "机密依据BRAVO"
    assert outside["title"] is None and outside["basis"] is None and outside["scope"] is None
    assert outside["code"] == scoped.code  # the desk still handles it by code
