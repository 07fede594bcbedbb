"""The stocktake page (清查): open a stocktake at a location, scan what is there, close it
and read the result; and the list of stocktakes with their results.

Everything goes through backend.inventory — the services the API's ``/inventories``
endpoints call — so a page close raises the same ``inventory_missing`` and
``custody_mismatch`` cases. Scans come from the same always-focused scanner input as the
handover desk, each with a scan id the page chose, and are answered with the desk's
banner (``views_desk._banner``'s template and ``words.reason``'s plain words).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from backend.alerts.selectors import alerts_for_stocktake
from backend.desk import words
from backend.desk.access import DeskRequest, roles_required
from backend.desk.common import carrier_code_shown, listed, titles
from backend.errors import ServiceError
from backend.inventory import selectors, services
from backend.inventory.models import Stocktake
from backend.registers.stocktake import stocktake_report_pdf as report_pdf
from backend.registry.models import Carrier, Location
from backend.registry.principals import Principal

ROLES = services.ROLES  # who runs stocktakes: the service decides, the page follows


@roles_required(*ROLES)
@require_http_methods(["GET"])
def stocktakes(request: DeskRequest) -> HttpResponse:
    return _list(request)


def _list(request: DeskRequest, *, error: str = "", status: int = 200) -> HttpResponse:
    principal = request.principal
    takes = selectors.stocktakes_list(principal=principal)
    open_at = {t.location_id for t in takes if t.closed_at is None}
    return render(
        request,
        "desk/stocktakes.html",
        {
            "open": [t for t in takes if t.closed_at is None],
            "closed": [t for t in takes if t.closed_at is not None],
            # Where a stocktake can be opened: places that hold carriers, none open yet.
            "locations": [
                loc
                for loc in Location.objects.exclude(kind="destruction").order_by("kind", "name")
                if loc.id not in open_at
            ],
            "error": error,
        },
        status=status,
    )


@roles_required(*ROLES)
@require_http_methods(["POST"])
def stocktake_open(request: DeskRequest) -> HttpResponse:
    code = request.POST.get("location", "").strip().upper()
    location = Location.objects.filter(code=code).first()
    if location is None:
        return _list(request, error=_("Choose the location to count."), status=422)
    try:
        take = services.stocktake_open(
            principal=request.principal,
            location=location,
        )
    except ServiceError as exc:
        return _list(request, error=exc.message, status=exc.status)
    return redirect("desk:stocktake", stocktake_id=take.id)


@roles_required(*ROLES)
@require_http_methods(["GET"])
def stocktake(request: DeskRequest, stocktake_id: int) -> HttpResponse:
    principal = request.principal
    try:
        take = selectors.stocktake_get(principal=principal, stocktake_id=stocktake_id)
    except ServiceError as exc:
        return render(request, "desk/error.html", {"message": exc.message}, status=exc.status)
    if take.closed_at is not None:
        return _result(request, take)
    return render(
        request,
        "desk/stocktake.html",
        {"take": take, **_counts(principal, take, listing=True)},
    )


@roles_required(*ROLES)
@require_http_methods(["POST"])
def stocktake_scan(request: DeskRequest, stocktake_id: int) -> HttpResponse:
    """One scanned carrier: the ledger's answer as the desk's banner, and fresh counts."""
    principal = request.principal
    code = request.POST.get("carrier", "").strip().upper()
    try:
        scan_id = uuid.UUID(request.POST.get("scan_id", ""))
        result = services.stocktake_scan(
            principal=principal, stocktake_id=stocktake_id, code=code, scan_id=scan_id
        )
        take = selectors.stocktake_get(principal=principal, stocktake_id=stocktake_id)
    except ValueError:
        return _scan_answer(
            request,
            None,
            ok=False,
            headline=_("The page sent no scan id; reload the page."),
            rows=[],
        )
    except ServiceError as exc:
        return _scan_answer(request, None, ok=False, headline=exc.message, rows=[])
    canonical = carrier_code_shown(code)
    carrier = Carrier.objects.filter(code=canonical).prefetch_related("scope").first()
    row: dict[str, Any] = {
        "code": code,
        "marking": carrier.marking if carrier else "",
        "title": titles(principal, [carrier]).get(carrier.id) if carrier else None,
        "status": result.status,
    }
    ok = result.error is None
    if result.status == "duplicate":
        headline = _("%(code)s was already counted.") % {"code": canonical}
    elif ok and canonical in take.expected:
        headline = _("%(code)s counted: it belongs here.") % {"code": canonical}
    elif ok:
        # Recorded all the same (the sighting is the evidence of where it really is), but
        # shown red with the low tone: the clerk should look at this one.
        ok = False
        headline = _(
            "%(code)s counted, but the ledger does not place it here: "
            "it will be reported as unexpected."
        ) % {"code": canonical}
    else:
        err = result.error
        assert err is not None  # noqa: S101 - not ok means refused
        row["reason"] = words.reason(err.code, err.details, err.message, {})
        row["code_word"] = err.code
        headline = row["reason"]
    return _scan_answer(request, take, ok=ok, headline=headline, rows=[row])


def _scan_answer(
    request: DeskRequest,
    take: Stocktake | None,
    *,
    ok: bool,
    headline: str,
    rows: list[dict[str, Any]],
) -> HttpResponse:
    context: dict[str, Any] = {"ok": ok, "headline": headline, "rows": rows, "keep": ""}
    if take is not None:
        context.update(take=take, **_counts(request.principal, take, listing=False))
    return render(request, "desk/_stocktake_scan.html", context)


@roles_required(*ROLES)
@require_http_methods(["POST"])
def stocktake_close(request: DeskRequest, stocktake_id: int) -> HttpResponse:
    try:
        services.stocktake_close(
            principal=request.principal,
            stocktake_id=stocktake_id,
        )
    except ServiceError as exc:
        return render(request, "desk/error.html", {"message": exc.message}, status=exc.status)
    return redirect("desk:stocktake", stocktake_id=stocktake_id)


@roles_required(*ROLES)
@require_http_methods(["GET"])
def stocktake_report_pdf(request: DeskRequest, stocktake_id: int) -> HttpResponseBase:
    """The reconciliation as the API's ``/inventories/{id}/report.pdf`` prints it."""
    try:
        return report_pdf(
            principal=request.principal,
            stocktake_id=stocktake_id,
        )
    except ServiceError as exc:
        return render(request, "desk/error.html", {"message": exc.message}, status=exc.status)


def _result(request: DeskRequest, take: Stocktake) -> HttpResponse:
    principal = request.principal
    expected = set(take.expected)
    codes = set(take.expected) | set(take.found)
    carriers = _carriers(principal, codes)
    alerts = alerts_for_stocktake(
        missing=take.missing, unexpected=take.unexpected, since=take.opened_at
    )
    return render(
        request,
        "desk/stocktake_result.html",
        {
            "take": take,
            "missing": [carriers.get(c, {"code": c}) for c in take.missing],
            "unexpected": [carriers.get(c, {"code": c}) for c in take.unexpected],
            "found": [carriers.get(c, {"code": c}) for c in take.found if c in expected],
            "found_count": len(expected) - len(take.missing),
            "alerts": [
                {
                    "a": a,
                    "kind": words.word(words.ALERT_KINDS, a.kind),
                    "status": words.word(words.ALERT_STATUSES, a.status),
                }
                for a in alerts
            ],
        },
    )


def _counts(principal: Principal, take: Stocktake, *, listing: bool) -> dict[str, Any]:
    """Expected / found so far / unexpected so far, and (``listing``) each carrier's line."""
    seen = selectors.stocktake_sightings(take)
    expected = set(take.expected)
    context: dict[str, Any] = {
        "expected": len(expected),
        "found": len(seen & expected),
        "remaining": len(expected - seen),
        "unexpected": len(seen - expected),
        "seen": " ".join(sorted(seen)),
    }
    if listing:
        carriers = _carriers(principal, expected | seen)
        context["lines"] = [
            {**carriers.get(c, {"code": c}), "state": "found" if c in seen else "waiting"}
            for c in sorted(expected)
        ] + [
            {**carriers.get(c, {"code": c}), "state": "unexpected"} for c in sorted(seen - expected)
        ]
    return context


def _carriers(principal: Principal, codes: set[str]) -> dict[str, dict[str, Any]]:
    """Code → what the page shows of the carrier; titles only where the person may know."""
    found = list(Carrier.objects.filter(code__in=codes).prefetch_related("scope"))
    known = listed(principal, found)
    return {
        c.code: {
            "code": c.code,
            "marking": c.marking,
            "level": c.level,
            "title": known.get(c.id),
            "status": words.word(words.STATUSES, c.status),
        }
        for c in found
    }


__all__ = [
    "stocktake",
    "stocktake_close",
    "stocktake_open",
    "stocktake_report_pdf",
    "stocktake_scan",
    "stocktakes",
]
