"""Hardened defaults: production settings refuse to start unsafe; every answer carries
the security headers; the pages use no inline script or style; the API docs need a
sign-in in production."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "k" * 50


def _start(**env: str) -> subprocess.CompletedProcess[str]:
    """Load the settings in a fresh interpreter, as `custos serve` or gunicorn would."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CUSTOS_")}
    clean.update(env)
    clean["CUSTOS_VAR_DIR"] = os.environ.get("CUSTOS_VAR_DIR", str(ROOT / "var"))
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS)"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, "DJANGO_SETTINGS_MODULE": "backend.settings"},
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "complaint"),
    [
        (
            {"CUSTOS_DEBUG": "1", "CUSTOS_SECRET_KEY": GOOD_KEY, "CUSTOS_ALLOWED_HOSTS": "a.b"},
            "DEBUG",
        ),
        ({"CUSTOS_ALLOWED_HOSTS": "a.b"}, "CUSTOS_SECRET_KEY"),
        ({"CUSTOS_SECRET_KEY": GOOD_KEY}, "CUSTOS_ALLOWED_HOSTS"),
    ],
)
def test_production_refuses_to_start_unsafe(env: dict[str, str], complaint: str) -> None:
    done = _start(CUSTOS_ENV="production", **env)
    assert done.returncode != 0
    assert "refuses to start" in done.stderr and complaint in done.stderr


def test_production_starts_when_configured_with_secure_cookies_and_hsts() -> None:
    done = _start(CUSTOS_ENV="production", CUSTOS_SECRET_KEY=GOOD_KEY, CUSTOS_ALLOWED_HOSTS="a.b")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "True", str(365 * 86400)]


def test_the_embedded_default_still_starts_with_the_development_key() -> None:
    done = _start()
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False", "0"]


@pytest.mark.django_db
def test_pages_and_api_answers_carry_the_security_headers() -> None:
    client = Client()
    for path in ("/", "/api/v1/health"):
        answer = client.get(path)
        csp = answer["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert answer["X-Frame-Options"] == "DENY"
        assert answer["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_hsts_is_sent_over_tls(settings: Any) -> None:
    settings.SECURE_HSTS_SECONDS = 31536000
    assert "Strict-Transport-Security" not in Client().get("/")
    assert (
        Client().get("/", secure=True)["Strict-Transport-Security"].startswith("max-age=31536000")
    )


def test_no_template_has_inline_script_style_or_handlers() -> None:
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=", re.I)
    offenders = []
    for template in (ROOT / "backend").glob("*/templates/**/*.html"):
        for number, line in enumerate(template.read_text().splitlines(), 1):
            if inline.search(line):
                offenders.append(f"{template.relative_to(ROOT)}:{number}")
    assert not offenders, offenders


@pytest.mark.django_db
def test_the_api_docs_need_a_sign_in_in_production_and_the_schema_stays_open(
    settings: Any,
) -> None:
    settings.CUSTOS_ENV = "production"
    answer = Client().get("/api/v1/docs")
    assert answer.status_code == 302 and answer["Location"].startswith("/?next=")
    assert Client().get("/api/v1/openapi.json").status_code == 200
    settings.CUSTOS_ENV = "development"
    assert Client().get("/api/v1/docs").status_code == 200


@pytest.mark.django_db
def test_the_api_skips_the_pages_session_language_and_csrf_layers_but_not_the_headers() -> None:
    page = Client().get("/")
    api = Client().get("/api/v1/health")
    assert page.status_code == api.status_code == 200
    # The pages' layers answer for the page: its language, and the CSRF cookie of the form.
    assert page["Content-Language"] == "zh-hans"
    assert "csrftoken" in page.cookies
    # None of them ran for the API (backend/middleware.py) ...
    assert "Content-Language" not in api
    assert not api.cookies
    assert "Cookie" not in api.get("Vary", "") and "Accept-Language" not in api.get("Vary", "")
    # ... and the headers every answer carries still came.
    for answer in (page, api):
        assert answer["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in answer["Content-Security-Policy"]
        assert answer["X-Content-Type-Options"] == "nosniff"
    assert api["Content-Length"] == str(len(api.content))


@pytest.mark.django_db
def test_a_signed_in_session_is_no_credential_for_the_api() -> None:
    from backend.desk.services import person_set_password
    from backend.registry.services import person_create

    person = person_create(name="clerk", clearance="secret", roles=["clerk"])
    person_set_password(person=person, password="pw", check=False)
    person.refresh_from_db()
    browser = Client()
    browser.force_login(person.user)
    assert browser.get("/api/v1/carriers").status_code == 401
