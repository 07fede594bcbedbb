"""The error pages (403, 404, 500) in the site's look and the reader's language."""

from __future__ import annotations

from typing import Any

from django.test import RequestFactory
from django.utils import translation
from django.views.defaults import server_error

from tests.desk.conftest import shot


def test_a_forbidden_and_a_missing_page_share_the_sites_look_in_both_languages(
    sign_in: Any, unit: Any
) -> None:
    page = sign_in(unit.registrar)
    answer = page.goto("/dashboard/")  # the committee's page
    assert answer.status == 403
    assert page.locator("header.top .brand").count() == 1  # the site's header and style
    assert "无权访问" in page.locator("#error-title").inner_text()
    assert "Forbidden" not in page.content()
    shot(page, "error-403.png")
    answer = page.goto("/no-such-page/")
    assert answer.status == 404
    assert "未找到页面" in page.locator("#error-title").inner_text()
    page.goto("/register/")
    page.click("form.lang button")  # choose English
    page.wait_for_load_state()
    answer = page.goto("/dashboard/")
    assert answer.status == 403
    assert "Not allowed (403)" in page.locator("#error-title").inner_text()
    answer = page.goto("/no-such-page/")
    assert "Not found (404)" in page.locator("#error-title").inner_text()
    shot(page, "error-404-en.png")


def test_the_server_error_page_renders_without_a_request_context() -> None:
    request = RequestFactory().get("/")
    for language, heading in (
        ("zh-hans", "服务器出错（500）"),
        ("en", "Something went wrong (500)"),
    ):
        with translation.override(language):
            answer = server_error(request)
        body = answer.content.decode()
        assert answer.status_code == 500
        assert heading in body and "desk/desk.css" in body
