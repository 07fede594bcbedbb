"""Who may open which page: a signed-in user, linked to a registry Person, with a role.

Each page names the roles that use it (clerk → desk, committee → dashboard, approver →
destruction requests, registrar → registration and labels); anyone else gets 403.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from backend.errors import ServiceError
from backend.registry.models import Person
from backend.registry.principals import Principal, require_role

# The page each role lands on after sign-in, in order of precedence.
HOMES = (
    ("clerk", "desk:handover"),
    ("committee", "desk:dashboard"),
    ("approver", "desk:destruction"),
    ("registrar", "desk:register"),
    ("witness", "desk:destruction"),
    ("security_admin", "desk:people"),
    ("auditor", "desk:audit"),
)


def person_of(request: HttpRequest) -> Person | None:
    user = request.user
    if not user.is_authenticated:
        return None
    person = Person.objects.filter(user_id=user.pk, active=True).first()
    return person


def roles_required(
    *roles: str,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Sign-in first, then one of ``roles``; the view gets ``request.person`` and
    ``request.principal`` set."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            person = person_of(request)
            if person is None:
                raise PermissionDenied
            principal = Principal(person=person)
            try:
                require_role(principal, *roles)  # the one role check, as the API's
            except ServiceError as exc:
                raise PermissionDenied from exc
            # Times on the pages are the unit's civil time, as on its paper registers. Only
            # the templates use it ({% timezone request.unit_zone %}): activating it for the
            # whole thread would change what the services' localdate() means.
            request.unit_zone = settings.CUSTOS_TIME_ZONE  # type: ignore[attr-defined]
            request.person = person  # type: ignore[attr-defined]
            request.principal = principal  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)

        return wrapped

    return decorate
