"""The import page: upload a register, choose its layout (Custos' own export or a saved
mapping), watch the worker check and write it, read the report by row number.

The run is backend.imports.jobs on the worker's ``slow`` queue; the page polls the job
with htmx, as the registers page does for an export. A mapping for a foreign layout is
saved here (the heading of each field) and offered for the next file.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from backend.desk.access import DeskRequest, roles_required
from backend.errors import ServiceError
from backend.imports import jobs, selectors
from backend.imports.layout import FIELDS, STANDARD
from backend.imports.models import ImportJob, JobStatus
from backend.imports.services import mapping_save

POLL_SECONDS = 1
MAX_UPLOAD = 200 * 1024 * 1024  # a 100,000-row register is about 6 MB as XLSX
FIELD_WORDS = {
    "code": gettext_lazy("Code"),
    "title": gettext_lazy("Title"),
    "form": gettext_lazy("Form"),
    "issued_on": gettext_lazy("Date of issue"),
    "level": gettext_lazy("Level"),
    "period": gettext_lazy("Secrecy period"),
    "marking": gettext_lazy("Marking"),
    "basis": gettext_lazy("Basis"),
    "scope": gettext_lazy("Scope"),
    "copies": gettext_lazy("Copies"),
    "status": gettext_lazy("Status"),
    "custodian": gettext_lazy("Custodian"),
    "location": gettext_lazy("Location"),
}


@roles_required("registrar")
@require_http_methods(["GET"])
def imports_page(request: DeskRequest) -> HttpResponse:
    principal = request.principal
    return render(
        request,
        "desk/imports.html",
        {
            "mappings": selectors.mappings(),
            "fields": [(f, FIELD_WORDS[f], STANDARD.get(f, "")) for f in FIELDS],
            "mine": [_view(j) for j in selectors.import_jobs_mine(principal=principal)],
            "saved": request.GET.get("saved", ""),
        },
    )


@roles_required("registrar")
@require_http_methods(["POST"])
def import_start(request: DeskRequest) -> HttpResponse:
    upload = request.FILES.get("file")
    try:
        if upload is None or (upload.size or 0) > MAX_UPLOAD:
            raise ServiceError(
                "invalid", _("Choose an XLSX or CSV file of at most 200 MB."), {"field": "file"}
            )
        job = jobs.import_start(
            principal=request.principal,
            file_name=upload.name or "register",
            content=upload.read(),
            dry_run=request.POST.get("dry_run") == "1",
            location=request.POST.get("location", ""),
            mapping=request.POST.get("mapping", ""),
        )
    except ServiceError as exc:
        return render(
            request, "desk/_import_progress.html", {"refused": exc.message, "error": exc.code}
        )
    return _progress(request, job)


@roles_required("registrar")
@require_http_methods(["GET"])
def import_progress(request: DeskRequest, job_id: int) -> HttpResponse:
    try:
        job = selectors.import_job_get(
            principal=request.principal,
            id=job_id,
        )
    except ServiceError as exc:
        return render(
            request, "desk/_import_progress.html", {"refused": exc.message, "error": exc.code}
        )
    return _progress(request, job)


@roles_required("registrar")
@require_http_methods(["POST"])
def mapping_create(request: DeskRequest) -> HttpResponse:
    columns = {f: request.POST.get(f"col_{f}", "").strip() for f in FIELDS}
    try:
        mapping = mapping_save(
            principal=request.principal,
            name=request.POST.get("name", ""),
            columns={k: v for k, v in columns.items() if v},
        )
    except ServiceError as exc:
        return render(request, "desk/error.html", {"message": exc.message}, status=exc.status)
    return redirect(f"{reverse('desk:imports')}?{urlencode({'saved': mapping.name})}")


def _view(job: ImportJob) -> dict[str, object]:
    return {
        "job": job,
        "status": {
            JobStatus.QUEUED: _("waiting for the worker"),
            JobStatus.CHECKING: _("checking rows"),
            JobStatus.WRITING: _("writing"),
            JobStatus.DONE: _("done"),
            JobStatus.FAILED: _("stopped"),
        }[JobStatus(job.status)],
        "finished": job.status in (JobStatus.DONE, JobStatus.FAILED),
        "ok": job.status == JobStatus.DONE and not job.report.get("bad_rows"),
    }


def _progress(request: HttpRequest, job: ImportJob) -> HttpResponse:
    return render(request, "desk/_import_progress.html", {**_view(job), "poll": POLL_SECONDS})


__all__ = ["import_progress", "import_start", "imports_page", "mapping_create"]
