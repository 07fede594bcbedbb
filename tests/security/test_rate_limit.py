"""API rate limits per token: 429 ``rate_limited`` with Retry-After; scans have their own,
more generous bucket; another token is not affected."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache

from tests.conftest import scan


@pytest.fixture(autouse=True)
def _fresh_counters() -> None:
    cache.clear()


@pytest.mark.django_db
def test_the_request_past_the_limit_gets_429_with_retry_after(
    settings: Any, unit: Any, api_as: Any
) -> None:
    settings.CUSTOS_RATE_API = "5/min"
    client = api_as(unit.clerk)
    assert [client.get("/carriers").status_code for _ in range(5)] == [200] * 5
    answer = client.get("/carriers")
    assert answer.status_code == 429
    assert 1 <= int(answer["Retry-After"]) <= 60
    error = answer.json()["error"]
    assert error["code"] == "rate_limited" and error["details"]["bucket"] == "api"
    assert set(error) == {"code", "message", "details"}
    assert api_as(unit.committee).get("/carriers").status_code == 200  # per token


@pytest.mark.django_db
def test_scans_count_in_their_own_bucket(
    settings: Any, unit: Any, make_carrier: Any, api_as: Any
) -> None:
    settings.CUSTOS_RATE_API = "2/min"
    settings.CUSTOS_RATE_SCANS = "4/min"
    carrier = make_carrier()
    client = api_as(unit.clerk)
    assert [client.get("/carriers").status_code for _ in range(3)] == [200, 200, 429]
    batches = [
        client.post("/scans", {"scans": [scan("inventory", carrier, location=unit.safe)]})
        for _ in range(5)
    ]
    assert [b.status_code for b in batches] == [200, 200, 200, 200, 429]
    assert batches[-1].json()["error"]["details"]["bucket"] == "scans"


@pytest.mark.django_db
def test_the_limit_can_be_switched_off(settings: Any, unit: Any, api_as: Any) -> None:
    settings.CUSTOS_RATE_API = "off"
    client = api_as(unit.clerk)
    assert {client.get("/carriers").status_code for _ in range(30)} == {200}


def test_rates_parse_in_the_usual_forms() -> None:
    from backend.security.throttle import parse_rate

    assert parse_rate("600/min") == (600, 60)
    assert parse_rate("20/s") == (20, 1)
    assert parse_rate("1000/5m") == (1000, 300)
    assert parse_rate("off") is None
    with pytest.raises(ValueError):
        parse_rate("lots")
