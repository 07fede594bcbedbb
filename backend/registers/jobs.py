"""Register exports in the background, for the pages: queue one, run it, report progress.

The run reads and renders exactly as ``GET /registers/{name}.{fmt}`` does — the same
``register_open`` (roles, filters, need-to-know cell by cell, as the person who asked) and
the same streaming writers — and only wraps the stream of rows to count them, so memory
stays as flat as the API's. The file goes under the var dir; the page polls the row.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from backend.errors import ServiceError
from backend.queue import enqueue
from backend.registers import render
from backend.registers.models import FORMATS, ExportStatus, RegisterExport
from backend.registers.selectors import Filters, check_filters, register_open
from backend.registry.principals import Principal

log = logging.getLogger(__name__)

# Progress is written every this many rows: 200 small UPDATEs for 100,000 carriers.
PROGRESS_ROWS = 500
TASK = "slow_registers_export"  # backend.queue routes ``slow_*`` to ``slow``
FOLDER = "exports"


def export_dir() -> Path:
    return Path(settings.VAR_DIR) / FOLDER


def filters_from(raw: dict[str, str]) -> Filters:
    """The stored filters (strings, as the form and the API take them) as ``Filters``."""
    try:
        start = date.fromisoformat(raw["from"]) if raw.get("from") else None
        end = date.fromisoformat(raw["to"]) if raw.get("to") else None
    except ValueError as exc:
        raise ServiceError(
            "invalid", "日期格式应为 年-月-日 / Dates are written YYYY-MM-DD.", {"field": "from"}
        ) from exc
    return Filters(
        start=start, end=end, level=raw.get("level") or None, status=raw.get("status") or None
    )


@transaction.atomic
def register_export_start(
    *, principal: Principal, name: str, fmt: str, filters: dict[str, str]
) -> RegisterExport:
    """Queue an export of register ``name`` as ``fmt``; refused now, not later, when the
    person may not read registers or a filter is wrong (the API's own checks)."""
    if fmt not in FORMATS:
        raise ServiceError(
            "invalid",
            f"格式只能是 XLSX 或 PDF / The format is xlsx or pdf, not {fmt!r}.",
            {"field": "fmt"},
        )
    parsed = filters_from(filters)
    check_filters(principal=principal, name=name, filters=parsed)
    assert principal.person is not None  # noqa: S101 - check_filters refuses a device
    job = RegisterExport.objects.create(
        requested_by=principal.person,
        name=name,
        fmt=fmt,
        filters={k: v for k, v in filters.items() if v and k in ("from", "to", "level", "status")},
    )
    # If the broker is down the row stays ``queued``; running the task for it later (or
    # again) does the whole export, so nothing is lost but time.
    transaction.on_commit(lambda: enqueue(TASK, job.pk))
    return job


def register_export_run(*, job_id: int) -> RegisterExport:
    """Write the export's file; safe to run twice (a redelivered task writes it afresh).

    1. A finished job is left alone. Otherwise open the register as the person who asked
       (their roles and need-to-know as they are now) and count its rows: ``total``.
    2. Stream the rows into the writer through a counter that stores ``done`` every
       ``PROGRESS_ROWS`` rows. Not inside one transaction, unlike the API's export: the
       page must see ``done`` move while the file is written, and the keyset reading
       already reads each row once however long the export takes.
    3. Write to a temporary name and rename, so a file the page offers is always whole;
       mark the job done (``total`` = the rows written) or failed with plain words.
    """
    job = RegisterExport.objects.select_related("requested_by").get(pk=job_id)
    if job.status == ExportStatus.DONE:
        return job
    folder = export_dir()
    part = folder / f"{job.pk}.{uuid.uuid4().hex}.part"
    try:
        principal = Principal(person=job.requested_by)
        register = register_open(
            principal=principal, name=job.name, filters=filters_from(job.filters)
        )
        total = register.extra["count"]()
        RegisterExport.objects.filter(pk=job.pk).update(
            status=ExportStatus.RUNNING,
            started_at=timezone.now(),
            total=total,
            done=0,
            error_code="",
            error="",
        )
        folder.mkdir(parents=True, exist_ok=True)
        counter = _Counter(job.pk)
        register.rows = counter.wrap(register.rows)
        writer = render.xlsx if job.fmt == "xlsx" else render.signed_pdf
        generated = timezone.now().astimezone(ZoneInfo(settings.CUSTOS_TIME_ZONE))
        with part.open("wb") as out:
            writer(register, out, generated=generated)
        final = folder / f"{job.pk}.{job.fmt}"
        part.replace(final)
    except ServiceError as exc:
        return _fail(job, exc.code, exc.message, part)
    except Exception:
        log.exception("register export %s failed", job_id)
        return _fail(
            job,
            "export_failed",
            "导出中断，未生成文件，请重新导出。/ The export stopped before the file was "
            "complete; nothing was saved. Start it again.",
            part,
        )
    RegisterExport.objects.filter(pk=job.pk).update(
        status=ExportStatus.DONE,
        done=counter.rows,
        total=counter.rows,
        title=register.title,
        file=f"{FOLDER}/{final.name}",
        size=final.stat().st_size,
        finished_at=timezone.now(),
    )
    job.refresh_from_db()
    return job


def register_exports_prune(*, now: datetime | None = None) -> int:
    """Delete the export files older than ``CUSTOS_EXPORT_KEEP_HOURS``; returns how many.

    An export is a copy of a register — classified content — sitting on the server's
    disk; it is kept only long enough to be downloaded, then the page answers "start the
    export again". Stray ``.part`` files (a worker killed mid-export) go the same way.
    """
    cutoff = (now or timezone.now()) - timedelta(hours=settings.CUSTOS_EXPORT_KEEP_HOURS)
    folder = export_dir()
    if not folder.is_dir():
        return 0
    removed = 0
    for path in folder.iterdir():
        mtime = datetime.fromtimestamp(path.stat().st_mtime, tz=cutoff.tzinfo)
        if path.is_file() and mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


class _Counter:
    """Counts the rows handed to the writer and stores the count now and then; holds no row."""

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        self.rows = 0

    def wrap(self, rows: Iterator[tuple[str, ...]]) -> Iterator[tuple[str, ...]]:
        for row in rows:
            yield row
            self.rows += 1
            if self.rows % PROGRESS_ROWS == 0:
                RegisterExport.objects.filter(pk=self.job_id).update(done=self.rows)
        # Every row is in the writer; what remains is closing the file (the XLSX zip).
        RegisterExport.objects.filter(pk=self.job_id).update(done=self.rows)


def _fail(job: RegisterExport, code: str, message: str, part: Path) -> RegisterExport:
    if part.exists():
        os.remove(part)
    RegisterExport.objects.filter(pk=job.pk).update(
        status=ExportStatus.FAILED,
        error_code=code[:40],
        error=message[:500],
        finished_at=timezone.now(),
    )
    job.refresh_from_db()
    return job
