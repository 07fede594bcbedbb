"""Large imports on the worker, with progress: queue one, run it, report where it stands.

The run is ``carriers_import`` itself — every row checked, then all new carriers written
in one transaction or none — so a worker killed halfway (SIGKILL) leaves nothing
half-imported: the transaction dies with it, and running the job again (a redelivered
task; ``acks_late``) imports the file whole. Progress is the count of rows checked,
stored outside the write's transaction so the page sees it move.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from backend.errors import ServiceError
from backend.imports.models import ImportJob, JobStatus
from backend.imports.services import Unreadable, carriers_import
from backend.imports.words import report_lines
from backend.queue import enqueue
from backend.registry.principals import Principal, require_role

log = logging.getLogger(__name__)

TASK = "slow_imports_run"  # backend.queue routes ``slow_*`` to ``slow``
FOLDER = "imports"
SUFFIXES = (".xlsx", ".xlsm", ".csv")


def import_dir() -> Path:
    return Path(settings.VAR_DIR) / FOLDER


@transaction.atomic
def import_start(
    *,
    principal: Principal,
    file_name: str,
    content: bytes,
    dry_run: bool = False,
    location: str = "",
    mapping: str = "",
) -> ImportJob:
    """Keep the uploaded register under the var dir and queue its import."""
    require_role(principal, "registrar")
    assert principal.person is not None  # noqa: S101 - require_role guarantees a person
    suffix = Path(file_name).suffix.lower()
    if suffix not in SUFFIXES:
        raise ServiceError(
            "invalid",
            "只能导入 XLSX 或 CSV 文件 / Only XLSX and CSV files can be imported.",
            {"field": "file"},
        )
    folder = import_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stored = folder / f"{uuid.uuid4().hex}{suffix}"
    stored.write_bytes(content)
    job = ImportJob.objects.create(
        requested_by=principal.person,
        file=f"{FOLDER}/{stored.name}",
        file_name=Path(file_name).name[:300],
        dry_run=dry_run,
        location=location.strip(),
        mapping=mapping.strip(),
    )
    transaction.on_commit(lambda: enqueue(TASK, job.pk))
    return job


def _progress(job_id: int) -> Callable[[str, int], None]:
    def store(phase: str, rows: int) -> None:
        ImportJob.objects.filter(pk=job_id).update(status=phase, done=rows)

    return store


def import_run(*, job_id: int) -> ImportJob:
    """Run the import; safe to run again (a finished job is left alone, a re-run after a
    kill finds nothing half-written and imports the file whole)."""
    job = ImportJob.objects.select_related("requested_by").get(pk=job_id)
    if job.status in (JobStatus.DONE, JobStatus.FAILED):
        return job
    path = Path(settings.VAR_DIR) / job.file
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.CHECKING, done=0)
    try:
        report = carriers_import(
            principal=Principal(person=job.requested_by),
            path=path,
            dry_run=job.dry_run,
            location=job.location or None,
            mapping=job.mapping or None,
            progress=_progress(job.pk),
        )
    except (Unreadable, ServiceError) as exc:
        message = exc.message if isinstance(exc, ServiceError) else str(exc)
        return _finish(job, JobStatus.FAILED, {}, message[:500], path)
    result = {
        "rows": report.rows,
        "new": report.new,
        "present": report.present,
        "bad_rows": report.bad_rows(),
        "written": report.written,
        "sha256": report.sha256,
        "lines": list(report_lines(report, dry_run=job.dry_run))[:2000],
    }
    return _finish(job, JobStatus.DONE, result, "", path, done=report.rows)


def _finish(
    job: ImportJob, status: str, report: dict, error: str, path: Path, done: int | None = None
) -> ImportJob:
    # The register holds classified titles: it leaves the server's disk once read.
    path.unlink(missing_ok=True)
    fields = {"status": status, "report": report, "error": error, "finished_at": timezone.now()}
    if done is not None:
        fields["done"] = done
    ImportJob.objects.filter(pk=job.pk).update(**fields)
    job.refresh_from_db()
    return job
