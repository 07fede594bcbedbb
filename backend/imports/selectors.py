"""Reads for the import page: a person's own import jobs and the saved mappings."""

from __future__ import annotations

from django.utils.translation import gettext as _

from backend.errors import ServiceError
from backend.imports.models import ImportJob, ImportMapping
from backend.registry.principals import Principal, require_role


def import_job_get(*, principal: Principal, id: int) -> ImportJob:
    """One of the person's own import jobs (a report names rows of classified titles)."""
    require_role(principal, "registrar")
    job = ImportJob.objects.filter(pk=id, requested_by=principal.person).first()
    if job is None:
        raise ServiceError("not_found", _("There is no such import of yours."))
    return job


def import_jobs_mine(*, principal: Principal, limit: int = 10) -> list[ImportJob]:
    require_role(principal, "registrar")
    return list(ImportJob.objects.filter(requested_by=principal.person).order_by("-id")[:limit])


def mappings() -> list[ImportMapping]:
    return list(ImportMapping.objects.order_by("name"))
