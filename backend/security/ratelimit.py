"""Hooks the rate limit into the one NinjaAPI: the throttle, and 429 in CONTRACT.md's shape."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import Throttled

from backend.security.throttle import TokenRateThrottle, bucket_of

__all__ = ["TokenRateThrottle", "install"]


def install(api: NinjaAPI) -> None:
    @api.exception_handler(Throttled)
    def throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
        retry_after = int(getattr(request, "_custos_retry_after", 60))
        body = {
            "error": {
                "code": "rate_limited",
                "message": (
                    f"Too many requests for this token; retry in {retry_after} s. "
                    f"请求过于频繁，请 {retry_after} 秒后重试。"
                ),
                "details": {"retry_after": retry_after, "bucket": bucket_of(request)},
            }
        }
        response = api.create_response(request, body, status=429)
        response["Retry-After"] = str(retry_after)
        return response
