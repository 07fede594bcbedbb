"""Registration (定密: the registrar proposes, two approvers review and approve) and labels.

Registration goes through ``carrier_register``: with the 定密 procedure in place it
creates a ``draft`` that ``classification_decide`` moves on; labels come from the
printing app's selectors (``labels.render`` underneath), so the pages and the API print
the same label.
"""

from __future__ import annotations

from datetime import date

from django.http import HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from backend.classification.intake import carrier_register
from backend.classification.models import OPEN_STATES, Case
from backend.classification.services import classification_decide
from backend.desk import words
from backend.desk.access import DeskRequest, roles_required
from backend.desk.common import listed
from backend.errors import ServiceError
from backend.printing import printers
from backend.printing.selectors import PRINTABLE, carrier_label, current_codes, labels_sheet
from backend.printing.services import MAX_COPIES
from backend.registry.levels import Form, Level
from backend.registry.marking import Period, marking
from backend.registry.media import MediumKind
from backend.registry.media_services import MediumSpec
from backend.registry.models import Carrier, Location, Person
from backend.registry.principals import Principal
from backend.registry.selectors import carrier_get, carrier_list, person_by_code

LABEL_TYPES = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf"}
# The label stock a carrier can wear, for the label page's size choice ("" = the default).
LABEL_SIZES = {
    "": gettext_lazy("50×30 mm roll (Code 128)"),
    "60x40": gettext_lazy("60×40 mm roll (Code 128)"),
    "20x10": gettext_lazy("20×10 mm: USB drive or disk (DataMatrix)"),
    "30x20": gettext_lazy("30×20 mm tag: key rings and cables (DataMatrix)"),
    "disc40": gettext_lazy("Disc hub ring, 40 mm (DataMatrix)"),
}


def _label_size(raw: str | None) -> str:
    return raw if raw in LABEL_SIZES else ""


def _period(kind: str, value: str) -> Period:
    value = value.strip()
    if kind == "default" or not value:
        return Period()
    if kind in ("years", "months", "days"):
        try:
            return Period(**{kind: int(value)})  # type: ignore[arg-type]  # kind: an int field
        except ValueError:
            raise ServiceError(
                "invalid", _("The period is a whole number."), {"field": "period"}
            ) from None
    if kind == "until":
        try:
            return Period(until=date.fromisoformat(value))
        except ValueError:
            raise ServiceError(
                "invalid", _("The end date is YYYY-MM-DD."), {"field": "period"}
            ) from None
    return Period(condition=value)


def _medium(principal: Principal, post: QueryDict) -> MediumSpec | None:
    """The storage-medium fields of the form; a blank kind means the carrier is no medium."""
    kind = post.get("medium_kind", "").strip()
    if not kind:
        return None
    host = post.get("medium_host", "").strip()
    return MediumSpec(
        kind=kind,
        serial=post.get("medium_serial", ""),
        maker=post.get("medium_maker", ""),
        model=post.get("medium_model", ""),
        capacity=post.get("medium_capacity", ""),
        host=carrier_get(principal=principal, code=host) if host else None,
    )


def _int(value: str) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() else None


@roles_required("registrar")
@require_http_methods(["GET", "POST"])
def register(request: DeskRequest) -> HttpResponse:
    principal = request.principal
    post = request.POST
    created, error = None, None
    if request.method == "POST":
        try:
            scope = [person_by_code(c, "scope") for c in post.get("scope", "").split() if c]
            created = carrier_register(
                principal=principal,
                title=post.get("title", ""),
                form=post.get("form", ""),
                level=post.get("level", ""),
                period=_period(post.get("period_kind", "default"), post.get("period_value", "")),
                basis=post.get("basis", ""),
                custodian=person_by_code(post.get("custodian", ""), "custodian"),
                location=Location.objects.get(code=post.get("location", "")),
                copy_no=_int(post.get("copy_no", "")),
                copies_total=_int(post.get("copies_total", "")),
                scope=scope or None,
                medium=_medium(principal, post),
            )
        except ServiceError as exc:
            error = exc.message
        except Location.DoesNotExist:
            error = _("Choose the location.")
    mine = list(
        Carrier.objects.filter(registered_by=request.person)
        .prefetch_related("scope")
        .order_by("-created_at")[:20]
    )
    known = listed(principal, mine)
    return render(
        request,
        "desk/register.html",
        {
            "created": created,
            "created_printable": created is not None and created.status in PRINTABLE,
            "error": error,
            "post": post,
            "forms": [(v, words.word(words.FORMS, v)) for v in Form.values],
            "levels": [(v, words.word(words.LEVELS, v)) for v in Level.values],
            "medium_kinds": MediumKind.choices,
            "locations": Location.objects.order_by("kind", "name"),
            "mine": [
                {
                    "c": c,
                    "title": known[c.id],
                    "status": words.word(words.STATUSES, c.status),
                    "printable": c.status in PRINTABLE,
                }
                for c in mine
            ],
        },
    )


@roles_required("approver")
@require_http_methods(["GET", "POST"])
def decisions(request: DeskRequest) -> HttpResponse:
    """Approvers: drafts awaiting review (审核) or approval (批准), decided with an opinion."""
    principal = request.principal
    banner, kept = None, {}
    if request.method == "POST":
        code = request.POST.get("carrier", "")
        opinion = request.POST.get("opinion", "")
        try:
            carrier = classification_decide(
                principal=principal,
                code=code,
                decision=request.POST.get("decision", ""),
                opinion=opinion,
            )
            banner = (
                True,
                _("%(code)s: decision recorded; status now %(status)s.")
                % {"code": carrier.code, "status": words.word(words.STATUSES, carrier.status)},
            )
        except ServiceError as exc:
            banner = (False, f"{code}: {exc.message}")
            kept = {code.strip().upper(): opinion}  # a refused decision keeps what was typed
    cases = list(
        Case.objects.filter(state__in=[s.value for s in OPEN_STATES])
        .select_related("carrier", "carrier__custodian", "proposed_by", "reviewed_by")
        .prefetch_related("carrier__scope")
        .order_by("proposed_at")[:200]
    )
    known = listed(principal, [c.carrier for c in cases])
    me = request.person
    scope_names = dict(
        Person.objects.filter(code__in={p for c in cases for p in c.scope}).values_list(
            "code", "name"
        )
    )
    return render(
        request,
        "desk/decisions.html",
        {
            "banner": banner,
            "cases": [
                {
                    "case": c,
                    "title": known[c.carrier_id],
                    "level": words.word(words.LEVELS, c.level),
                    "state": words.word(words.CASE_STATES, c.state),
                    "marking": marking(c.level, c.period),
                    "scope": [f"{scope_names.get(p, p)} {p}" for p in c.scope],
                    # The page offers only the step this approver may take; the service
                    # decides again (two different people, neither the proposer).
                    "step": None
                    if me.id in (c.proposed_by_id, c.reviewed_by_id)
                    else ("review" if c.state == "proposed" else "approve"),
                    "opinion": kept.get(c.carrier.code, ""),
                }
                for c in cases
            ],
        },
    )


@roles_required("registrar")
@require_http_methods(["GET"])
def labels_page(request: DeskRequest) -> HttpResponse:
    principal = request.principal
    q = request.GET.get("q", "").strip()
    try:
        carriers, count = carrier_list(principal=principal, q=q or None, limit=100)
    except ServiceError:
        carriers, count = [], 0
    known = listed(principal, carriers)
    label_codes = current_codes(carriers)  # one query: the reprint codes now current
    return render(
        request,
        "desk/labels.html",
        {
            "q": q,
            "size": _label_size(request.GET.get("size")),
            "sizes": LABEL_SIZES,
            "count": count,
            "rows": [
                {
                    "c": c,
                    "title": known[c.id],
                    "status": words.word(words.STATUSES, c.status),
                    "label": label_codes[c.id],
                    # A destroyed, lost or undecided carrier gets no label to print.
                    "printable": c.status in PRINTABLE,
                }
                for c in carriers
            ],
            "starts": range(24),
            "printers": sorted(printers.configured()),
            "max_copies": MAX_COPIES,
        },
    )


@roles_required("registrar")
@require_http_methods(["GET"])
def label_file(request: DeskRequest, code: str, fmt: str) -> HttpResponse:
    """The carrier's current label as PNG, SVG or PDF (printing from the browser)."""
    if fmt not in LABEL_TYPES:
        return HttpResponse(status=404)
    try:
        body = carrier_label(
            principal=request.principal,
            code=code,
            fmt=fmt,
            dpi=_int(request.GET.get("dpi", "")) or 300,
            size=_label_size(request.GET.get("size")) or None,
        )
    except ServiceError as exc:
        return render(request, "desk/error.html", {"message": exc.message}, status=exc.status)
    return HttpResponse(body, content_type=LABEL_TYPES[fmt])


@roles_required("registrar")
@require_http_methods(["POST"])
def sheet_pdf(request: DeskRequest) -> HttpResponse:
    """An A4 sheet of the selected carriers' labels, starting at a partly used sheet's
    first free cell."""
    try:
        body = labels_sheet(
            principal=request.principal,
            codes=request.POST.getlist("code"),
            layout=request.POST.get("layout", "a4-3x8"),
            start=_int(request.POST.get("start", "")) or 0,
        )
    except ServiceError as exc:
        return render(request, "desk/error.html", {"message": exc.message}, status=exc.status)
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="labels.pdf"'
    return response


__all__ = ["decisions", "label_file", "labels_page", "register", "sheet_pdf"]
