"""Destruction: the approvers' request list, the site page, the certificate (Reg Art. 28).

Every step is a scan through the ledger's ingest (``destroy_request``,
``destroy_approve``, ``destroy_witness``, ``destroy``), so the lifecycle table alone
decides what is allowed; the pages only show who has confirmed and what is missing.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from backend.custody.services import ScanIn, ScanResult, scans_ingest
from backend.desk import certificate, selectors, words
from backend.desk.access import DeskRequest, roles_required
from backend.desk.common import listed
from backend.errors import ServiceError
from backend.printing.selectors import carrier_code_for_label
from backend.registry.models import Carrier, Location, Person
from backend.registry.principals import Principal
from backend.registry.texts import code_error_text
from labels.codes import CodeError, Kind, parse, read_typed


def _scan(
    principal: Principal,
    action: str,
    carrier: str,
    *,
    scan_id: str | None = None,
    counterpart: str | None = None,
    location: str | None = None,
) -> tuple[bool, str]:
    """One scan through the ledger; (recorded?, the answer in plain words)."""
    try:
        [result] = scans_ingest(
            scans=[
                ScanIn(
                    id=uuid.UUID(scan_id or str(uuid.uuid4())),
                    action=action,
                    carrier=carrier,
                    counterpart=counterpart,
                    location=location,
                )
            ],
            principal=principal,
        )
    except (ServiceError, ValueError) as exc:
        return False, getattr(exc, "message", str(exc))
    return _said(result)


def _said(result: ScanResult) -> tuple[bool, str]:
    if result.error is None:
        return True, ""
    err = result.error
    names = {}
    if "person" in err.details:
        names = dict(Person.objects.filter(code=err.details["person"]).values_list("code", "name"))
    return False, words.reason(err.code, err.details, err.message, names)


@roles_required("approver", "committee")
@require_http_methods(["GET", "POST"])
def requests(request: DeskRequest) -> HttpResponse:
    """Approvers: pending requests to approve, approved ones awaiting the site; approving
    and filing a request are both scans (the requester may not approve their own)."""
    principal = request.principal
    banner = None
    if request.method == "POST":
        code = request.POST.get("carrier", "").strip().upper()
        verb = request.POST.get("verb")
        action = {"approve": "destroy_approve", "request": "destroy_request"}.get(verb or "")
        if action is None:
            banner = (False, _("Unknown request."))
        else:
            ok, why = _scan(principal, action, code, location=None)
            banner = (
                ok,
                _("%(action)s recorded for %(code)s.")
                % {"action": words.ACTIONS[action], "code": code}
                if ok
                else f"{code}: {why}",
            )
    carriers = selectors.destruction_requests()
    known = listed(principal, carriers)
    rows: list[dict[str, Any]] = [
        {
            "c": c,
            "title": known[c.id],
            "status": words.word(words.STATUSES, c.status),
            "own": c.destroy_requested_by_id == request.person.id,
            "witnesses": len(c.witnesses or []),
        }
        for c in carriers
    ]
    return render(
        request,
        "desk/destruction.html",
        {
            "pending": [r for r in rows if r["c"].status != "pending_destruction"],
            "approved": [r for r in rows if r["c"].status == "pending_destruction"],
            "banner": banner,
            "may_approve": request.person.has_role("approver"),
        },
    )


@roles_required("clerk")
@require_http_methods(["GET"])
def site(request: DeskRequest) -> HttpResponse:
    places = list(Location.objects.filter(kind="destruction").order_by("name"))
    return render(request, "desk/site.html", {"places": places})


@roles_required("clerk")
@require_http_methods(["GET", "POST"])
def site_panel(request: DeskRequest) -> HttpResponse:
    """The site's state for one carrier; a POST records a witness scan or the destruction.

    ``step`` is ``witness`` (with the witness's ``badge``) or ``destroy``.
    """
    principal = request.principal
    data = request.POST if request.method == "POST" else request.GET
    raw = data.get("carrier", "")
    if not raw.strip():
        return _panel(request, None, None)  # nothing scanned yet: nothing to refuse
    try:
        code = parse(read_typed(raw), kind=Kind.CARRIER).text  # keyed in at the site too
    except CodeError as exc:
        return _panel(
            request, None, (False, words.reason(exc.reason, {}, code_error_text(exc), {}))
        )
    try:
        # A reprint label stands for its carrier; a voided one is refused, as at ingest.
        code = carrier_code_for_label(code)
    except ServiceError as exc:
        return _panel(request, None, (False, words.reason(exc.code, exc.details, exc.message, {})))
    banner = None
    if request.method == "POST":
        step = data.get("step")
        if step == "witness":
            badge = read_typed(data.get("badge", ""))
            ok, why = _scan(
                principal,
                "destroy_witness",
                code,
                counterpart=badge,
                scan_id=data.get("scan_id") or None,
            )
            name = Person.objects.filter(code=badge).values_list("name", flat=True).first()
            banner = (
                ok,
                _("Witness confirmed: %(name)s.") % {"name": name or badge} if ok else why,
            )
        elif step == "destroy":
            ok, why = _scan(
                principal,
                "destroy",
                code,
                scan_id=data.get("scan_id") or None,
                location=data.get("location") or None,
            )
            banner = (ok, _("Destroyed. The certificate is ready.") if ok else why)
    carrier = (
        Carrier.objects.filter(code=code)
        .select_related("destroy_requested_by", "destroy_approved_by", "custodian")
        .prefetch_related("scope")
        .first()
    )
    if carrier is None:
        return _panel(
            request,
            None,
            (
                False,
                _("Unknown code %(code)s: no carrier, person or place has it.") % {"code": code},
            ),
        )
    return _panel(request, carrier, banner)


def _panel(
    request: DeskRequest, carrier: Carrier | None, banner: tuple[bool, str] | None
) -> HttpResponse:
    context: dict = {"carrier": carrier, "banner": banner}
    if carrier is not None:
        events = selectors.destruction_events(carrier)
        approve = next((e for e in events if e.action == "destroy_approve"), None)
        request_event = next((e for e in events if e.action == "destroy_request"), None)
        witnessed = [e for e in events if e.action == "destroy_witness"]
        destroyed = next((e for e in events if e.action == "destroy"), None)
        missing = []
        if request_event is None:
            missing.append(_("a destruction request"))
        if approve is None:
            missing.append(_("an approver's approval"))
        if len(witnessed) < 2:
            missing.append(_("%(n)s more witness badge(s)") % {"n": 2 - len(witnessed)})
        context.update(
            {
                "title": listed(request.principal, [carrier])[carrier.id],
                "status": words.word(words.STATUSES, carrier.status),
                "request_event": request_event,
                "approve": approve,
                "witnessed": witnessed,
                "destroyed": destroyed,
                "missing": missing if destroyed is None else [],
                "ready": destroyed is None
                and not missing
                and carrier.status == "pending_destruction",
            }
        )
    return render(request, "desk/_site_panel.html", context)


@roles_required("clerk", "approver", "committee")
@require_http_methods(["GET"])
def certificate_pdf(request: DeskRequest) -> HttpResponse:
    """The destruction certificate (销毁证明), in Chinese, for one or more destroyed carriers."""
    principal = request.principal
    codes = [c.strip().upper() for c in request.GET.getlist("code") if c.strip()]
    carriers = list(
        Carrier.objects.filter(code__in=codes, status="destroyed").prefetch_related("scope")
    )
    if not carriers:
        return render(
            request,
            "desk/error.html",
            {"message": _("No destroyed carrier with these codes.")},
            status=404,
        )
    known = listed(principal, carriers)
    entries = [
        certificate.Entry(carrier=c, title=known[c.id], events=selectors.destruction_events(c))
        for c in sorted(carriers, key=lambda c: c.code)
    ]
    pdf = certificate.render(entries, issued_by=request.person)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="destruction-certificate.pdf"'
    return response
