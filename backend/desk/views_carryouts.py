"""外出携带 pages: the requests and the request form; one request with the approver's
decision, the exit-and-return scan desk and its approval form (携带外出审批表).

Every step calls backend.carryouts — the services the API's ``/carry-outs`` endpoints
call — and the scans go through the ledger's ingest, so the scan check alone decides
whether a carrier may leave (an approved request naming it, today within its dates).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from backend.carryouts import selectors, services
from backend.carryouts.models import CarryOut, CarryOutStatus
from backend.desk import words
from backend.desk.access import DeskRequest, roles_required
from backend.desk.common import carrier_code_shown, listed
from backend.errors import ServiceError
from backend.registers.carryouts import carry_out_form_pdf
from backend.registry.models import Carrier
from backend.registry.policy import READER_ROLES

# Anyone with a desk role may file a request (the service checks clearance); the clerk
# runs the exit desk, the approver decides.
ROLES = READER_ROLES
_STATUS_WORDS = dict(CarryOutStatus.choices)


def _codes(raw: str) -> list[str]:
    return [c for c in raw.replace(",", " ").replace("，", " ").split() if c]


def _date(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        return None


@roles_required(*ROLES)
@require_http_methods(["GET", "POST"])
def carry_outs(request: DeskRequest) -> HttpResponse:
    """The requests the person may see, and the form to file one."""
    error, status = "", 200
    form = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        leaves_on, returns_on = _date(form.get("leaves_on", "")), _date(form.get("returns_on", ""))
        if leaves_on is None or returns_on is None:
            error, status = _("Give both dates as YYYY-MM-DD."), 422
        else:
            try:
                made = services.carry_out_request(
                    principal=request.principal,
                    carriers=_codes(form.get("carriers", "")),
                    purpose=form.get("purpose", ""),
                    destination=form.get("destination", ""),
                    leaves_on=leaves_on,
                    returns_on=returns_on,
                    people=_codes(form.get("people", "")),
                )
            except ServiceError as exc:
                error, status = exc.message, exc.status
            else:
                return redirect("desk:carry-out", carry_out_id=made.id)
    requests = selectors.carry_out_list(principal=request.principal)
    return render(
        request,
        "desk/carry_outs.html",
        {
            "requests": [{"r": r, "status": _STATUS_WORDS[r.status]} for r in requests],
            "error": error,
            "form": form,
        },
        status=status,
    )


def _page(
    request: DeskRequest, carry_out_id: int, *, error: str = "", status: int = 200
) -> HttpResponse:
    principal = request.principal
    try:
        got = selectors.carry_out_get(principal=principal, carry_out_id=carry_out_id)
    except ServiceError as exc:
        return render(request, "desk/error.html", {"message": exc.message}, status=exc.status)
    person = request.person
    return render(
        request,
        "desk/carry_out.html",
        {
            "co": got,
            "status": _STATUS_WORDS[got.status],
            **_lines(request, got),
            "may_decide": principal.has_role("approver")
            and got.status == CarryOutStatus.REQUESTED
            and got.requester_id != person.id,
            "own": got.requester_id == person.id,
            "desk": principal.has_role("clerk")
            and got.status in (CarryOutStatus.APPROVED, CarryOutStatus.OUT),
            "error": error,
        },
        status=status,
    )


def _lines(request: DeskRequest, got: CarryOut) -> dict[str, Any]:
    items = sorted(got.items.all(), key=lambda i: i.id)
    carriers = list(
        Carrier.objects.filter(id__in=[i.carrier_id for i in items]).prefetch_related("scope")
    )
    known = listed(request.principal, carriers)
    by_id = {c.id: c for c in carriers}
    lines = []
    for item in items:
        c = by_id[item.carrier_id]
        state = "back" if item.in_at else "out" if item.out_at else "waiting"
        lines.append({"c": c, "title": known.get(c.id), "item": item, "state": state})
    return {
        "lines": lines,
        "out": sum(1 for line in lines if line["state"] == "out"),
        "back": sum(1 for line in lines if line["state"] == "back"),
        "waiting": sum(1 for line in lines if line["state"] == "waiting"),
    }


@roles_required(*ROLES)
@require_http_methods(["GET"])
def carry_out(request: DeskRequest, carry_out_id: int) -> HttpResponse:
    return _page(request, carry_out_id)


@roles_required("approver")
@require_http_methods(["POST"])
def carry_out_decision(request: DeskRequest, carry_out_id: int) -> HttpResponse:
    try:
        services.carry_out_decide(
            principal=request.principal,
            carry_out_id=carry_out_id,
            decision=request.POST.get("decision", ""),
            opinion=request.POST.get("opinion", ""),
        )
    except ServiceError as exc:
        return _page(request, carry_out_id, error=exc.message, status=exc.status)
    return redirect("desk:carry-out", carry_out_id=carry_out_id)


@roles_required("clerk")
@require_http_methods(["POST"])
def carry_out_scan(request: DeskRequest, carry_out_id: int) -> HttpResponse:
    """One scanned carrier at the exit-and-return desk: the desk's banner and the lines."""
    code = request.POST.get("carrier", "").strip().upper()
    try:
        result = services.carry_out_desk_scan(
            principal=request.principal,
            carry_out_id=carry_out_id,
            code=code,
            scan_id=uuid.UUID(request.POST.get("scan_id", "")),
        )
        got = selectors.carry_out_get(principal=request.principal, carry_out_id=carry_out_id)
    except ValueError:
        return _answer(request, None, ok=False, headline=_("The page sent no scan id; reload."))
    except ServiceError as exc:
        return _answer(request, None, ok=False, headline=exc.message)
    shown = carrier_code_shown(code)
    event = result.event
    if result.error is not None:
        err = result.error
        return _answer(
            request, got, ok=False, headline=words.reason(err.code, err.details, err.message, {})
        )
    action = event.action if event is not None else ""
    if result.status == "duplicate":
        headline = _("%(code)s was already recorded.") % {"code": shown}
    elif action == "carry_in":
        headline = _("%(code)s is back in.") % {"code": shown}
    else:
        headline = _("%(code)s may leave: carried out.") % {"code": shown}
    return _answer(request, got, ok=True, headline=headline)


def _answer(request: DeskRequest, got: CarryOut | None, *, ok: bool, headline: str) -> HttpResponse:
    context: dict[str, Any] = {"ok": ok, "headline": headline, "rows": [], "keep": ""}
    if got is not None:
        context.update(co=got, **_lines(request, got))
    return render(request, "desk/_carry_out_scan.html", context)


@roles_required(*ROLES)
@require_http_methods(["GET"])
def carry_out_form(request: DeskRequest, carry_out_id: int) -> HttpResponseBase:
    """The approval form (携带外出审批表) as the API's ``/carry-outs/{id}/form.pdf``."""
    try:
        return carry_out_form_pdf(principal=request.principal, carry_out_id=carry_out_id)
    except ServiceError as exc:
        return render(request, "desk/error.html", {"message": exc.message}, status=exc.status)


__all__ = ["carry_out", "carry_out_decision", "carry_out_form", "carry_out_scan", "carry_outs"]
