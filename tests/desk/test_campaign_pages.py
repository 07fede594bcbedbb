"""The return campaign pages in a real browser: the committee opens a campaign by typing
and scanning, a clerk's return at the handover desk shows the holder's count on the
banner, and the progress page shows a bar per holder."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from django.utils import timezone

from backend.campaigns.models import Campaign
from backend.custody.services import ScanIn, scans_ingest
from backend.registry.principals import Principal
from tests.desk.conftest import scan_in, shot, sign_in_with_form


def test_the_committee_opens_a_campaign_and_follows_each_holder_while_the_desk_takes_returns(
    page: Any, unit: Any, make_person: Any, make_carrier: Any
) -> None:
    a, b = make_person((), "secret", name="张持有"), make_person((), "secret", name="李持有")
    carriers = {a: [make_carrier("secret") for _ in range(2)], b: [make_carrier("secret")]}
    results = scans_ingest(
        scans=[
            ScanIn(
                id=uuid.uuid4(),
                action="checkout",
                carrier=c.code,
                counterpart=holder.code,
                location=unit.desk.code,
            )
            for holder, cs in carriers.items()
            for c in cs
        ],
        principal=Principal(person=unit.clerk),
    )
    assert {r.status for r in results} == {"recorded"}

    sign_in_with_form(page, unit.committee)
    page.click("header.top nav a[href='/campaigns/']")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'title'")
    page.keyboard.type("2026 年度清退")
    deadline = timezone.localtime(timezone.now() + timedelta(days=7))
    page.fill("#deadline", deadline.strftime("%Y-%m-%dT%H:%M"))
    page.focus("#carriers")
    scan_in(page, *(c.code for cs in carriers.values() for c in cs))  # the wedge's Enter
    page.click("#open-campaign")
    page.wait_for_url("**/campaigns/*/")
    campaign = Campaign.objects.get()
    progress = page.locator("#progress")
    assert (progress.get_attribute("data-returned"), progress.get_attribute("data-total")) == (
        "0", "3")  # fmt: skip
    assert page.locator("#holders tr[data-holder]").count() == 2

    page.context.clear_cookies()
    sign_in_with_form(page, unit.clerk)
    scan_in(page, "2", carriers[a][0].code, "")  # action 2: return, then confirm
    note = page.locator("#banner .banner .campaign-note")
    note.wait_for()
    assert (note.get_attribute("data-returned"), note.get_attribute("data-total")) == ("1", "2")
    assert "张持有" in note.inner_text()

    page.context.clear_cookies()
    sign_in_with_form(page, unit.committee)
    page.goto(f"/campaigns/{campaign.id}/")
    row = page.locator(f"#holders tr[data-holder='{a.code}']")
    assert (row.get_attribute("data-returned"), row.get_attribute("data-total")) == ("1", "2")
    assert page.locator("#progress").get_attribute("data-returned") == "1"
    shot(page, "campaign-progress.png")
    assert page.outside == []
