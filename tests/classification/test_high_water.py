"""The high-water rule in the 定密 change procedure: a medium's level only rises."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction

from backend.classification.services import proposal_open
from tests.classification.conftest import fresh
from tests.registry.test_media_services import error_of, usb


def propose_level(api: Any, code: str, level: str) -> Any:
    return api.post(
        f"/carriers/{code}/proposals",
        {"kind": "change", "reason": "密级变更", "level": level},
    )


def decide(api: Any, code: str, decision: str, **kw: Any) -> Any:
    return api.post(f"/carriers/{code}/decision", {"decision": decision, "opinion": "同意", **kw})


def test_the_change_procedure_may_raise_a_medium_but_never_lower_it(
    unit: Any, board: Any, api_as: Callable[..., Any]
) -> None:
    code = api_as(board.handler).post("/carriers", usb(unit)).json()["code"]
    decide(api_as(board.reviewer), code, "review")
    assert decide(api_as(board.chief), code, "approve").json()["status"] == "registered"

    lower = propose_level(api_as(board.handler), code, "confidential")
    assert error_of(lower)[:2] == (409, "level_lowered")

    raised = propose_level(api_as(board.handler), code, "top_secret")
    assert raised.status_code == 201, raised.content
    decide(api_as(board.reviewer), code, "review")
    out = decide(api_as(board.chief), code, "approve")
    assert out.status_code == 200, out.content
    assert out.json()["marking"].startswith("绝密")
    assert fresh(code).medium.high_water == "top_secret"

    # An amendment cannot lower it either: the rule holds at the decision too.
    propose_level(api_as(board.handler), code, "top_secret")
    decide(api_as(board.reviewer), code, "review")
    amended = decide(api_as(board.chief), code, "amend", level="secret")
    assert error_of(amended)[:2] == (409, "level_lowered")
    assert fresh(code).level == "top_secret"


def test_a_medium_is_never_declassified_neither_proposed_nor_approved(
    unit: Any, board: Any, api_as: Callable[..., Any]
) -> None:
    code = api_as(board.handler).post("/carriers", usb(unit, serial="DECL-1")).json()["code"]
    decide(api_as(board.reviewer), code, "review")
    decide(api_as(board.chief), code, "approve")
    proposal = api_as(board.handler).post(
        f"/carriers/{code}/proposals", {"kind": "declassify", "reason": "不再涉密"}
    )
    assert error_of(proposal)[:3] == (409, "medium_declassify", {"reason": "high_water"})
    # A declassification round opened before the rule (written here directly) cannot be
    # approved either: the decision is judged by the same rule.
    with transaction.atomic():
        proposal_open(
            carrier=fresh(code), proposer=board.handler, kind="declassify", reason="旧申请"
        )
    assert decide(api_as(board.reviewer), code, "review").status_code == 200
    approved = decide(api_as(board.chief), code, "approve")
    assert error_of(approved)[:2] == (409, "medium_declassify")
    assert "最高密级" in approved.json()["error"]["message"]  # in the reader's language
    assert fresh(code).declassified_on is None
    assert decide(api_as(board.chief), code, "reject").status_code == 200  # closed so
    # A paper file is declassified as before.
    paper = api_as(board.handler).post("/carriers", {**usb(unit), "medium": None}).json()["code"]
    decide(api_as(board.reviewer), paper, "review")
    decide(api_as(board.chief), paper, "approve")
    opened = api_as(board.handler).post(
        f"/carriers/{paper}/proposals", {"kind": "declassify", "reason": "不再涉密"}
    )
    assert opened.status_code == 201, opened.content
