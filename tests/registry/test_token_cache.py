"""A web process keeps a token's row for CUSTOS_TOKEN_CACHE_SECONDS: what it saves, and
what still takes effect on the very next request."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backend.registry import token_cache
from backend.registry.models import Token
from backend.registry.services import token_create
from backend.security.services import token_revoke

pytestmark = pytest.mark.django_db


@pytest.fixture
def kept(settings: Any, monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Rows kept for 2 s, on a clock the test moves (``kept[0]``)."""
    settings.CUSTOS_TOKEN_CACHE_SECONDS = 2
    clock = [1000.0]
    monkeypatch.setattr(token_cache, "_clock", lambda: clock[0])
    return clock


def status(token: str) -> int:
    return Client().get("/api/v1/carriers", HTTP_AUTHORIZATION=f"Bearer {token}").status_code


def queries(token: str) -> list[str]:
    with CaptureQueriesContext(connection) as sent:
        assert status(token) == 200
    return [q["sql"] for q in sent]


def test_a_token_is_read_once_while_its_row_is_kept(unit: Any, kept: list[float]) -> None:
    token = token_create(person=unit.clerk)
    queries(token)  # reads the token (and prepares its statement, on PostgreSQL)
    kept_row = queries(token)
    kept[0] += 2.5  # past the 2 s: read again
    read_again = queries(token)
    assert len(read_again) == len(kept_row) + 1
    assert all(q in read_again for q in kept_row)


def test_a_revocation_elsewhere_takes_effect_within_the_cache_time(
    unit: Any, kept: list[float]
) -> None:
    token = token_create(person=unit.clerk)
    assert status(token) == 200
    # Another process revokes it: no signal reaches this one.
    Token.objects.filter(prefix=token.split("_")[1]).update(revoked_at=timezone.now())
    kept[0] += 1.0
    assert status(token) == 200  # within the documented bound
    kept[0] += 1.5
    assert status(token) == 401


def test_a_revocation_in_this_process_takes_effect_on_the_next_request(
    unit: Any, kept: list[float]
) -> None:
    token = token_create(person=unit.clerk)
    assert status(token) == 200
    token_revoke(prefix=token.split("_")[1])
    assert status(token) == 401


def test_a_departure_saved_here_ends_the_persons_token_at_once(
    unit: Any, kept: list[float]
) -> None:
    token = token_create(person=unit.clerk2)
    assert status(token) == 200
    unit.clerk2.departs_on = timezone.localdate()
    unit.clerk2.save(update_fields=["departs_on"])
    assert status(token) == 401


def test_a_kept_row_still_checks_the_secret_and_the_expiry(unit: Any, kept: list[float]) -> None:
    token = token_create(person=unit.clerk, expires_at=timezone.now() + timedelta(minutes=5))
    assert status(token) == 200
    assert status(token[:-4] + "AAAA") == 401  # the prefix is kept, not the secret
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        kept[0] += 0.5
        assert status(token) == 401


def test_nothing_is_kept_when_the_cache_time_is_zero(unit: Any, settings: Any) -> None:
    settings.CUSTOS_TOKEN_CACHE_SECONDS = 0
    token = token_create(person=unit.clerk)
    assert len(queries(token)) == len(queries(token))
    assert token_cache._rows == {}
