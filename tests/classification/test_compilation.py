"""汇编 walked through to approval: proposed with the derived classification, reviewed,
approved by an authority whose ceiling covers it, registered, printed in the registers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from backend.classification.models import Case
from backend.custody.verify import ledger_verify
from backend.registers.selectors import Filters, register_open
from backend.registry.marking import Period
from backend.registry.models import Carrier
from backend.registry.principals import Principal
from tests.classification.test_procedure import decide, err


def test_a_compilation_is_reviewed_approved_and_registered_with_its_derived_marking(
    unit: Any, board: Any, api_as: Any, make_carrier: Callable[..., Carrier]
) -> None:
    parts = [
        make_carrier("confidential", period=Period(years=10)),
        make_carrier("secret", period=Period(years=5)),
    ]
    proposed = api_as(board.handler).post(
        "/compilations",
        {
            "parts": [p.code for p in parts],
            "title": "年度保密工作文件汇编",
            "form": "paper",
            "custodian": unit.clerk.code,
            "location": unit.safe.code,
        },
    )
    assert proposed.status_code == 201, proposed.content
    code = proposed.json()["code"]
    # Highest level (机密) and the period that ends last (the 秘密 part's ten years).
    until = parts[0].period_ends_on
    assert until is not None and proposed.json()["level"] == "secret"
    assert proposed.json()["period"]["until"] == until.isoformat()

    # A draft compilation is not printed or handed over until approved.
    assert api_as(unit.registrar).get(f"/carriers/{code}/label.png").status_code == 409

    # The handler cannot approve their own compilation; a township authority (秘密 ceiling)
    # cannot approve a 机密 one; the chief can, after review.
    assert err(decide(api_as(board.handler), code, "review"))[:2] == (403, "forbidden")
    assert decide(api_as(board.reviewer), code, "review", "组成部分核对无误").status_code == 200
    assert err(decide(api_as(board.township), code, "approve"))[2]["reason"] == (
        "authority_ceiling"
    )
    approved = decide(api_as(board.chief), code, "approve", "同意按机密汇编")
    assert approved.status_code == 200, approved.content
    out = approved.json()
    assert out["status"] == "registered"
    assert out["marking"] == f"机密★{until.year}年{until.month}月{until.day}日"

    case = Case.objects.get(carrier__code=code)
    assert case.kind == "compilation" and case.state == "approved"
    assert (case.proposed_by, case.reviewed_by, case.decided_by) == (
        board.handler,
        board.reviewer,
        board.chief,
    )
    assert api_as(unit.registrar).get(f"/carriers/{code}/label.png").status_code == 200
    assert ledger_verify().ok

    # The registers: the carrier row names handler and authority; the decision register
    # records the compilation round.
    committee = Principal(person=unit.committee)
    row = next(
        r
        for r in register_open(principal=committee, name="carriers", filters=Filters()).rows
        if r[0] == code
    )
    assert row[4] == "机密" and row[9] == board.handler.name and row[10] == board.chief.name
    assert row[11].startswith("同意按机密汇编（")
    decided = [
        r
        for r in register_open(principal=committee, name="classifications", filters=Filters()).rows
        if r[0] == code
    ]
    assert len(decided) == 1 and decided[0][2] == "汇编定密" and decided[0][10] == "批准"
