"""Need-to-know: who may see a carrier's title, basis and scope (CONTRACT.md).

One place decides it; the API schemas, pages and registers ask here. The committee sees
everything; anyone else sees those fields only when cleared for the carrier's level and,
where the carrier has a knowledge scope, inside it. Everyone else gets ``null``.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Exists, OuterRef, Q

from backend.registry.levels import RANK
from backend.registry.models import Carrier
from backend.registry.principals import Principal

READER_ROLES = ("registrar", "clerk", "approver", "witness", "committee")


def may_read_carriers(principal: Principal) -> bool:
    return principal.device is not None or principal.has_role(*READER_ROLES)


def may_know(principal: Principal, *, level: str, scope_codes: Iterable[str]) -> bool:
    person = principal.person
    if person is None:
        return False
    if person.has_role("committee"):
        return True
    if RANK[person.clearance] < RANK[level]:
        return False
    scope = set(scope_codes)
    return not scope or person.code in scope


def knowable(principal: Principal) -> Q:
    """The carriers whose title the caller may know, as a filter (for searching by title)."""
    person = principal.person
    if person is None:
        return Q(pk__in=[])
    if person.has_role("committee"):
        return Q()
    levels = [lvl for lvl, rank in RANK.items() if lvl != "none" and rank <= RANK[person.clearance]]
    through = Carrier.scope.through
    has_scope = Exists(through.objects.filter(carrier_id=OuterRef("pk")))
    in_scope = Exists(through.objects.filter(carrier_id=OuterRef("pk"), person_id=person.id))
    return Q(level__in=levels) & (~has_scope | in_scope)
