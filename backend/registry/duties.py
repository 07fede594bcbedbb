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
from backend.hooks import auditor_read, send_required
from backend.registry.levels import Clearance, Role
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
        raise ServiceError(
            "invalid",
            _("Unknown roles: %(roles)s.") % {"roles": ", ".join(unknown)},
            {"roles": unknown},
        )
    duties_check(roles)
    person = Person.objects.select_for_update().get(pk=person.pk)
    person.roles = roles
    person.save(update_fields=["roles_text"])
    return person


@transaction.atomic
def person_clearance_set(*, principal: Principal, person: Person, clearance: str) -> Person:
    """Set ``person``'s clearance, as the security administrator does — never their own:
    nobody clears themself for more than they were trusted with."""
    actor = principal.person
    if actor is None or not principal.has_role("security_admin"):
        raise ServiceError("forbidden", _("Only the security administrator sets clearances."))
    if actor.pk == person.pk:
        raise ServiceError("forbidden", _("Nobody may change their own clearance."))
    if clearance not in Clearance.values:
        raise ServiceError(
            "invalid",
            _("Unknown clearance %(value)s.") % {"value": repr(clearance)},
            {"field": "clearance", "allowed": Clearance.values},
        )
    person = Person.objects.select_for_update().get(pk=person.pk)
    person.clearance = clearance
    person.save(update_fields=["clearance"])
    return person


def auditor_reads(*, principal: Principal, what: str, detail: str = "") -> None:
    """Log a read when the reader is a security auditor (三员分立: the one who reads the
    logs is logged too). Custody's ledger answers call it; the security app keeps the row."""
    if principal.has_role("auditor"):
        send_required(auditor_read, principal=principal, what=what, detail=detail[:200])


@transaction.atomic
def person_duties_set(
    *, principal: Principal, person: Person, roles: list[str], clearance: str
) -> Person:
    """Roles and clearance together, as the security administrator's page sets them: both
    or neither, under the same rules as each alone."""
    person_roles_set(principal=principal, person=person, roles=roles)
    return person_clearance_set(principal=principal, person=person, clearance=clearance)
