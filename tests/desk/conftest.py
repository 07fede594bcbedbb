"""Browser fixtures: Debian's Chromium driven by Playwright against pytest-django's live
server (a real WSGI server on loopback, transactional database).

No browser is ever downloaded: the tests use /usr/bin/chromium from the Debian package
and install it with apt-get when it is missing and the tests run as root. Otherwise they
skip with the reason — or fail, under ``CUSTOS_REQUIRE_SERVICES=1``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from backend.desk.services import person_set_password
from backend.registry.models import Person

CHROMIUM = Path("/usr/bin/chromium")
DOCS = Path(__file__).resolve().parents[2] / "docs"
PASSWORD = "desk-test-pass"
REQUIRE = os.environ.get("CUSTOS_REQUIRE_SERVICES") == "1"


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    # PBKDF2's deliberate slowness costs ~0.3 s per sign-in; these tests are not about it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    """A fresh browser context (own cookies and storage); its browser asks for English,
    and the pages still answer in Chinese until the person chooses English."""
    context = browser.new_context(
        base_url=live_server.url,
        locale="en-US",
        viewport={"width": 1280, "height": 860},
        # The tests' own wait_for_function/evaluate strings are eval() to the page, which
        # the Content-Security-Policy forbids; tests/security checks the pages under it.
        bypass_csp=True,
    )
    context.set_default_timeout(10_000)
    pg = context.new_page()
    pg.outside: list[str] = []  # type: ignore[attr-defined]
    host = live_server.url.split("//", 1)[1]

    def watch(request: Any) -> None:
        url = request.url
        if not url.startswith(("data:", "blob:", "about:")) and host not in url:
            pg.outside.append(url)  # type: ignore[attr-defined]

    pg.on("request", watch)
    yield pg
    context.close()


@pytest.fixture
def sign_in(page: Any) -> Callable[[Person], Any]:
    """Sign ``person`` in through the form at ``/``, as a person would; returns the page."""

    def go(person: Person) -> Any:
        return sign_in_with_form(page, person)

    return go


def sign_in_with_form(page: Any, person: Person) -> Any:
    """Give ``person`` a password and sign in through the form at ``/`` on ``page``."""
    person_set_password(person=person, password=PASSWORD, check=False)
    page.goto("/")
    page.fill("#username", person.code.lower())  # the badge code, in any case
    page.fill("#password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: urlparse(url).path != "/")
    return page


def shot(page: Any, name: str) -> None:
    """Save a screenshot for the README under docs/ (overwritten on every run)."""
    DOCS.mkdir(exist_ok=True)
    page.screenshot(path=str(DOCS / name), full_page=True)


def scan_in(page: Any, *codes: str) -> None:
    """Type each code and Enter into the focused field, as a wedge scanner does."""
    for code in codes:
        page.keyboard.type(code)
        page.keyboard.press("Enter")
