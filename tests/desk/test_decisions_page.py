"""The approver's 定密 page: the whole proposal and the review before a decision, no
不予批准 before review, a refused opinion kept, and the queue as the approver's home."""

from __future__ import annotations

from typing import Any

import pytest

from backend.classification.services import classification_decide
from backend.errors import ServiceError
from backend.registry.marking import Period
from backend.registry.principals import Principal
from tests.desk.conftest import shot


def _draft(unit: Any, make_carrier: Any, **kw: Any) -> Any:
    return make_carrier(
        "secret",
        title="关于保密检查工作的通报",
        draft=True,
        period=Period(years=10),
        basis="本单位定密事项一览表第7项",
        copy_no=2,
        copies_total=5,
        # The approvers are in the knowledge scope: basis and scope are need-to-know.
        scope=[unit.reader, unit.approver, unit.approver2],
        custodian=unit.clerk2,
        **kw,
    )


def test_the_approval_page_shows_the_full_proposal_and_the_reviewers_opinion(
    sign_in: Any, unit: Any, make_carrier: Any
) -> None:
    carrier = _draft(unit, make_carrier)
    classification_decide(
        principal=Principal(person=unit.approver),
        code=carrier.code,
        decision="review",
        opinion="定密依据充分，知悉范围适当",
    )
    page = sign_in(unit.approver2)
    assert page.url.endswith("/classification/")  # a case waits: the 定密 queue first
    row = page.locator(f"#case-{carrier.code}")
    text = row.inner_text()
    for shown in (
        "机密★10年",
        "本单位定密事项一览表第7项",
        unit.reader.name,
        unit.reader.code,
        "第2份 共5份",
        unit.clerk2.name,
        "定密依据充分，知悉范围适当",
        unit.approver.name,
    ):
        assert shown in text, (shown, text)
    assert row.locator("button[value=approve]").count() == 1
    assert row.locator("button[value=reject]").count() == 1
    shot(page, "classification-approval.png")


def test_reject_is_not_offered_before_review_and_a_refused_opinion_is_kept(
    sign_in: Any, unit: Any, make_carrier: Any
) -> None:
    carrier = _draft(unit, make_carrier)
    page = sign_in(unit.approver)
    row = page.locator(f"#case-{carrier.code}")
    assert row.locator("button[value=review]").count() == 1
    assert row.locator("button[value=reject]").count() == 0  # 不予批准 waits for 审核
    # A decision the service refuses (here a reject posted before review, as a stale page
    # or another client would) keeps the opinion the approver typed.
    page.evaluate(
        """code => {
            const form = document.querySelector(`#case-${code} form`);
            const b = document.createElement('button');
            b.name = 'decision'; b.value = 'reject'; b.id = 'stale-reject';
            form.appendChild(b);
        }""",
        carrier.code,
    )
    row.locator("input[name=opinion]").fill("依据条款不适用，建议重新拟定")
    page.click("#stale-reject")
    page.wait_for_selector("#banner.bad")
    assert "须先审核后批准" in page.locator("#banner").inner_text()
    kept = page.locator(f"#case-{carrier.code} input[name=opinion]").input_value()
    assert kept == "依据条款不适用，建议重新拟定"


def test_an_approver_without_waiting_cases_lands_on_destruction(sign_in: Any, unit: Any) -> None:
    page = sign_in(unit.approver)
    assert page.url.endswith("/destruction/")


def test_a_proposal_with_an_empty_basis_is_refused(unit: Any, make_carrier: Any) -> None:
    with pytest.raises(ServiceError) as refused:
        make_carrier("secret", draft=True, basis="  ")
    assert refused.value.code == "invalid"
    assert refused.value.details == {"field": "basis", "reason": "basis_required"}


def test_the_registration_page_refuses_an_empty_basis(sign_in: Any, unit: Any) -> None:
    page = sign_in(unit.registrar)
    page.fill("#title", "无依据的文件")
    page.select_option("#level", "secret")
    page.evaluate("document.querySelector('#basis').removeAttribute('required')")
    page.fill("#basis", "")
    page.fill("#custodian", unit.clerk.code)
    page.click("#register button")
    page.wait_for_selector("#banner.bad, .banner.bad")
    assert "定密依据" in page.locator(".banner.bad").inner_text()
