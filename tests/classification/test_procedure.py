"""The four-step 定密 procedure end to end over HTTP, with every refusal the rules name."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from backend.classification.models import Case, Step
from backend.custody.verify import ledger_verify
from backend.registry.models import Person
from tests.classification.conftest import fresh
from tests.conftest import scan


def err(response: Any) -> tuple[int, str, dict[str, Any]]:
    body = response.json()["error"]
    return response.status_code, body["code"], body["details"]


def decide(api: Any, code: str, decision: str, opinion: str = "同意", **kw: Any) -> Any:
    return api.post(f"/carriers/{code}/decision", {"decision": decision, "opinion": opinion, **kw})


def propose(api_as: Any, board: Any, draft_body: Any, **kw: Any) -> dict[str, Any]:
    response = api_as(board.handler).post("/carriers", draft_body(**kw))
    assert response.status_code == 201, response.content
    return response.json()


def test_a_registrars_carrier_starts_as_a_draft_and_two_approvers_make_it_registered(
    unit: Any, board: Any, api_as: Any, draft_body: Any
) -> None:
    carrier = propose(api_as, board, draft_body)
    assert carrier["status"] == "draft" and carrier["seq"] == 1
    code = carrier["code"]

    reviewed = decide(api_as(board.reviewer), code, "review", "依据准确，建议批准")
    assert reviewed.status_code == 200, reviewed.content
    assert reviewed.json()["status"] == "draft"
    approved = decide(api_as(board.chief), code, "approve", "同意定为机密，10年")
    assert approved.status_code == 200, approved.content
    out = approved.json()
    assert out["status"] == "registered" and out["marking"] == "机密★10年"

    events = api_as(unit.committee).get(f"/carriers/{code}/events").json()
    assert [e["action"] for e in events] == ["register", "review", "classify"]
    assert [e["actor"] for e in events] == [
        board.handler.code,
        board.reviewer.code,
        board.chief.code,
    ]
    assert ledger_verify().ok

    history = api_as(unit.committee).get(f"/carriers/{code}/classification").json()
    assert len(history) == 1
    case = history[0]
    assert case["state"] == "approved" and case["kind"] == "initial"
    assert case["proposed_by"] == board.handler.code
    assert case["reviewed_by"] == board.reviewer.code
    assert case["decided_by"] == board.chief.code and case["decided_at"]
    assert [(s["step"], s["actor"], s["opinion"]) for s in case["steps"]] == [
        ("propose", board.handler.code, ""),
        ("review", board.reviewer.code, "依据准确，建议批准"),
        ("approve", board.chief.code, "同意定为机密，10年"),
    ]


def test_a_draft_cannot_be_labelled_or_handed_over_until_approved(
    unit: Any, board: Any, api_as: Any, draft_body: Any
) -> None:
    code = propose(api_as, board, draft_body)["code"]
    label = api_as(board.handler).get(f"/carriers/{code}/label.png")
    assert label.status_code == 409 and label.json()["error"]["code"] == "invalid_transition"
    handover = api_as(unit.clerk).post(
        "/scans", {"scans": [scan("checkout", code, counterpart=unit.reader)]}
    )
    result = handover.json()["results"][0]
    assert result["status"] == "rejected" and result["error"]["code"] == "invalid_transition"

    decide(api_as(board.reviewer), code, "review")
    decide(api_as(board.chief), code, "approve")
    assert api_as(board.handler).get(f"/carriers/{code}/label.png").status_code == 200
    handover = api_as(unit.clerk).post(
        "/scans", {"scans": [scan("checkout", code, counterpart=unit.reader)]}
    )
    assert handover.json()["results"][0]["status"] == "recorded"


def test_a_handler_cannot_review_or_approve_their_own_proposal(
    board: Any, api_as: Any, draft_body: Any, make_person: Callable[..., Person]
) -> None:
    both = make_person(("registrar", "approver"), "top_secret", name="兼任 both")
    both.authority = "top_secret"
    both.save(update_fields=["authority"])
    code = api_as(both).post("/carriers", draft_body()).json()["code"]
    status, error, details = err(decide(api_as(both), code, "review"))
    assert (status, error, details["reason"]) == (403, "forbidden", "own_proposal")
    decide(api_as(board.reviewer), code, "review")
    status, error, details = err(decide(api_as(both), code, "approve"))
    assert (status, error, details["reason"]) == (403, "forbidden", "own_proposal")
    assert fresh(code).status == "draft"


def test_review_and_approval_are_two_different_people(
    board: Any, api_as: Any, draft_body: Any
) -> None:
    code = propose(api_as, board, draft_body)["code"]
    decide(api_as(board.reviewer), code, "review")
    status, error, details = err(decide(api_as(board.reviewer), code, "approve"))
    assert (status, error, details["reason"]) == (403, "forbidden", "reviewer_cannot_approve")


def test_approval_before_review_is_refused(board: Any, api_as: Any, draft_body: Any) -> None:
    code = propose(api_as, board, draft_body)["code"]
    status, error, details = err(decide(api_as(board.chief), code, "approve"))
    assert (status, error, details["reason"]) == (409, "invalid_transition", "not_reviewed")


def test_a_registrar_without_the_approver_role_cannot_decide(
    unit: Any, board: Any, api_as: Any, draft_body: Any
) -> None:
    code = propose(api_as, board, draft_body)["code"]
    status, error, _ = err(decide(api_as(unit.clerk), code, "review"))
    assert (status, error) == (403, "forbidden")


def test_an_approver_above_their_authority_ceiling_is_refused(
    board: Any, api_as: Any, draft_body: Any
) -> None:
    code = propose(api_as, board, draft_body, level="top_secret", period={"years": 30})["code"]
    decide(api_as(board.reviewer), code, "review")
    status, error, details = err(decide(api_as(board.deputy), code, "approve"))
    assert (status, error) == (403, "forbidden")
    assert details == {"reason": "authority_ceiling", "authority": "secret", "level": "top_secret"}
    assert fresh(code).status == "draft"
    assert decide(api_as(board.chief), code, "approve").json()["status"] == "registered"


def test_an_amendment_approves_with_changed_fields_and_keeps_the_proposal(
    unit: Any, board: Any, api_as: Any, draft_body: Any
) -> None:
    code = propose(api_as, board, draft_body)["code"]
    decide(api_as(board.reviewer), code, "review")
    response = decide(
        api_as(board.chief),
        code,
        "amend",
        "降为秘密，6个月",
        level="confidential",
        period={"months": 6},
        scope=[unit.clerk.code],
    )
    assert response.status_code == 200, response.content
    out = response.json()
    assert out["marking"] == "秘密★6个月" and out["level"] == "confidential"
    assert out["status"] == "registered"
    assert out["scope"] is None  # the approver is outside the new scope: need-to-know
    seen = api_as(unit.committee).get(f"/carriers/{code}").json()
    assert seen["scope"] == [unit.clerk.code]
    case = Case.objects.get(carrier__code=code)
    assert case.state == "amended" and case.level == "secret"  # the proposal as proposed
    assert case.final_level == "confidential" and case.new_marking == "秘密★6个月"


def test_a_rejected_proposal_leaves_a_draft_that_can_be_proposed_again(
    board: Any, api_as: Any, draft_body: Any
) -> None:
    code = propose(api_as, board, draft_body)["code"]
    decide(api_as(board.reviewer), code, "review")
    rejected = decide(api_as(board.chief), code, "reject", "不属于国家秘密事项范围")
    assert rejected.json()["status"] == "draft"
    again = api_as(board.handler).post(
        f"/carriers/{code}/proposals",
        {"kind": "initial", "reason": "补充依据后重新拟定", "basis": "一览表第5项"},
    )
    assert again.status_code == 201, again.content
    decide(api_as(board.reviewer), code, "review")
    assert decide(api_as(board.chief), code, "approve").json()["status"] == "registered"
    assert fresh(code).basis == "一览表第5项"
    assert list(Case.objects.filter(carrier__code=code).values_list("state", flat=True)) == [
        "rejected",
        "approved",
    ]


def test_a_unit_without_authority_protects_first_and_records_the_superiors_decision(
    unit: Any, board: Any, api_as: Any, draft_body: Any
) -> None:
    code = propose(api_as, board, draft_body)["code"]
    decide(api_as(board.reviewer), code, "review")
    status, _, details = err(decide(api_as(board.township), code, "approve"))
    assert status == 403 and details["reason"] == "authority_ceiling"

    referred = decide(api_as(board.township), code, "refer", "超出本单位定密权限，报县保密局")
    assert referred.status_code == 200 and referred.json()["status"] == "referred"
    # Protected as the proposed level meanwhile: sighted in a stocktake, not handed over,
    # and only to people cleared for 机密.
    results = (
        api_as(unit.clerk)
        .post(
            "/scans",
            {
                "scans": [
                    scan("inventory", code, location=unit.safe),
                    scan("checkout", code, counterpart=unit.reader),
                ]
            },
        )
        .json()["results"]
    )
    assert [r["status"] for r in results] == ["recorded", "rejected"]
    assert results[1]["error"]["code"] == "invalid_transition"
    assert api_as(board.handler).get(f"/carriers/{code}/label.png").status_code == 409

    status, error, details = err(decide(api_as(board.township), code, "approve", "上级同意"))
    assert (status, error, details["field"]) == (422, "invalid", "superior")
    done = decide(api_as(board.township), code, "approve", "县保密局批复同意", superior="县保密局")
    assert done.status_code == 200 and done.json()["status"] == "registered"
    case = Case.objects.get(carrier__code=code)
    assert case.superior == "县保密局" and case.referred_by == board.township
    steps = list(Step.objects.filter(case=case).order_by("id").values_list("step", flat=True))
    assert steps == ["propose", "review", "refer", "approve"]


def test_a_change_of_level_goes_through_the_same_steps_and_keeps_the_old_marking(
    unit: Any, board: Any, api_as: Any, draft_body: Any
) -> None:
    code = propose(api_as, board, draft_body)["code"]
    decide(api_as(board.reviewer), code, "review")
    decide(api_as(board.chief), code, "approve")
    change = api_as(board.handler).post(
        f"/carriers/{code}/proposals",
        {
            "kind": "change",
            "reason": "事项部分公开，建议降密",
            "level": "confidential",
            "period": {"years": 5},
        },
    )
    assert change.status_code == 201, change.content
    assert fresh(code).marking == "机密★10年"  # unchanged until approved
    decide(api_as(board.reviewer), code, "review")
    out = decide(api_as(board.chief), code, "approve", "同意降为秘密").json()
    assert out["marking"] == "秘密★5年" and out["status"] == "registered"
    history = api_as(unit.committee).get(f"/carriers/{code}/classification").json()
    assert [(c["kind"], c["old_marking"], c["new_marking"]) for c in history] == [
        ("initial", "", "机密★10年"),
        ("change", "机密★10年", "秘密★5年"),
    ]


def test_declassification_is_a_decision_that_records_the_day(
    board: Any, api_as: Any, draft_body: Any
) -> None:
    code = propose(api_as, board, draft_body)["code"]
    decide(api_as(board.reviewer), code, "review")
    decide(api_as(board.chief), code, "approve")
    api_as(board.handler).post(
        f"/carriers/{code}/proposals", {"kind": "declassify", "reason": "事项已公开"}
    )
    decide(api_as(board.reviewer), code, "review")
    decide(api_as(board.chief), code, "approve", "同意解密")
    carrier = fresh(code)
    assert carrier.declassified_on is not None
    case = Case.objects.filter(carrier=carrier).order_by("id").last()
    assert case is not None and (case.old_marking, case.new_marking) == ("机密★10年", "已解密")


def test_a_second_round_waits_for_the_first(board: Any, api_as: Any, draft_body: Any) -> None:
    code = propose(api_as, board, draft_body)["code"]
    response = api_as(board.handler).post(
        f"/carriers/{code}/proposals", {"kind": "initial", "reason": "再拟"}
    )
    assert err(response)[:2] == (409, "conflict")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"decision": "approve", "opinion": ""}, None),
        ({"decision": "promote", "opinion": "x"}, None),
    ],
)
def test_malformed_decisions_are_refused_as_invalid(
    board: Any, api_as: Any, draft_body: Any, body: dict[str, Any], field: str | None
) -> None:
    code = propose(api_as, board, draft_body)["code"]
    response = api_as(board.reviewer).post(f"/carriers/{code}/decision", body)
    assert err(response)[:2] == (422, "invalid")


def test_a_proposal_is_rejected_only_after_review_and_not_by_its_reviewer(
    unit: Any, board: Any, api_as: Any, draft_body: Any
) -> None:
    """Rejecting is the authority's 批准 decision: after 审核, by a second approver
    (docs/classification.md, "Why a rejection waits for the review")."""
    code = propose(api_as, board, draft_body)["code"]
    early = decide(api_as(board.chief), code, "reject", "不属于国家秘密事项范围")
    assert early.status_code == 409, early.content
    assert early.json()["error"]["code"] == "invalid_transition"
    assert early.json()["error"]["details"] == {"reason": "not_reviewed", "state": "proposed"}
    decide(api_as(board.reviewer), code, "review", "建议不予批准")
    by_reviewer = decide(api_as(board.reviewer), code, "reject", "不予批准")
    assert by_reviewer.status_code == 403
    assert by_reviewer.json()["error"]["details"] == {"reason": "reviewer_cannot_approve"}
    # An authority below the proposed level may still refuse it: a refusal classifies nothing.
    refused = decide(api_as(board.township), code, "reject", "不属于国家秘密事项范围")
    assert refused.status_code == 200, refused.content
    assert refused.json()["status"] == "draft"
    case = Case.objects.get(carrier__code=code)
    assert case.state == "rejected" and case.reviewed_by == board.reviewer
    assert case.decided_by == board.township
    assert [e["action"] for e in api_as(unit.committee).get(f"/carriers/{code}/events").json()] == [
        "register",
        "review",
        "reject",
    ]
