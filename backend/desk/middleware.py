"""Chinese first: the pages speak zh-hans unless the person chose English.

Django's LocaleMiddleware would follow the browser's Accept-Language, so a desk PC with
an English Windows would show English to a clerk who never asked for it. Until the
language cookie (set by the language button) says otherwise, the header is ignored and
``LANGUAGE_CODE`` (zh-hans) applies.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class ChineseFirstMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
