"""Need-to-know: who may see a carrier's title, basis and scope (CONTRACT.md).

One place decides it; the API schemas, pages and registers ask here. The committee sees
everything; anyone else sees those fields only when cleared for the carrier's level and,
where the carrier has a knowledge scope, inside it. Everyone else gets ``null``.

Reads are recorded here too (Reg Art. 20: who accessed, when, what): every carrier at or
above ``CUSTOS_ACCESS_LOG_LEVEL`` (default 机密) that a read hands out leaves a row in the
append-only access log (backend/security), whether or not its title was shown.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db.models import Exists, OuterRef, Q

from backend.hooks import carriers_read, send_required
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


def is_logged_level(level: str) -> bool:
    """Whether reads of a carrier at ``level`` go into the access log."""
    threshold = settings.CUSTOS_ACCESS_LOG_LEVEL
    return threshold in RANK and threshold != "none" and RANK[level] >= RANK[threshold]


def record_reads(principal: Principal, carriers: Iterable[Carrier], *, what: str) -> int:
    """Log the reads of ``carriers`` that the access log keeps; returns the rows written.

    ``what`` is ``carrier`` for one carrier (its record, events or page) and ``list`` for
    a row of a list or search. Carriers need their ``scope`` prefetched.
    """
    chosen = [c for c in carriers if is_logged_level(c.level)]
    if not chosen:
        return 0
    shown = {
        c.id
        for c in chosen
        if may_know(principal, level=c.level, scope_codes=[p.code for p in c.scope.all()])
    }
    written = send_required(
        carriers_read, principal=principal, carriers=chosen, what=what, shown=shown
    )
    return sum(written)
