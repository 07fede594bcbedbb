"""The session guard: runs after Django's authentication on every page request.

1. A session idle longer than ``CUSTOS_SESSION_IDLE_SECONDS`` is ended.
2. A session whose person is deactivated or past their departure date is ended — the
   departure date passes without anybody pressing a button, so it is checked here.
3. A person holding a role in ``CUSTOS_2FA_ROLES`` reaches no page until their TOTP code
   has been checked in this session (``/security/2fa/``).
4. In production the API docs page needs a signed-in person (the schema stays open, as
   CONTRACT.md says).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone

from backend.middleware import is_api_docs
from backend.registry.models import Person

SEEN_KEY = "custos_seen"
TWO_FACTOR_KEY = "custos_2fa"
# Pages a half-signed-in person may still open: sign-in, the second factor, sign-out,
# language switch and static files.
_OPEN_PREFIXES = ("/security/2fa/", "/sign-out/", "/i18n/", "/static/")
# Writing the session on every request would cost a write per page; a minute's precision
# is plenty for a timeout counted in minutes.
_TOUCH_SECONDS = 60


def needs_second_factor(person: Person) -> bool:
    return any(person.has_role(role) for role in settings.CUSTOS_2FA_ROLES)


class SessionGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path
        if path.startswith("/api/"):
            # Only the API's docs page comes this way (backend/middleware.py); the
            # API itself authenticates by token, not session.
            if (
                settings.CUSTOS_ENV == "production"
                and is_api_docs(path)
                and not request.user.is_authenticated
            ):
                return redirect(f"{settings.LOGIN_URL}?{urlencode({'next': path})}")
            return self.get_response(request)
        if request.user.is_authenticated:
            refused = self._guard(request, path)
            if refused is not None:
                return refused
        return self.get_response(request)

    def _guard(self, request: HttpRequest, path: str) -> HttpResponse | None:
        now = time.time()
        seen = request.session.get(SEEN_KEY)
        if seen is not None and now - float(seen) > settings.CUSTOS_SESSION_IDLE_SECONDS:
            logout(request)
            return redirect(settings.LOGIN_URL)
        if seen is None or now - float(seen) > _TOUCH_SECONDS:
            request.session[SEEN_KEY] = now
        person = Person.objects.filter(user_id=request.user.pk).first()  # type: ignore[misc]  # signed in: pk is set
        if person is not None and not person.is_active_on(timezone.localdate()):
            logout(request)
            return redirect(settings.LOGIN_URL)
        if (
            person is not None
            and needs_second_factor(person)
            and not request.session.get(TWO_FACTOR_KEY)
            and path != "/"
            and not path.startswith(_OPEN_PREFIXES)
        ):
            return redirect(f"/security/2fa/?{urlencode({'next': path})}")
        return None
