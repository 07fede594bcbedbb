"""Property-based fuzzing of the API from its own OpenAPI schema: no input gets a 500.

Bounded: a fixed number of generated requests per operation, so the suite stays fast.
Runs in-process through WSGI against the real database, with a committee member's
token (who may read everything) and a clerk's (who may scan), so requests reach the
handlers and not only the auth check.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from backend.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture(autouse=True)
def keep_the_test_connection() -> Iterator[None]:
    """Schemathesis calls the WSGI app directly, not through Django's test client, so the
    request signals would close the test's database connection mid-transaction; Django's
    own client disconnects them the same way."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(unit: Any, make_carrier: Any) -> dict[str, str]:
    from backend.registry.services import token_create

    make_carrier()
    return {
        "committee": token_create(person=unit.committee),
        "clerk": token_create(person=unit.clerk),
        "admin": token_create(person=unit.admin),
        "registrar": token_create(person=unit.registrar),
    }


def _who(case: Any) -> str:
    path = case.operation.path
    if path in ("/api/v1/people", "/api/v1/locations"):
        return "admin"
    if case.method == "POST" and path == "/api/v1/carriers":
        return "registrar"
    if path == "/api/v1/scans" or (case.method == "POST" and path.startswith("/api/v1/meetings")):
        return "clerk"
    return "committee"


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_generated_request_gets_a_server_error(case: Any, tokens: dict[str, str]) -> None:
    response = case.call(headers={"Authorization": f"Bearer {tokens[_who(case)]}"})
    case.validate_response(response, checks=[not_a_server_error])
    if response.status_code >= 400 and response.status_code != 405:
        body = response.json()
        assert set(body["error"]) == {"code", "message", "details"}
