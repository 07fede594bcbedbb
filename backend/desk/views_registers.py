"""The registers page: choose a register, its filters and a format, export it in the
background, watch the rows being written, download the file.

Exports run on the worker's ``slow`` queue (backend.registers.jobs) as the same reads and
writers as ``GET /registers/{name}.xlsx|.pdf``, as the person who asked; the page polls
the job with htmx, as the label room does for a bulk print. Who may open the page is who
may read registers through the API (backend.registry.policy ``READER_ROLES``); the
service checks it again, with the filters, before anything is queued.
"""

from __future__ import annotations

from django.http import FileResponse, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_htmx.http import trigger_client_event

from backend.desk import words
from backend.desk.access import DeskRequest, roles_required
from backend.errors import ServiceError
from backend.registers import job_selectors, jobs
from backend.registers.models import ExportStatus, RegisterExport
from backend.registers.selectors import NAMES, TITLES
from backend.registry.levels import Level
from backend.registry.models import Status
from backend.registry.policy import READER_ROLES
from backend.registry.principals import Principal

# How often the page asks for a running export's progress (htmx ``every``).
POLL_SECONDS = 1
# The htmx event on which the page reloads its "My exports" list.
EXPORTS_CHANGED = "exports-changed"
_UNFINISHED = (ExportStatus.QUEUED, ExportStatus.RUNNING)


@roles_required(*READER_ROLES)
@require_http_methods(["GET"])
def registers_page(request: DeskRequest) -> HttpResponse:
    principal = request.principal
    current, earlier = _mine(principal)
    return render(
        request,
        "desk/registers.html",
        {
            "registers": [
                {"value": n, "label": words.REGISTERS[n], "zh": TITLES[n]} for n in NAMES
            ],
            "levels": [(v, words.LEVELS[v]) for v in Level.values],
            "statuses": [(v, words.STATUSES[v]) for v in Status.values],
            # An export still running is watched in the progress panel, as just after
            # it was started (a reload resumes watching it); the list holds the rest.
            "current": {**_view(current), "poll": POLL_SECONDS} if current else None,
            "mine": earlier,
        },
    )


@roles_required(*READER_ROLES)
@require_http_methods(["GET"])
def exports_mine(request: DeskRequest) -> HttpResponse:
    """The "My exports" list alone: the page reloads it when an export starts or ends,
    so an earlier export's download link stays in reach while the next one runs."""
    principal = request.principal
    return render(request, "desk/_exports_mine.html", {"mine": _mine(principal)[1]})


@roles_required(*READER_ROLES)
@require_http_methods(["POST"])
def export_start(request: DeskRequest) -> HttpResponse:
    post = request.POST
    try:
        job = jobs.register_export_start(
            principal=request.principal,
            name=post.get("register", ""),
            fmt=post.get("fmt", ""),
            filters={k: post.get(k, "").strip() for k in ("from", "to", "level", "status")},
        )
    except ServiceError as exc:
        return _refused(request, exc)
    return trigger_client_event(_progress(request, job), EXPORTS_CHANGED)


@roles_required(*READER_ROLES)
@require_http_methods(["GET"])
def export_progress(request: DeskRequest, job_id: int) -> HttpResponse:
    try:
        job = job_selectors.register_export_get(
            principal=request.principal,
            id=job_id,
        )
    except ServiceError as exc:
        return _refused(request, exc)
    answer = _progress(request, job)
    # The last poll (the page stops asking once the export has ended) refreshes the list.
    finished = job.status not in _UNFINISHED
    return trigger_client_event(answer, EXPORTS_CHANGED) if finished else answer


@roles_required(*READER_ROLES)
@require_http_methods(["GET"])
def export_download(request: DeskRequest, job_id: int) -> HttpResponseBase:
    try:
        job, path = job_selectors.register_export_file(
            principal=request.principal,
            id=job_id,
        )
    except ServiceError as exc:
        return render(request, "desk/error.html", {"message": exc.message}, status=exc.status)
    return FileResponse(
        path.open("rb"),
        content_type=job_selectors.MEDIA[job.fmt],
        as_attachment=True,
        filename=f"{job.title}.{job.fmt}",
    )


def _refused(request: DeskRequest, exc: ServiceError) -> HttpResponse:
    # 200, not the error status: htmx swaps only successful answers into the page, and
    # the person must read why (the status stays on the element for scripts and tests).
    return render(
        request,
        "desk/_export_progress.html",
        {"refused": exc.message, "error": exc.code, "http_status": exc.status},
    )


def _mine(principal: Principal) -> tuple[RegisterExport | None, list[dict[str, object]]]:
    """The newest export still queued or running (the progress panel shows it) and the
    list of the others, newest first — so the list never shows a stale copy of the
    export whose rows are being counted above it."""
    exports = job_selectors.register_exports_mine(principal=principal)
    current = next((e for e in exports if e.status in _UNFINISHED), None)
    return current, [_view(e) for e in exports if e is not current]


def _view(job: RegisterExport) -> dict[str, object]:
    total = max(job.total or 0, job.done)
    return {
        "job": job,
        "label": words.REGISTERS.get(job.name, job.name),
        "status": {
            ExportStatus.QUEUED: _("waiting for the worker"),
            ExportStatus.RUNNING: _("writing"),
            ExportStatus.DONE: _("done"),
            ExportStatus.FAILED: _("stopped"),
        }[ExportStatus(job.status)],
        "total": total,
        "percent": round(100 * job.done / total) if total else 0,
        "finished": job.status in (ExportStatus.DONE, ExportStatus.FAILED),
        # Every row written but the file not closed yet (XLSX zips its sheet at the end).
        "closing": job.status == ExportStatus.RUNNING and total and job.done >= total,
        "filters": _filters_text(job.filters),
    }


def _filters_text(filters: dict[str, str]) -> str:
    parts = []
    if filters.get("from") or filters.get("to"):
        parts.append(f"{filters.get('from') or '…'} – {filters.get('to') or '…'}")
    if filters.get("level"):
        parts.append(words.word(words.LEVELS, filters["level"]))
    if filters.get("status"):
        parts.append(words.word(words.STATUSES, filters["status"]))
    return " · ".join(parts) or _("all entries")


def _progress(request: DeskRequest, job: RegisterExport) -> HttpResponse:
    return render(request, "desk/_export_progress.html", {**_view(job), "poll": POLL_SECONDS})


__all__ = ["export_download", "export_progress", "export_start", "exports_mine", "registers_page"]
