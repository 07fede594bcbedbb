"""三员分立: the system administrator, the security administrator and the security auditor
are three different people, and nobody changes their own roles.

Classified systems separate the one who runs the system (``admin``), the one who manages
people, roles and clearances (``security_admin``) and the one who reads the logs, the
ledger and its checkpoints (``auditor``), so that none of them can both act and hide it.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from backend.errors import ServiceError
from backend.registry.levels import Role
from backend.registry.models import Person
from backend.registry.principals import Principal

SEPARATED = ("admin", "security_admin", "auditor")


def duties_check(roles: Iterable[str]) -> None:
    """Refuse a set of roles that joins two of the three separated duties."""
    held = sorted(set(roles) & set(SEPARATED))
    if len(held) > 1:
        raise ServiceError(
            "invalid",
            _("No person may hold two of admin, security_admin and auditor (三员分立): %(roles)s.")
            % {"roles": ", ".join(held)},
            {"roles": held},
        )


@transaction.atomic
def person_roles_set(*, principal: Principal, person: Person, roles: list[str]) -> Person:
    """Give ``person`` exactly ``roles``, as the security administrator does.

    Only a ``security_admin`` assigns roles; nobody assigns their own (an administrator
    cannot make themself auditor, an auditor cannot widen their reach).
    """
    actor = principal.person
    if actor is None or not principal.has_role("security_admin"):
        raise ServiceError("forbidden", _("Only the security administrator assigns roles."))
    if actor.pk == person.pk:
        raise ServiceError("forbidden", _("Nobody may change their own roles."))
    unknown = sorted(set(roles) - set(Role.values))
    if unknown:
        raise ServiceError("invalid", f"Unknown roles: {', '.join(unknown)}.", {"roles": unknown})
    duties_check(roles)
    person = Person.objects.select_for_update().get(pk=person.pk)
    person.roles = roles
    person.save(update_fields=["roles_text"])
    return person
