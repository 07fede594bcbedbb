"""CONTRACT.md's error shape for the answers Django gives before the API runs.

A path under ``/api/`` that names no endpoint is answered by Django's URL resolver (an
HTML "Not Found" page), and a known endpoint called with the wrong method by ninja's
plain-text "Method not allowed". CONTRACT.md says errors *always* have the JSON shape, so
a client parsing ``error.code`` must get one here too: ``not_found`` (404) and
``method_not_allowed`` (405, with the methods the endpoint takes) — codes beyond the
contract's list, documented in the README. A body Django refuses to read (over
``DATA_UPLOAD_MAX_MEMORY_SIZE``, a 10,000-receipt check can be) is its HTML "Bad Request"
page: here it becomes 413 ``too_large`` with the limit, and any other unreadable request
422 ``invalid``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from backend.api.errors import error_body

# As the API's own answers (backend/api/main.py): UTF-8, Chinese left readable.
_JSON: dict[str, Any] = {
    "content_type": "application/json; charset=utf-8",
    "json_dumps_params": {"ensure_ascii": False},
}


class ErrorShapeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code not in (400, 404, 405) or response.get(
            "Content-Type", ""
        ).startswith("application/json"):
            return response
        if response.status_code == 400:
            return _unreadable(request)
        if response.status_code == 404:
            return JsonResponse(
                error_body(
                    "not_found",
                    f"No API endpoint at {request.path} · 无此接口",
                    {"path": request.path},
                ),
                status=404,
                **_JSON,
            )
        allowed = [m.strip() for m in response.get("Allow", "").split(",") if m.strip()]
        answer = JsonResponse(
            error_body(
                "method_not_allowed",
                f"{request.path} does not take {request.method} · 该接口不支持此方法",
                {"allowed": allowed},
            ),
            status=405,
            **_JSON,
        )
        if allowed:
            answer["Allow"] = ", ".join(allowed)
        return answer


def _unreadable(request: HttpRequest) -> JsonResponse:
    """Django's own 400 (a ``SuspiciousOperation`` before the API ran), in the error shape."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if limit is not None and length > limit:
        return JsonResponse(
            error_body(
                "too_large",
                f"The request body is over {limit} bytes: send fewer items at a time"
                " · 请求内容过大，请分批发送",
                {"limit": limit, "length": length},
            ),
            status=413,
            **_JSON,
        )
    return JsonResponse(
        error_body("invalid", "The request could not be read · 无法读取该请求", {}),
        status=422,
        **_JSON,
    )
