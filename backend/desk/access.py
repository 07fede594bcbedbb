"""Who may open which page: a signed-in user, linked to a registry Person, with a role.

Each page names the roles that use it (clerk → desk, committee → dashboard, approver →
destruction requests, registrar → registration and labels); anyone else gets 403.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase
from django_htmx.middleware import HtmxDetails

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


class DeskRequest(HttpRequest):
    """The request a page view gets: what ``roles_required`` and django-htmx put on it.

    Only a type: no instance of it is made. A view taking it must be behind
    ``roles_required``, which is what sets ``person``, ``principal`` and ``unit_zone``.
    """

    person: Person
    principal: Principal
    unit_zone: str
    htmx: HtmxDetails


def person_of(request: HttpRequest) -> Person | None:
    user = request.user
    if not user.is_authenticated:
        return None
    person = Person.objects.filter(user_id=user.pk, active=True).first()
    return person


def roles_required(
    *roles: str,
) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """Sign-in first, then one of ``roles``; the view gets a ``DeskRequest``, with
    ``request.person`` and ``request.principal`` set."""

    def decorate(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
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
            # cast: these three lines are what make the request a DeskRequest.
            page = cast(DeskRequest, request)
            page.unit_zone = settings.CUSTOS_TIME_ZONE
            page.person = person
            page.principal = principal
            return view(page, *args, **kwargs)

        return wrapped

    return decorate
