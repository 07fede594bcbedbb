"""复制、摘录、汇编: copies need approval, 绝密 needs consent, a copy takes its source's
classification with its own code and copy number; a compilation takes the highest level
and the longest period of its parts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from backend.classification.periods import add_months, compilation, period_end
from backend.custody.verify import ledger_verify
from backend.registry.marking import Period
from backend.registry.models import Carrier


def ask(api: Any, code: str, unit: Any, **kw: Any) -> Any:
    body = {
        "count": 2,
        "custodian": unit.clerk.code,
        "location": unit.safe2.code,
        "reason": "会议传达需要",
        **kw,
    }
    return api.post(f"/carriers/{code}/copies", body)


def test_a_top_secret_copy_without_the_originators_consent_is_refused(
    unit: Any, api_as: Any, make_carrier: Callable[..., Carrier]
) -> None:
    original = make_carrier("top_secret")
    response = ask(api_as(unit.registrar), original.code, unit)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["details"] == {"field": "consent", "reason": "consent_required"}
    assert not Carrier.objects.filter(parent=original).exists()


def test_approved_copies_take_the_originals_classification_with_their_own_numbers(
    unit: Any, api_as: Any, make_carrier: Callable[..., Carrier]
) -> None:
    original = make_carrier(
        "top_secret",
        period=Period(years=30),
        basis="一览表第1项",
        scope=[unit.clerk, unit.approver],
        copy_no=1,
        copies_total=3,
    )
    asked = ask(
        api_as(unit.registrar),
        original.code,
        unit,
        consent={"by": "县委办公室（原定密机关）", "on": "2025-03-01", "note": "电话同意，已记录"},
    )
    assert asked.status_code == 201, asked.content
    request_id = asked.json()["id"]
    # The requester cannot approve, nor anyone without the approver role.
    own = api_as(unit.registrar).post(
        f"/copy-requests/{request_id}/decision", {"decision": "approve", "opinion": "同意"}
    )
    assert own.status_code == 403
    done = api_as(unit.approver).post(
        f"/copy-requests/{request_id}/decision", {"decision": "approve", "opinion": "同意复制2份"}
    )
    assert done.status_code == 200, done.content
    out = done.json()
    assert out["state"] == "approved" and out["consent_by"] == "县委办公室（原定密机关）"
    copies = [Carrier.objects.get(code=c) for c in out["copies"]]
    assert len({c.code for c in copies} | {original.code}) == 3
    for n, copy in enumerate(copies, start=4):
        assert copy.parent_id == original.id and copy.copy_no == n and copy.copies_total == 5
        assert (copy.level, copy.marking, copy.basis) == ("top_secret", "绝密★30年", "一览表第1项")
        assert {p.code for p in copy.scope.all()} == {unit.clerk.code, unit.approver.code}
        assert copy.status == "registered" and copy.seq == 1
        assert copy.issued_on == original.issued_on
        assert (copy.custodian, copy.location) == (unit.clerk, unit.safe2)
    assert ledger_verify().ok


def test_copies_of_a_draft_are_refused(
    unit: Any, api_as: Any, make_carrier: Callable[..., Carrier]
) -> None:
    draft = make_carrier("secret", draft=True)
    response = ask(api_as(unit.registrar), draft.code, unit)
    assert response.status_code == 409


def test_a_rejected_copy_request_makes_no_copies(
    unit: Any, api_as: Any, make_carrier: Callable[..., Carrier]
) -> None:
    original = make_carrier("secret")
    request_id = ask(
        api_as(unit.registrar), original.code, unit, kind="extract", title="摘录一"
    ).json()["id"]
    out = (
        api_as(unit.approver)
        .post(f"/copy-requests/{request_id}/decision", {"decision": "reject", "opinion": "无必要"})
        .json()
    )
    assert out["state"] == "rejected" and out["copies"] == []
    assert not Carrier.objects.filter(parent=original).exists()


def test_a_compilation_takes_the_highest_level_and_the_longest_period() -> None:
    day = date(2025, 1, 31)
    level, period = compilation(
        [
            ("confidential", day, Period(years=10)),
            ("secret", day, Period(years=5)),
            ("confidential", date(2025, 6, 1), Period(until=date(2040, 1, 1))),
        ]
    )
    assert level == "secret" and period == Period(until=date(2040, 1, 1))
    _, conditional = compilation(
        [("secret", day, Period(years=5)), ("confidential", day, Period(condition="项目验收后"))]
    )
    assert conditional == Period(condition="项目验收后")


def test_period_ends_follow_the_calendar() -> None:
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert period_end(issued_on=date(2025, 1, 1), level="secret", period=Period()) == date(
        2045, 1, 1
    )
    assert period_end(issued_on=date(2025, 1, 1), level="secret", period=Period(days=30)) == date(
        2025, 1, 31
    )
    assert (
        period_end(issued_on=date(2025, 1, 1), level="secret", period=Period(condition="x")) is None
    )


def test_a_compilation_is_proposed_as_a_draft_with_the_derived_classification(
    unit: Any, api_as: Any, make_carrier: Callable[..., Carrier]
) -> None:
    parts = [make_carrier("confidential", period=Period(years=10)), make_carrier("secret")]
    response = api_as(unit.registrar).post(
        "/compilations",
        {
            "parts": [p.code for p in parts],
            "title": "文件汇编",
            "form": "paper",
            "custodian": unit.clerk.code,
            "location": unit.safe.code,
        },
    )
    assert response.status_code == 201, response.content
    out = response.json()
    assert out["status"] == "draft" and out["level"] == "secret"
    assert out["period"]["until"] == parts[1].period_ends_on.isoformat()
