"""No dead ends (issue 19): a destroyed carrier offers no label, and a label that cannot
be had answers with a page in the site's look, not plain text."""

from __future__ import annotations

from typing import Any

from backend.registry.models import Carrier
from tests.desk.conftest import shot


def test_a_destroyed_carrier_offers_no_label_links(
    sign_in: Any, unit: Any, make_carrier: Any
) -> None:
    kept = make_carrier("secret", title="在用文件")
    gone = make_carrier("secret", title="已销毁文件")
    Carrier.objects.filter(id=gone.id).update(status="destroyed")
    page = sign_in(unit.registrar)
    page.goto("/labels/")
    gone_row = page.locator(f"tr[data-code='{gone.code}']")
    kept_row = page.locator(f"tr[data-code='{kept.code}']")
    assert kept_row.locator("a", has_text="PNG").count() == 1
    assert gone_row.locator("a").count() == 0
    assert "已销毁" in gone_row.locator(".no-label").inner_text()
    assert gone_row.locator("input[type=checkbox]").is_disabled()
    shot(page, "labels-destroyed.png")

    answer = page.goto(f"/labels/{gone.code}.png")
    assert answer.status == 409
    assert answer.headers["content-type"].startswith("text/html")
    assert page.locator("header.top .brand").count() == 1
    assert "已销毁" in page.locator(".banner.bad").inner_text()
