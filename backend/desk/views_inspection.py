"""The self-inspection page (自查自评) for the secrecy committee, keyboard-only: the year's
checklist with its automatic figures and the rows behind them, the manual items answered
with an attachment, the findings recorded and closed, and the link to the annual report
(the reports page's ``/reports/annual.pdf``).

Every change goes through backend.inspection (``checklist``, ``findings``), the services the
API's ``/self-inspections`` and ``/findings`` endpoints call; the score is ``scoring``'s.
"""

from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from backend.desk.access import DeskRequest, roles_required
from backend.errors import ServiceError
from backend.inspection import checklist, findings, scoring
from backend.inspection.evidence import FIGURE_KEYS
from backend.inspection.links import row_href
from backend.inspection.models import Attachment, Comparison
from backend.registry.selectors import person_by_code

ROLES = ("committee",)


def _year(raw: str | None) -> int:
    today = timezone.localdate()
    try:
        year = int(raw or today.year)
    except ValueError:
        return today.year
    return year if 2000 <= year <= today.year else today.year


def _page(request: DeskRequest, year: int, *, error: str = "", status: int = 200) -> HttpResponse:
    filled = scoring.checklist_filled(year=year)
    items: list[dict[str, Any]] = []
    first_open = None
    for f in filled.items if filled is not None else []:
        rows = [(r, row_href(r)) for r in (f.figure.rows if f.figure else ())]
        items.append({"f": f, "rows": rows})
        if first_open is None and f.figure is None and f.answer is None:
            first_open = f.item.id
    return render(
        request,
        "desk/inspection.html",
        {
            "year": year,
            "years": list(range(timezone.localdate().year, timezone.localdate().year - 6, -1)),
            "filled": filled,
            "items": items,
            "first_open": first_open,
            "summary": findings.findings_summary(year),
            "findings": list(findings.finding_list().select_related("closed_by")),
            "error": error,
        },
        status=status,
    )


@roles_required(*ROLES)
@require_http_methods(["GET"])
def self_inspection(request: DeskRequest) -> HttpResponse:
    return _page(request, _year(request.GET.get("year")))


def _attachment(request: DeskRequest) -> Attachment | None:
    upload = request.FILES.get("attachment")
    if upload is None:
        return None
    return checklist.attachment_store(
        person=request.person,
        name=upload.name or "attachment",
        content_type=upload.content_type or "application/octet-stream",
        data=upload.read(checklist.MAX_ATTACHMENT + 1),
    )


def _back(year: int, anchor: str = "") -> HttpResponse:
    url = f"{reverse('desk:self-inspection')}?year={year}"
    return redirect(f"{url}#{anchor}" if anchor else url)


@roles_required(*ROLES)
@require_http_methods(["POST"])
def self_inspection_start(request: DeskRequest) -> HttpResponse:
    year = _year(request.POST.get("year"))
    try:
        checklist.self_inspection_start(principal=request.principal, year=year)
    except ServiceError as exc:
        return _page(request, year, error=exc.message, status=exc.status)
    return _back(year)


@roles_required(*ROLES)
@require_http_methods(["POST"])
def item_answer(request: DeskRequest, year: int, item_id: int) -> HttpResponse:
    try:
        raw_score = request.POST.get("score", "").strip()
        score = Decimal(raw_score) if raw_score else None
    except InvalidOperation:
        return _page(request, year, error=_("A score is a number."), status=422)
    try:
        attachment = _attachment(request)
        checklist.answer_give(
            principal=request.principal,
            year=year,
            item_id=item_id,
            value=request.POST.get("value", ""),
            note=request.POST.get("note", ""),
            score=score,
            attachment=attachment,
        )
    except ServiceError as exc:
        return _page(request, year, error=exc.message, status=exc.status)
    # No #fragment: a page with a target skips autofocus, and the focus must move on to
    # the next unanswered item.
    return _back(year)


@roles_required(*ROLES)
@require_http_methods(["POST"])
def finding_record(request: DeskRequest) -> HttpResponse:
    year = _year(request.POST.get("year"))
    day = parse_date(request.POST.get("deadline", "").strip() or "-")
    if day is None:
        return _page(request, year, error=_("Give the deadline as a date."), status=422)
    # The deadline is the end of that day in the unit's time zone.
    deadline = datetime.combine(day, time(23, 59), tzinfo=ZoneInfo(settings.CUSTOS_TIME_ZONE))
    try:
        findings.finding_record(
            principal=request.principal,
            title=request.POST.get("title", ""),
            responsible=person_by_code(request.POST.get("responsible", ""), "responsible"),
            deadline=deadline,
        )
    except ServiceError as exc:
        return _page(request, year, error=exc.message, status=exc.status)
    return _back(year, "findings")


@roles_required(*ROLES)
@require_http_methods(["POST"])
def finding_close(request: DeskRequest, finding_id: int) -> HttpResponse:
    year = _year(request.POST.get("year"))
    try:
        attachment = _attachment(request)
        findings.finding_close(
            principal=request.principal,
            finding_id=finding_id,
            evidence=request.POST.get("evidence", ""),
            attachment=attachment,
        )
    except ServiceError as exc:
        return _page(request, year, error=exc.message, status=exc.status)
    return _back(year, "findings")


# --- the checklist, edited by the committee -----------------------------------------------


def _checklist_page(request: DeskRequest, *, error: str = "", status: int = 200) -> HttpResponse:
    current = checklist.checklist_current()
    return render(
        request,
        "desk/inspection_checklist.html",
        {
            "items": list(current.items.all()),
            "figures": [
                ("manual", _("Answered on the page")),
                *((key, _(what)) for key, what in FIGURE_KEYS.items()),
            ],
            "comparisons": Comparison.choices,
            "error": error,
        },
        status=status,
    )


def _item_fields(request: DeskRequest) -> dict[str, Any]:
    post = request.POST
    fields: dict[str, Any] = {
        k: post.get(k, "").strip()
        for k in ("heading", "text", "evidence_text", "evidence", "comparison", "of_evidence")
        if k in post
    }
    try:
        if post.get("weight", "").strip():
            fields["weight"] = Decimal(post["weight"].strip())
        if post.get("target", "").strip():
            fields["target"] = int(post["target"].strip())
    except (InvalidOperation, ValueError):
        raise ServiceError("invalid", _("Weight and target are numbers.")) from None
    if "present" in post:  # an edit form: an unticked box means not retired
        fields["retired"] = "retired" in post
    return fields


@roles_required(*ROLES)
@require_http_methods(["GET"])
def checklist_edit(request: DeskRequest) -> HttpResponse:
    return _checklist_page(request)


@roles_required(*ROLES)
@require_http_methods(["POST"])
def checklist_item_add(request: DeskRequest) -> HttpResponse:
    try:
        checklist.item_add(principal=request.principal, **_item_fields(request))
    except ServiceError as exc:
        return _checklist_page(request, error=exc.message, status=exc.status)
    return redirect("desk:checklist")


@roles_required(*ROLES)
@require_http_methods(["POST"])
def checklist_item_edit(request: DeskRequest, item_id: int) -> HttpResponse:
    try:
        checklist.item_edit(principal=request.principal, item_id=item_id, **_item_fields(request))
    except ServiceError as exc:
        return _checklist_page(request, error=exc.message, status=exc.status)
    return redirect("desk:checklist")
