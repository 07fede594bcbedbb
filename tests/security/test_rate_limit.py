"""API rate limits per token: 429 ``rate_limited`` with Retry-After; scans have their own,
more generous bucket; another token is not affected; every web process shares one count
through Redis, and scans are still accepted while Redis is down."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as dj

from backend.custody.models import CustodyEvent
from backend.security.counters import counters
from backend.security.throttle import KEY_PREFIX
from tests.conftest import REQUIRE_SERVICES, scan

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("REDIS_URL", "")


# The longest a test here counts hits for (the shared-count one starts a second Python
# process, ~3 s), with room to spare.
_TEST_SECONDS = 10


@pytest.fixture(autouse=True)
def _fresh_counters() -> None:
    counters(dj.CUSTOS_RATE_REDIS_URL).clear(f"{KEY_PREFIX}*")
    # The limits count in fixed windows of a minute: a test that straddles a window's end
    # starts counting afresh halfway and sees 200 where 429 is due. Start in a window with
    # time enough left.
    left = 60 - time.time() % 60
    if left < _TEST_SECONDS:
        time.sleep(left + 0.05)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # closed again when the block ends: nothing listens


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


@pytest.mark.django_db
def test_every_web_process_shares_one_count(settings: Any, unit: Any, api_as: Any) -> None:
    """Another process — as a second gunicorn worker would — counts into the same window."""
    if not REDIS_URL:
        if REQUIRE_SERVICES:
            pytest.fail("Redis required (REDIS_URL)")
        pytest.skip("needs Redis (set REDIS_URL)")
    settings.CUSTOS_RATE_API = "5/min"
    client = api_as(unit.clerk)
    assert [client.get("/carriers").status_code for _ in range(3)] == [200] * 3
    header = client.headers["HTTP_AUTHORIZATION"]
    other = (
        "import django; django.setup()\n"
        "from django.test import RequestFactory\n"
        "from backend.security.throttle import TokenRateThrottle\n"
        f"request = RequestFactory().get('/api/v1/carriers', HTTP_AUTHORIZATION={header!r})\n"
        "print([TokenRateThrottle().allow_request(request) for _ in range(2)])\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "backend.settings",
        "CUSTOS_RATE_API": "5/min",
        "CUSTOS_RATE_REDIS_URL": settings.CUSTOS_RATE_REDIS_URL,
    }
    done = subprocess.run(
        [sys.executable, "-c", other], env=env, cwd=ROOT, capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[True, True]"  # its two hits are the 4th and 5th
    assert client.get("/carriers").status_code == 429  # the 6th, across both processes


@pytest.mark.django_db
def test_scans_are_accepted_and_limits_still_hold_while_redis_is_down(
    settings: Any, unit: Any, make_carrier: Any, api_as: Any
) -> None:
    settings.CUSTOS_RATE_REDIS_URL = f"redis://127.0.0.1:{_closed_port()}/0"
    settings.CUSTOS_RATE_API = "2/min"
    carrier = make_carrier()
    client = api_as(unit.clerk)
    sent = scan("inventory", carrier, location=unit.safe)
    answer = client.post("/scans", {"scans": [sent]})
    assert answer.status_code == 200
    assert answer.json()["results"][0]["status"] == "recorded"
    assert CustodyEvent.objects.filter(id=sent["id"]).exists()
    assert counters(settings.CUSTOS_RATE_REDIS_URL).shared is False  # the breaker is open
    # This process counts on its own meanwhile: the limit is not simply switched off.
    assert [client.get("/carriers").status_code for _ in range(3)] == [200, 200, 429]
