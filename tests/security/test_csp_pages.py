"""The pages work under the Content-Security-Policy: a real browser, without the test
bypass tests/desk uses, reports no violation on any page a person opens."""

from __future__ import annotations

from typing import Any

import pytest

from backend.desk.services import person_set_password
from tests.desk.conftest import sign_in_with_form


@pytest.fixture
def strict_page(browser: Any, live_server: Any, settings: Any) -> Any:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.violations = []  # type: ignore[attr-defined]

    def watch(message: Any) -> None:
        if "Content Security Policy" in message.text:
            page.violations.append(f"{page.url}: {message.text}")  # type: ignore[attr-defined]

    page.on("console", watch)
    yield page
    context.close()


@pytest.mark.django_db(transaction=True)
def test_no_page_breaks_the_content_security_policy(
    strict_page: Any, unit: Any, make_carrier: Any
) -> None:
    carrier = make_carrier("secret")
    person = unit.clerk
    person.roles = ["clerk", "committee", "approver", "registrar"]
    person.save(update_fields=["roles_text"])
    page = sign_in_with_form(strict_page, person)
    for path in (
        "/desk/",
        "/dashboard/",
        f"/carriers/{carrier.code}/",
        "/destruction/",
        "/destruction/site/",
        "/register/",
        "/classification/",
        "/labels/",
        "/registers/",
        "/stocktakes/",
        "/campaigns/",
        "/inspection/",
        "/inspection/checklist/",
        "/carry-outs/",
        "/api/v1/docs",
    ):
        answer = page.goto(path)
        assert answer is not None and answer.status == 200, path
        page.wait_for_load_state("load")
    # The dashboard's timeline box works without inline script.
    page.goto("/dashboard/")
    page.fill("#tcode", carrier.code.lower())
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/carriers/{carrier.code}/")
    assert page.violations == []  # type: ignore[attr-defined]


@pytest.mark.django_db(transaction=True)
def test_the_committee_enrols_its_authenticator_in_the_browser_and_reaches_the_dashboard(
    strict_page: Any, unit: Any, settings: Any
) -> None:
    from pathlib import Path

    from backend.security import totp
    from backend.security.models import TotpDevice

    settings.CUSTOS_2FA_ROLES = ["admin", "approver", "committee"]
    person_set_password(person=unit.committee, password="pw", check=False)
    page = strict_page
    page.goto("/")
    page.fill("#username", unit.committee.code)
    page.fill("#password", "pw")
    page.keyboard.press("Enter")
    page.wait_for_url("**/security/2fa/**")
    assert page.locator("img.qr").is_visible()
    docs = Path(__file__).resolve().parents[2] / "docs"
    page.screenshot(path=str(docs / "second-factor.png"), full_page=True)
    secret = TotpDevice.objects.get(user_id=unit.committee.user_id).secret
    assert page.locator("#secret").inner_text() == secret
    page.fill("#code", totp.code_at(secret, totp.current_step()))
    page.keyboard.press("Enter")
    page.wait_for_url("**/dashboard/")
    assert page.violations == []  # type: ignore[attr-defined]
