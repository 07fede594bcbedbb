"""Reads of stocktakes: one, and its reconciliation as a printable report."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from django.db.models import Q
from django.utils.translation import gettext as _

from backend.alerts.models import Alert
from backend.custody.models import CustodyEvent
from backend.errors import ServiceError
from backend.inventory.models import Stocktake
from backend.registers.selectors import Filters, Register, _scopes
from backend.registry.levels import LEVEL_ZH
from backend.registry.models import Carrier
from backend.registry.policy import may_know, may_read_carriers
from backend.registry.principals import Principal

REPORT_HEADINGS = ("编号", "名称", "密级", "账面状态", "账面位置", "清查结果")
RESULT_ZH = {"found": "在位", "missing": "缺失", "unexpected": "账外发现"}


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


def stocktake_alerts(take: Stocktake) -> list[Alert]:
    """The cases behind ``take``'s result: ``inventory_missing`` for what was missing and
    ``custody_mismatch`` for what turned up unexpected — the latter often opened by the
    scan itself (a sighting away from the ledger's location), which the close then found
    open rather than opening a second case; hence by carrier and time, not by details."""
    return list(
        Alert.objects.filter(
            Q(kind="inventory_missing", carrier__code__in=take.missing)
            | Q(kind="custody_mismatch", carrier__code__in=take.unexpected),
            opened_at__gte=take.opened_at,
        )
        .select_related("carrier")
        .order_by("kind", "carrier__code")
    )


def stocktake_report(*, principal: Principal, stocktake_id: int) -> Register:
    """The reconciliation of a closed stocktake as a register (rendered like the others)."""
    take = stocktake_get(principal=principal, stocktake_id=stocktake_id)
    if take.closed_at is None:
        raise ServiceError(
            "invalid_transition", _("Close the stocktake first."), {"reason": "open"}
        )
    outcome = {c: "found" for c in take.found if c in set(take.expected)}
    outcome.update({c: "missing" for c in take.missing})
    outcome.update({c: "unexpected" for c in take.unexpected})
    carriers = {
        c.code: c for c in Carrier.objects.filter(code__in=list(outcome)).select_related("location")
    }
    scopes = _scopes([c.id for c in carriers.values()])

    def rows() -> Iterator[tuple[str, ...]]:
        # Missing first: that is what the committee acts on.
        order = {"missing": 0, "unexpected": 1, "found": 2}
        for code in sorted(outcome, key=lambda c: (order[outcome[c]], c)):
            c = carriers[code]
            knows = may_know(principal, level=c.level, scope_codes=scopes.get(c.id, []))
            yield (
                code,
                c.title if knows else "",
                LEVEL_ZH[c.level],
                c.get_status_display(),
                c.location.name,
                RESULT_ZH[outcome[code]],
            )

    title = (
        f"涉密载体清查报告 — {take.location.name}（应在 {len(take.expected)}，在位 "
        f"{len(take.expected) - len(take.missing)}，缺失 {len(take.missing)}，账外 "
        f"{len(take.unexpected)}）"
    )
    return Register(
        "inventory", title, REPORT_HEADINGS, (30, 60, 12, 18, 30, 18), rows(), Filters()
    )
