"""CONTRACT.md's error shape for the answers Django gives before the API runs.

A path under ``/api/`` that names no endpoint is answered by Django's URL resolver (an
HTML "Not Found" page), and a known endpoint called with the wrong method by ninja's
plain-text "Method not allowed". CONTRACT.md says errors *always* have the JSON shape, so
a client parsing ``error.code`` must get one here too: ``not_found`` (404) and
``method_not_allowed`` (405, with the methods the endpoint takes) — codes beyond the
contract's list, documented in the README.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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
        if response.status_code not in (404, 405) or response.get("Content-Type", "").startswith(
            "application/json"
        ):
            return response
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
