"""Two middleware stacks: the pages' and the API's.

The pages need sessions, the language, CSRF, the signed-in user, the session guard,
messages and htmx; the API authenticates every request by bearer token and needs none of
them. Running them anyway cost a scan about 0.3–0.5 ms of the web process's CPU (of ~2.5 ms,
measured in process on PostgreSQL) — the ledger benchmark is CPU-bound, so that is
throughput and tail latency lost on every desk's scan.

``settings.MIDDLEWARE`` ends with :class:`SplitStack`; behind it, ``PAGE_MIDDLEWARE`` runs
for pages and ``API_MIDDLEWARE`` for the API, each built once the way Django builds its
own stack (every layer wrapped so that an exception becomes a response). The API's docs
page is a page: in production it needs a signed-in person (backend/security/middleware.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from django.conf import settings
from django.core.handlers.exception import convert_exception_to_response
from django.http import HttpRequest, HttpResponse
from django.utils.module_loading import import_string

Handler = Callable[[HttpRequest], HttpResponse]


def is_api_docs(path: str) -> bool:
    return path.rstrip("/").endswith("/docs")


def takes_api_stack(path: str) -> bool:
    """Whether a request goes through the API's stack (token-authenticated, no session)."""
    return path.startswith("/api/") and not is_api_docs(path)


def build_stack(paths: list[str], inner: Handler) -> Handler:
    handler = inner
    for path in reversed(paths):
        # cast: the awaitable in its return type is for async middleware; these are sync.
        handler = cast(Handler, convert_exception_to_response(import_string(path)(handler)))
    return handler


class SplitStack:
    def __init__(self, get_response: Handler) -> None:
        self.pages = build_stack(settings.PAGE_MIDDLEWARE, get_response)
        self.api = build_stack(settings.API_MIDDLEWARE, get_response)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if takes_api_stack(request.path):
            return self.api(request)
        return self.pages(request)
