"""Reads of stocktakes: one, the list, its sightings and the cases behind its result.

Its printable report is a register (backend/registers/stocktake.py)."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _

from backend.custody.models import CustodyEvent
from backend.errors import ServiceError
from backend.inventory.models import Stocktake
from backend.registry.policy import may_read_carriers
from backend.registry.principals import Principal


def stocktake_get(*, principal: Principal, stocktake_id: int) -> Stocktake:
    if not may_read_carriers(principal):
        raise ServiceError("forbidden", _("Your roles do not include reading stocktakes."))
    take = Stocktake.objects.select_related("location").filter(id=stocktake_id).first()
    if take is None:
        raise ServiceError("not_found", _("There is no stocktake %(id)s.") % {"id": stocktake_id})
    return take


def stocktake_sightings(take: Stocktake, *, until: datetime | None = None) -> set[str]:
    """The carriers sighted in ``take`` so far: ``inventory`` events naming it (recorded
    up to ``until``). The page's running count and the close read the same query."""
    events = CustodyEvent.objects.filter(action="inventory", payload__inventory=take.id)
    if until is not None:
        events = events.filter(recorded_at__lte=until)
    return set(events.values_list("carrier__code", flat=True))


def stocktakes_list(*, principal: Principal, limit: int = 30) -> list[Stocktake]:
    """Open stocktakes first, then the latest closed ones (for the stocktake page)."""
    if not may_read_carriers(principal):
        raise ServiceError("forbidden", _("Your roles do not include reading stocktakes."))
    rows = Stocktake.objects.select_related("location", "opened_by", "closed_by")
    return [
        *rows.filter(closed_at__isnull=True).order_by("-opened_at"),
        *rows.filter(closed_at__isnull=False).order_by("-closed_at")[:limit],
    ]
