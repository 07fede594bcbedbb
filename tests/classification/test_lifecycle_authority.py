"""The lifecycle table is the only place that says which move is allowed (issue 14).

Each test changes ONE row of backend/custody/lifecycle/ and watches the parts that used
to restate it follow: the scan API (POST /scans), the handover desk's page data and its
submit, and the 定密 procedure (POST /carriers/{code}/decision). Undoing the change
shows the refusal came from the row and nothing else.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import replace
from typing import Any

import pytest
from django.test import Client

from backend.custody import lifecycle
from backend.custody.lifecycle import Action, Decision
from backend.custody.models import CustodyEvent
from backend.desk.services import person_set_password
from backend.registry.states import State
from tests.classification.conftest import fresh
from tests.conftest import scan

S = State


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _desk(person: Any) -> Client:
    person_set_password(person=person, password="pw", check=False)
    client = Client()
    answer = client.post("/", {"username": person.code.lower(), "password": "pw"})
    assert answer.status_code == 302, answer.content
    return client


def _page_data(desk: Client) -> dict[str, Any]:
    """The lifecycle's answer as the handover page carries it for desk.js."""
    html = desk.get("/desk/").content.decode()
    found = re.search(r'<script id="lifecycle-needs" type="application/json">(.*?)</script>', html)
    assert found, "the handover page carries no lifecycle data"
    return json.loads(found.group(1))


def _scan(api: Any, *body: dict[str, Any]) -> list[dict[str, Any]]:
    answer = api.post("/scans", {"scans": list(body)})
    assert answer.status_code == 200, answer.content
    return answer.json()["results"]


def _change_row(monkeypatch: Any, table: dict[Any, Any], key: Any, **fields: Any) -> None:
    monkeypatch.setitem(table, key, replace(table[key], **fields))


def test_forbidding_checkout_from_registered_is_followed_by_the_scan_api_and_the_desk_page(
    unit: Any, api_as: Any, make_carrier: Any, monkeypatch: Any
) -> None:
    registered, stored = make_carrier("secret"), make_carrier("secret")
    clerk, desk = api_as(unit.clerk), _desk(unit.clerk)
    assert _scan(clerk, scan("store", stored, location=unit.safe))[0]["status"] == "recorded"
    assert _page_data(desk)["checkout"]["from"] == ["in_storage", "registered"]

    _change_row(monkeypatch, lifecycle.TABLE, Action.CHECKOUT, sources=frozenset({S.IN_STORAGE}))

    refused, recorded = _scan(
        clerk,
        scan("checkout", registered, counterpart=unit.reader),
        scan("checkout", stored, counterpart=unit.reader),
    )
    assert refused["status"] == "rejected"
    assert refused["error"]["code"] == "invalid_transition"
    assert refused["error"]["details"] == {"status": "registered", "action": "checkout"}
    assert recorded["status"] == "recorded"
    assert fresh(registered).status == "registered" and fresh(stored).status == "in_use"
    assert _page_data(desk)["checkout"]["from"] == ["in_storage"]

    monkeypatch.undo()  # the same scan, judged by the table as it stands
    again = _scan(clerk, scan("checkout", registered, counterpart=unit.reader))[0]
    assert again["status"] == "recorded"
    assert _page_data(desk)["checkout"]["from"] == ["in_storage", "registered"]


def test_a_row_that_stops_asking_for_a_receiver_changes_the_desk_page_and_its_submit(
    unit: Any, make_carrier: Any, monkeypatch: Any
) -> None:
    carrier = make_carrier("secret")
    desk = _desk(unit.clerk)
    handover = {"action": "checkout", "carrier": [carrier.code], "location": unit.desk.code}

    def submit() -> str:
        body = {**handover, "scan_id": [str(uuid.uuid4())]}
        return desk.post("/desk/scan/", body).content.decode()

    assert _page_data(desk)["checkout"]["receiver"] == "required"
    assert 'data-ok="0"' in submit()  # no receiver scanned: the desk refuses to send it
    assert not CustodyEvent.objects.filter(carrier=carrier, action="checkout").exists()

    _change_row(monkeypatch, lifecycle.TABLE, Action.CHECKOUT, guards=())

    data = _page_data(desk)["checkout"]
    assert (data["receiver"], data["due"], data["escort"]) == ("none", True, [])
    assert 'data-ok="1"' in submit()
    assert CustodyEvent.objects.filter(carrier=carrier, action="checkout").count() == 1


def test_a_row_that_escorts_secret_transfers_is_followed_by_the_scan_api_and_the_desk_page(
    unit: Any, api_as: Any, make_carrier: Any, monkeypatch: Any
) -> None:
    first, second = make_carrier("secret"), make_carrier("secret")
    clerk, desk = api_as(unit.clerk), _desk(unit.clerk)
    assert _page_data(desk)["transfer"]["escort"] == ["top_secret"]
    assert _scan(clerk, scan("transfer", first, counterpart=unit.reader))[0]["status"] == (
        "recorded"
    )

    monkeypatch.setattr(lifecycle.guards, "ESCORT_LEVELS", frozenset({"secret", "top_secret"}))

    assert _page_data(desk)["transfer"]["escort"] == ["secret", "top_secret"]
    alone = _scan(clerk, scan("transfer", second, counterpart=unit.reader))[0]
    assert alone["status"] == "rejected"
    assert alone["error"]["details"]["reason"] == "escort_required"
    escorted = scan("transfer", second, counterpart=unit.reader, escort=unit.clerk2)
    assert _scan(clerk, escorted)[0]["status"] == "recorded"


def _decide(api: Any, code: str, decision: str, opinion: str = "同意", **kw: Any) -> Any:
    return api.post(f"/carriers/{code}/decision", {"decision": decision, "opinion": opinion, **kw})


def _referred(api_as: Any, board: Any, draft_body: Any) -> str:
    code = api_as(board.handler).post("/carriers", draft_body()).json()["code"]
    assert _decide(api_as(board.reviewer), code, "review").status_code == 200
    answer = _decide(api_as(board.township), code, "refer", "超出本单位定密权限，报县保密局")
    assert answer.json()["status"] == "referred"
    return code


def test_forbidding_approval_of_a_referred_carrier_is_followed_by_the_procedure(
    api_as: Any, board: Any, draft_body: Any, monkeypatch: Any
) -> None:
    code = _referred(api_as, board, draft_body)
    seq = fresh(code).seq
    ruling = lifecycle.CLASSIFICATION[Decision.APPROVE]
    _change_row(
        monkeypatch,
        lifecycle.CLASSIFICATION,
        Decision.APPROVE,
        sources=ruling.sources - {S.REFERRED},
    )

    answer = _decide(
        api_as(board.township), code, "approve", "县保密局批复同意", superior="县保密局"
    )
    assert answer.status_code == 409, answer.content
    error = answer.json()["error"]
    assert (error["code"], error["details"]) == (
        "invalid_transition",
        {"status": "referred", "action": "approve"},
    )
    assert (fresh(code).status, fresh(code).seq) == ("referred", seq)  # nothing recorded
    # The neighbouring row is untouched: the superior may still decide by amending.
    amended = _decide(
        api_as(board.township), code, "amend", "县保密局改定", superior="县保密局", basis="新依据"
    )
    assert amended.status_code == 200, amended.content
    assert amended.json()["status"] == "registered"


def test_where_a_decision_moves_the_carrier_is_the_rows_answer(
    api_as: Any, board: Any, draft_body: Any, monkeypatch: Any
) -> None:
    # Referral no longer protects a draft as ``referred``: it stays a draft.
    _change_row(monkeypatch, lifecycle.CLASSIFICATION, Decision.REFER, moves={})
    code = api_as(board.handler).post("/carriers", draft_body()).json()["code"]
    _decide(api_as(board.reviewer), code, "review")
    answer = _decide(api_as(board.township), code, "refer", "报县保密局")
    assert answer.status_code == 200 and answer.json()["status"] == "draft"
    events = CustodyEvent.objects.filter(carrier__code=code).order_by("seq")
    assert [e.action for e in events] == ["register", "review", "refer"]
