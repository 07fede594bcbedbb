"""The sign-in page at ``/`` in a real browser: nothing from outside, badge then desk."""

from __future__ import annotations

from typing import Any

from tests.desk.conftest import shot


def test_the_sign_in_page_fetches_nothing_from_outside_the_machine(page: Any) -> None:
    page.goto("/")
    assert page.evaluate("document.activeElement.id") == "username"
    shot(page, "sign-in.png")
    page.click("form.lang button")  # English, then back to Chinese
    page.wait_for_selector("text=Badge code")
    page.click("form.lang button")
    page.wait_for_selector("text=工号")
    assert page.outside == []


def test_a_clerk_signs_in_by_keyboard_and_lands_on_the_desk(sign_in: Any, unit: Any) -> None:
    page = sign_in(unit.clerk)
    assert page.url.endswith("/desk/")
    assert page.outside == []
