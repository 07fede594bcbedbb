"""The reports page: the year's secrecy work report (its numbers on the page, the PDF and
the DOCX to download) and the 国家秘密事项一览表 (its first rows, XLSX and PDF).

Every number comes from ``inspection.annual`` (the evidence selector the self-inspection
checklist shares) and every file from ``inspection.report_files``, as the API's
``/reports/annual`` and ``/reports/matters``. Keyboard-only: the year field has the focus,
Enter shows that year, and the downloads are links next in the tab order.
"""

from __future__ import annotations

from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_http_methods

from backend.desk import words
from backend.desk.access import DeskRequest, roles_required
from backend.errors import ServiceError
from backend.inspection import evidence
from backend.inspection.annual import annual_json, annual_report_for
from backend.inspection.matters import HEADINGS, matters_rows
from backend.inspection.report_files import annual_download, matters_download

# The statistics' column headings (inspection.evidence.STATISTICS, in that order).
STATISTICS = {
    "registered": pgettext_lazy("statistic", "Registered"),
    "copied": pgettext_lazy("statistic", "Copied"),
    "checked_out": pgettext_lazy("statistic", "Lent"),
    "returned": pgettext_lazy("statistic", "Returned"),
    "dispatched": pgettext_lazy("statistic", "Dispatched"),
    "received": pgettext_lazy("statistic", "Received"),
    "destroyed": pgettext_lazy("statistic", "Destroyed"),
    "lost": pgettext_lazy("statistic", "Lost"),
    "declassified": pgettext_lazy("statistic", "Declassified"),
}
READERS = ("committee", "approver")  # the annual part is the committee's alone
PREVIEW = 20  # 一览表 rows shown on the page; the files hold them all


def _year(request: DeskRequest) -> int | None:
    text = request.GET.get("year", "").strip()
    return int(text) if text.isdigit() else None


@roles_required(*READERS)
@require_http_methods(["GET"])
def reports_page(request: DeskRequest) -> HttpResponse:
    principal = request.principal
    context: dict[str, object] = {"matters_headings": HEADINGS}
    if principal.has_role("committee"):
        try:
            body = annual_json(annual_report_for(principal=principal, year=_year(request)))
        except ServiceError as exc:
            context["error"] = exc.message
        else:
            context["annual"] = body
            context["levels"] = [
                (words.LEVELS[level], [body["by_level"][level][s] for s in evidence.STATISTICS])
                for level in evidence.LEVELS
            ]
            context["stat_words"] = [STATISTICS[s] for s in evidence.STATISTICS]
    context["matters"], context["matters_total"] = matters_rows(principal=principal, limit=PREVIEW)
    return render(request, "desk/reports.html", context)


@roles_required("committee")
@require_http_methods(["GET"])
def annual_file(request: DeskRequest, fmt: str) -> HttpResponseBase:
    try:
        return annual_download(principal=request.principal, year=_year(request), fmt=fmt)
    except ServiceError as exc:
        return render(request, "desk/error.html", {"message": exc.message}, status=exc.status)


@roles_required(*READERS)
@require_http_methods(["GET"])
def matters_file(request: DeskRequest, fmt: str) -> HttpResponseBase:
    try:
        return matters_download(principal=request.principal, fmt=fmt)
    except ServiceError as exc:
        return render(request, "desk/error.html", {"message": exc.message}, status=exc.status)
