"""API rate limits per token, answered with 429 ``rate_limited`` and ``Retry-After``.

A fixed window per token and bucket, counted in Redis so that every web process shares one
count (backend/security/counters.py, which also keeps the API answering — counting in
process memory — while Redis is down). Scans get their own, generous bucket: a desk
catching up after an outage must not be turned away, while a stolen token must not be
able to page through the register.
"""

from __future__ import annotations

import math
import time

from django.conf import settings
from django.http import HttpRequest
from ninja.throttling import BaseThrottle

from backend.registry import tokens
from backend.security.counters import counters

KEY_PREFIX = "custos:rate:"

_PERIODS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60,
            "h": 3600, "hour": 3600, "d": 86400, "day": 86400}  # fmt: skip


def parse_rate(text: str) -> tuple[int, int] | None:
    """``"600/min"`` → (600, 60); ``"off"``, ``"0"`` or empty → None (no limit)."""
    text = text.strip().lower()
    if text in {"", "0", "off", "none"}:
        return None
    count, _, per = text.partition("/")
    digits = "".join(ch for ch in per if ch.isdigit())
    unit = per[len(digits) :] if per[: len(digits)] == digits else per
    if not count.isdigit() or unit not in _PERIODS:
        raise ValueError(f"A rate is like 600/min or 20/s, not {text!r}")
    return int(count), (int(digits) if digits else 1) * _PERIODS[unit]


def bucket_of(request: HttpRequest) -> str:
    return (
        "scans"
        if request.method == "POST" and request.path.rstrip("/").endswith("/scans")
        else "api"
    )


def _ident(request: HttpRequest) -> str:
    # The token's lookup prefix names the token without keeping its secret in the cache.
    header = request.META.get("HTTP_AUTHORIZATION", "")
    parts = tokens.split(header.partition(" ")[2]) if header.lower().startswith("bearer ") else None
    if parts is not None:
        return f"t:{parts[0]}"
    return f"ip:{request.META.get('REMOTE_ADDR', '')}"


class TokenRateThrottle(BaseThrottle):
    """One instance serves every request: state lives in the cache, not on ``self``."""

    def allow_request(self, request: HttpRequest) -> bool:
        bucket = bucket_of(request)
        rate = parse_rate(
            settings.CUSTOS_RATE_SCANS if bucket == "scans" else settings.CUSTOS_RATE_API
        )
        if rate is None:
            return True
        limit, period = rate
        now = time.time()
        window = int(now // period)
        key = f"{KEY_PREFIX}{bucket}:{_ident(request)}:{period}:{window}"
        count = counters(settings.CUSTOS_RATE_REDIS_URL).hit(key, period)
        if count <= limit:
            return True
        # A note on the request for ratelimit.py's 429 answer (Retry-After).
        request._custos_retry_after = max(1, math.ceil((window + 1) * period - now))  # type: ignore[attr-defined]  # see above
        return False

    def wait(self) -> float | None:
        # ninja asks the throttle, not the request; the handler reads the request instead.
        return None
