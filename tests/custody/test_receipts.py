"""backend/custody/receipts.py and the receipt in every recorded scan's result."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from backend.custody.models import CustodyEvent
from tests.conftest import scan
from tests.custody.test_insider import insider, rechain, sql

pytestmark = pytest.mark.django_db


def test_a_recorded_and_a_duplicate_scan_carry_the_events_seq_and_hash(
    api_as: Any, unit: Any, make_carrier: Any
) -> None:
    carrier = make_carrier()
    body = {"scans": [scan("checkout", carrier, counterpart=unit.reader)]}
    api = api_as(unit.clerk)
    [first] = api.post("/scans", body).json()["results"]
    [again] = api.post("/scans", body).json()["results"]
    event = CustodyEvent.objects.get(id=first["id"])
    assert (first["status"], first["seq"], first["hash"]) == ("recorded", 2, event.hash)
    assert (again["status"], again["seq"], again["hash"]) == ("duplicate", 2, event.hash)
    [refused] = api.post("/scans", {"scans": [scan("return", make_carrier())]}).json()["results"]
    assert (refused["status"], refused["seq"], refused["hash"]) == ("rejected", None, None)


@pytest.fixture
def receipts(api_as: Any, unit: Any, make_carrier: Any) -> tuple[Any, list[dict[str, Any]]]:
    """A desk's receipts: two scans on one carrier, one on another."""
    target, other = make_carrier(), make_carrier()
    api = api_as(unit.clerk)
    scans = [
        scan("checkout", target, counterpart=unit.reader),
        scan("checkout", other, counterpart=unit.reader),
    ]
    results = api.post("/scans", {"scans": scans}).json()["results"]
    results += api.post("/scans", {"scans": [scan("return", target)]}).json()["results"]
    kept = [
        {"id": r["id"], "carrier": s_["carrier"], "seq": r["seq"], "hash": r["hash"]}
        for r, s_ in zip(results, [*scans, {"carrier": target.code}], strict=True)
    ]
    return target, kept


def check(api_as: Any, unit: Any, kept: list[dict[str, Any]]) -> dict[str, Any]:
    answer = api_as(unit.clerk).post("/ledger/receipts/verify", {"receipts": kept})
    assert answer.status_code == 200, answer.content
    return answer.json()


def test_an_intact_ledger_holds_every_receipt(api_as: Any, unit: Any, receipts: Any) -> None:
    _target, kept = receipts
    body = check(api_as, unit, kept)
    assert (body["held"], body["missing"], body["changed"]) == (3, 0, 0)
    assert [r["status"] for r in body["results"]] == ["held"] * 3


def test_a_receipt_with_another_hash_or_seq_is_not_held(
    api_as: Any, unit: Any, receipts: Any
) -> None:
    _target, kept = receipts
    forged = [{**kept[0], "hash": "0" * 64}, {**kept[1], "seq": 5}, {**kept[2], "id": "x"}]
    statuses = [r["status"] for r in check(api_as, unit, forged)["results"]]
    assert statuses == ["changed", "changed", "missing"]


def test_a_truncated_chain_loses_its_receipt(api_as: Any, unit: Any, receipts: Any) -> None:
    target, kept = receipts
    second = target.events.get(seq=2)
    with insider():
        sql("DELETE FROM custody_event WHERE carrier_id = %s AND seq = 3", target.pk)
        sql(
            "UPDATE registry_carrier SET seq = 2, head_hash = %s WHERE id = %s",
            second.hash,
            target.pk,
        )
    body = check(api_as, unit, kept)
    assert [(r["carrier"], r["status"]) for r in body["results"]] == [
        (target.code, "held"),
        (kept[1]["carrier"], "held"),
        (target.code, "missing"),
    ]


def test_a_rewritten_and_rechained_event_changes_every_later_receipt(
    api_as: Any, unit: Any, receipts: Any
) -> None:
    target, kept = receipts
    with insider():
        sql(
            "UPDATE custody_event SET late = %s WHERE carrier_id = %s AND seq = 2",
            True,
            target.pk,
        )
        target.refresh_from_db()
        rechain(target, from_seq=2)
    statuses = [r["status"] for r in check(api_as, unit, kept)["results"]]
    assert statuses == ["changed", "held", "changed"]


@pytest.mark.parametrize(
    "body",
    [
        {"receipts": []},
        {"receipts": [{"id": str(uuid.uuid4()), "carrier": "C", "seq": 0, "hash": "a"}]},
        {"receipts": [{"id": "a", "carrier": "C", "seq": 2**40, "hash": "a"}]},
        {"receipts": "nope"},
    ],
)
def test_a_malformed_request_is_refused_as_invalid(api_as: Any, unit: Any, body: Any) -> None:
    answer = api_as(unit.clerk).post("/ledger/receipts/verify", body)
    assert answer.status_code == 422 and answer.json()["error"]["code"] == "invalid"


def test_it_needs_a_token(api_as: Any) -> None:
    answer = api_as(None).post("/ledger/receipts/verify", {"receipts": []})
    assert answer.status_code == 401
