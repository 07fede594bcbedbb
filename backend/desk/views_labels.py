"""The label room: print and reprint a carrier's label to a configured printer, and bulk
print a selection in the background with its progress on the page.

Every print goes through ``backend.printing.services`` — the same functions as the API —
so a page print is recorded in the ledger (``label_printed``) exactly like an API print,
and a reprint voids the labels before it. The page only parses the form, calls one
service and shows the answer; htmx swaps the answer in and polls a bulk job's progress.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from backend.desk.access import DeskRequest, roles_required
from backend.errors import ServiceError
from backend.printing import selectors as printing_selectors
from backend.printing import services as printing
from backend.printing.models import BulkPrint, BulkStatus

# How often the page asks for a running bulk job's progress (htmx ``every``).
POLL_SECONDS = 1


def _copies(raw: str) -> int:
    raw = (raw or "").strip()
    # A non-number reaches the service as 0, which refuses it in both languages.
    return int(raw) if raw.isdigit() else (1 if not raw else 0)


@roles_required("registrar")
@require_http_methods(["POST"])
def label_print(request: DeskRequest) -> HttpResponse:
    """Print (``mode=print``) or reprint (``mode=reprint``) one carrier's label."""
    post = request.POST
    code = post.get("carrier", "").strip().upper()
    reprint = post.get("mode") == "reprint"
    size = post.get("size", "").strip() or None  # the printer's stock unless chosen
    try:
        if reprint:
            result = printing.label_reprint(
                principal=request.principal,
                code=code,
                printer=post.get("printer", ""),
                copies=_copies(post.get("copies", "")),
                reason=post.get("reason", ""),
                size=size,
            )
        else:
            result = printing.label_print(
                principal=request.principal,
                code=code,
                printer=post.get("printer", ""),
                copies=_copies(post.get("copies", "")),
                size=size,
            )
    except ServiceError as exc:
        return render(
            request,
            "desk/_print_result.html",
            {"ok": False, "headline": f"{code}: {exc.message}", "error": exc.code},
        )
    label = result.label
    if reprint:
        headline = _(
            "%(code)s reprinted on %(printer)s (%(copies)s copies): the new label is %(label)s."
        ) % {"code": code, "printer": label.printer, "copies": label.copies, "label": label.code}
    else:
        headline = _("%(code)s printed on %(printer)s (%(copies)s copies).") % {
            "code": code,
            "printer": label.printer,
            "copies": label.copies,
        }
    return render(
        request,
        "desk/_print_result.html",
        {
            "ok": True,
            "headline": headline,
            "carrier": code,
            "label": label.code,
            "voided": result.voided,
            "size": size or "",
        },
    )


@roles_required("registrar")
@require_http_methods(["POST"])
def bulk_start(request: DeskRequest) -> HttpResponse:
    """Queue a background print of the selected carriers' first labels."""
    post = request.POST
    try:
        job = printing.bulk_print_create(
            principal=request.principal,
            codes=[c for c in post.getlist("code") if c.strip()],
            printer=post.get("printer", ""),
            copies=_copies(post.get("copies", "")),
        )
    except ServiceError as exc:
        return render(
            request,
            "desk/_print_result.html",
            {"ok": False, "headline": exc.message, "error": exc.code},
        )
    return _progress(request, job)


@roles_required("registrar")
@require_http_methods(["GET"])
def bulk_progress(request: DeskRequest, job_id: int) -> HttpResponse:
    try:
        job = printing_selectors.bulk_get(
            principal=request.principal,
            id=job_id,
        )
    except ServiceError as exc:
        return render(
            request,
            "desk/_print_result.html",
            {"ok": False, "headline": exc.message, "error": exc.code},
            status=exc.status,
        )
    return _progress(request, job)


def _progress(request: DeskRequest, job: BulkPrint) -> HttpResponse:
    finished = job.status in (BulkStatus.DONE, BulkStatus.FAILED)
    return render(
        request,
        "desk/_bulk_progress.html",
        {
            "job": job,
            "status": {
                BulkStatus.QUEUED: _("queued"),
                BulkStatus.RUNNING: _("printing"),
                BulkStatus.DONE: _("done"),
                BulkStatus.FAILED: _("stopped"),
            }[BulkStatus(job.status)],
            # The printer failure that stopped a job is shown apart from labels refused
            # one by one (printed already, a draft…).
            "failed": job.failed,
            "finished": finished,
            "poll": POLL_SECONDS,
            "percent": round(100 * job.done / job.total) if job.total else 100,
        },
    )


__all__ = ["bulk_progress", "bulk_start", "label_print"]
