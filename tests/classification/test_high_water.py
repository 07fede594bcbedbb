"""The high-water rule in the 定密 change procedure: a medium's level only rises."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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
