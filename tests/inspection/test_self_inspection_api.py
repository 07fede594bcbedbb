"""The self-inspection and checklist endpoints: started once a year, manual items answered
with an attachment and scored by the weights, automatic items refusing an answer, and the
checklist edited by the committee alone."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backend.inspection.checklist import DEFAULT
from backend.inspection.models import Answer, Item
from backend.inspection.scoring import year_score

pytestmark = pytest.mark.django_db
YEAR = 2026


def put(api: Any, path: str, body: Any) -> Any:
    return api.client.put(f"/api/v1{path}", body, content_type="application/json", **api.headers)


def test_a_year_is_started_answered_and_scored_by_the_weights(unit: Any, api_as: Any) -> None:
    api = api_as(unit.committee)
    assert api.get(f"/self-inspections/{YEAR}").status_code == 404
    assert year_score(YEAR) is None
    started = api.post("/self-inspections", {"year": YEAR})
    assert started.status_code == 201, started.content
    body = started.json()
    assert [i["heading"] for i in body["items"]] == [row[0] for row in DEFAULT]
    headings = list(dict.fromkeys(i["heading"] for i in body["items"]))
    assert headings == [
        "保密组织", "定密管理", "涉密人员", "涉密载体",
        "涉密计算机与存储介质", "会议活动", "宣传教育", "泄密事件报告",
    ]  # fmt: skip
    assert all(i["evidence_text"] for i in body["items"])
    manual = [i for i in body["items"] if i["evidence"] == "manual"]
    auto = [i for i in body["items"] if i["evidence"] != "manual"]
    assert all(i["figure"] is not None and i["answer"] is None for i in auto)
    before = body["score"]

    training = next(i for i in manual if i["heading"] == "宣传教育")
    answer = put(
        api,
        f"/self-inspections/{YEAR}/items/{training['id']}",
        {
            "value": "yes",
            "note": "3月、9月各培训一次",
            "attachment": {
                "name": "签到表.pdf",
                "content_type": "application/pdf",
                "content_base64": base64.b64encode(b"%PDF-1.4 sign-in").decode(),
            },
        },
    )
    assert answer.status_code == 200, answer.content
    got = next(i for i in answer.json()["items"] if i["id"] == training["id"])
    assert got["answer"]["attachment"] == "签到表.pdf" and got["score"] == "5.00"
    total = sum(float(i["weight"]) for i in body["items"])
    points = sum(float(i["score"]) for i in body["items"])
    assert answer.json()["score"] == round((points + 5) / total * 100, 1) > before
    assert year_score(YEAR) == answer.json()["score"]
    stored = Answer.objects.select_related("attachment").get(item_id=training["id"])
    assert bytes(stored.attachment.data) == b"%PDF-1.4 sign-in"  # type: ignore[union-attr]

    too_much = put(
        api, f"/self-inspections/{YEAR}/items/{training['id']}", {"value": "partial", "score": 9}
    )
    assert too_much.status_code == 422
    refused = put(api, f"/self-inspections/{YEAR}/items/{auto[0]['id']}", {"value": "yes"})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "invalid_transition"
    assert api_as(unit.clerk).get(f"/self-inspections/{YEAR}").status_code == 403
    # A second start keeps the year as it is.
    assert api.post("/self-inspections", {"year": YEAR}).json()["score"] == year_score(YEAR)


def test_the_committee_edits_the_checklist_and_the_year_follows(unit: Any, api_as: Any) -> None:
    api = api_as(unit.committee)
    api.post("/self-inspections", {"year": YEAR})
    added = api.post(
        "/checklist/items",
        {
            "heading": "涉密载体",
            "text": "复制是否履行审批登记",
            "evidence_text": "该年登记的复制件",
            "evidence": "copies_made",
            "comparison": "at_most",
            "target": 10,
            "weight": "4",
        },
    )
    assert added.status_code == 201, added.content
    item_id = added.json()["id"]
    bad = api.post(
        "/checklist/items", {"heading": "x", "text": "y", "evidence": "nonsense", "weight": "1"}
    )
    assert bad.status_code == 422 and bad.json()["error"]["details"]["field"] == "evidence"
    assert (
        api_as(unit.clerk)
        .post("/checklist/items", {"heading": "x", "text": "y", "weight": "1"})
        .status_code
        == 403
    )

    edited = put(
        api, f"/checklist/items/{item_id}", {"weight": "6", "text": "复制是否经审批并登记"}
    )
    assert edited.status_code == 200 and edited.json()["weight"] == "6.00"
    year = api.get(f"/self-inspections/{YEAR}").json()
    mine = next(i for i in year["items"] if i["id"] == item_id)
    assert (mine["text"], mine["figure"]["value"], mine["meets"]) == (
        "复制是否经审批并登记",
        0,
        True,
    )

    assert put(api, f"/checklist/items/{item_id}", {"retired": True}).status_code == 200
    assert item_id not in {i["id"] for i in api.get("/checklist").json()["items"]}
    assert Item.objects.get(id=item_id).retired


def test_the_year_is_read_in_a_fixed_number_of_queries(
    unit: Any, api_as: Any, make_carrier: Any
) -> None:
    api = api_as(unit.committee)
    api.post("/self-inspections", {"year": YEAR})
    make_carrier()
    with CaptureQueriesContext(connection) as few:
        api.get(f"/self-inspections/{YEAR}")
    for _ in range(20):
        make_carrier()
    with CaptureQueriesContext(connection) as many:
        assert api.get(f"/self-inspections/{YEAR}").status_code == 200
    assert len(many) == len(few)


def test_a_year_already_over_keeps_its_checklist_and_score_when_the_committee_edits_it(
    unit: Any, api_as: Any
) -> None:
    api = api_as(unit.committee)
    this_year = timezone.localdate().year
    last_year = this_year - 1
    before = api.post("/self-inspections", {"year": last_year}).json()
    manual = [i for i in before["items"] if i["evidence"] == "manual"]
    answered, retired = manual[0], manual[1]
    assert (
        put(
            api, f"/self-inspections/{last_year}/items/{answered['id']}", {"value": "yes"}
        ).status_code
        == 200
    )
    kept = api.get(f"/self-inspections/{last_year}").json()
    api.post("/self-inspections", {"year": this_year})

    # The committee changes the checklist for the years to come.
    assert put(api, f"/checklist/items/{answered['id']}", {"weight": "20"}).status_code == 200
    assert put(api, f"/checklist/items/{retired['id']}", {"retired": True}).status_code == 200
    added = api.post(
        "/checklist/items", {"heading": "宣传教育", "text": "是否开展警示教育", "weight": "3"}
    ).json()

    after = api.get(f"/self-inspections/{last_year}").json()
    assert after == kept  # the same items, weights, answers and score
    assert year_score(last_year) == kept["score"]
    now = api.get(f"/self-inspections/{this_year}").json()
    by_id = {i["id"]: i for i in now["items"]}
    assert by_id[answered["id"]]["weight"] == "20.00"
    assert retired["id"] not in by_id and added["id"] in by_id
    # An item added since is not last year's to answer; its own items still take answers,
    # scored by the weight the year kept.
    late = put(api, f"/self-inspections/{last_year}/items/{added['id']}", {"value": "yes"})
    assert late.status_code == 404
    again = put(api, f"/self-inspections/{last_year}/items/{answered['id']}", {"value": "yes"})
    assert next(i for i in again.json()["items"] if i["id"] == answered["id"])["score"] == "5.00"
