"""CONTRACT.md's error shape for every failure the API can answer with.

``{"error": {"code": …, "message": …, "details": {…}}}``. Every handler here exists so
that no input — malformed JSON, a wrong type, an unknown path parameter — reaches
Django's 500 page.
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from backend.errors import ServiceError
from backend.schemas import ErrorBody, ErrorOut

__all__ = ["ErrorBody", "ErrorOut", "error_body", "error_response", "install"]

log = logging.getLogger(__name__)


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def error_response(
    api: NinjaAPI, request: HttpRequest, status: int, code: str, message: str, details: Any = None
) -> HttpResponse:
    return api.create_response(request, error_body(code, message, details), status=status)


def _plain(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # pydantic puts exception objects in ``ctx``; keep only what JSON can carry.
    return [
        {
            "loc": [str(p) for p in e.get("loc", ())],
            "msg": str(e.get("msg", "")),
            "type": e.get("type"),
        }
        for e in errors
    ]


def install(api: NinjaAPI) -> None:
    @api.exception_handler(ServiceError)
    def service_error(request: HttpRequest, exc: ServiceError) -> HttpResponse:
        return error_response(api, request, exc.status, exc.code, exc.message, exc.details)

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return error_response(
            api,
            request,
            422,
            "invalid",
            "The request is not valid.",
            {"errors": _plain(exc.errors)},
        )

    @api.exception_handler(AuthenticationError)
    def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return error_response(
            api, request, 401, "unauthenticated", "A valid bearer token is required."
        )

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        # ninja answers an unparseable body with 400; CONTRACT.md calls that 422 ``invalid``.
        status = 422 if exc.status_code == 400 else exc.status_code
        code = {401: "unauthenticated", 403: "forbidden", 404: "unknown_code"}.get(
            status, "invalid"
        )
        return error_response(api, request, status, code, str(exc))

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return error_response(api, request, 404, "unknown_code", str(exc) or "Not found.")
