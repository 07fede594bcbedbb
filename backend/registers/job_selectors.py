"""Reads of background register exports: only the person who asked sees or downloads one."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from backend.errors import ServiceError
from backend.registers.models import ExportStatus, RegisterExport
from backend.registry.principals import Principal

MEDIA = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def register_export_get(*, principal: Principal, id: int) -> RegisterExport:
    """The export ``id``, for the person who started it and no one else.

    Its file holds the cells *their* need-to-know let through, which another reader — the
    committee included — did not ask for and may not be entitled to; so an export is
    private to its requester, like a print-out on their own desk.
    """
    job = RegisterExport.objects.filter(pk=id).first()
    if job is None:
        raise ServiceError("not_found", f"没有此导出任务 / There is no export {id}.", {"id": id})
    if principal.person is None or job.requested_by_id != principal.person.id:
        raise ServiceError(
            "forbidden",
            "此导出由他人发起，只有发起人可以查看和下载。/ Someone else started this export; "
            "only they can see or download it.",
            {"reason": "not_requester", "id": id},
        )
    return job


def register_export_file(*, principal: Principal, id: int) -> tuple[RegisterExport, Path]:
    """The finished file of export ``id`` (its requester only)."""
    job = register_export_get(principal=principal, id=id)
    if job.status != ExportStatus.DONE:
        raise ServiceError(
            "invalid_transition",
            "导出尚未完成 / The export is not finished yet.",
            {"status": job.status},
        )
    path = Path(settings.VAR_DIR) / job.file
    if not path.is_file():
        raise ServiceError(
            "not_found",
            "导出文件已不存在，请重新导出。/ The exported file is gone; start the export again.",
            {"id": id},
        )
    return job, path


def register_exports_mine(*, principal: Principal, limit: int = 10) -> list[RegisterExport]:
    """The person's latest exports, newest first (the page lists them to download again)."""
    if principal.person is None:
        return []
    return list(
        RegisterExport.objects.filter(requested_by=principal.person).order_by("-created_at", "-id")[
            :limit
        ]
    )
