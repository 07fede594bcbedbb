"""Who is calling: a person (with their token or session) or a scanner device."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from backend.errors import ServiceError
from backend.registry.models import Device, Person
from backend.registry.texts import roles_words


@dataclass(frozen=True, slots=True)
class Principal:
    person: Person | None = None
    device: Device | None = None

    def has_role(self, *roles: str) -> bool:
        return self.person is not None and any(self.person.has_role(r) for r in roles)

    @property
    def is_committee(self) -> bool:
        return self.has_role("committee")


def require_role(principal: Principal, *roles: str, message: str | Promise | None = None) -> None:
    """Refuse with ``forbidden`` unless the caller holds one of ``roles``: the one role check.

    ``message`` replaces the generic sentence where a procedure says who may act.
    """
    if not principal.has_role(*roles):
        raise ServiceError(
            "forbidden",
            # str(): a procedure's message may be lazy, translated for the reader only now.
            str(message)
            if message
            else _("This needs one of the roles: %(roles)s.") % {"roles": roles_words(roles)},
            {"roles": list(roles)},
        )


def principal_of(request: HttpRequest) -> Principal:
    """The caller that the API's bearer authentication put on ``request``."""
    principal = getattr(request, "auth", None)
    if not isinstance(principal, Principal):
        # Every router requires the token auth, so this is a wiring mistake, not input.
        raise ServiceError("unauthenticated", "A valid bearer token is required.")
    return principal
