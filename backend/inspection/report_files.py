"""The report files as downloads — the one place the API (api_reports) and the desk page
(desk.views_reports) get them from: the annual report as PDF or DOCX, the 一览表 as XLSX
or PDF, each written to a temporary file (backend.downloads) and streamed from it."""

from __future__ import annotations

from typing import IO

from django.http import FileResponse
from django.utils.translation import gettext as _

from backend.downloads import written_download
from backend.errors import ServiceError
from backend.inspection.annual import annual_report_for
from backend.inspection.annual_docx import annual_docx
from backend.inspection.annual_pdf import annual_pdf
from backend.inspection.matters import matters_export, matters_register
from backend.inspection.sections import title
from backend.registry.principals import Principal

MEDIA = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
ANNUAL_FORMATS = ("pdf", "docx")
MATTERS_FORMATS = ("xlsx", "pdf")


def _format(fmt: str, allowed: tuple[str, ...]) -> None:
    if fmt not in allowed:
        raise ServiceError(
            "invalid",
            _("No such format: %(fmt)s.") % {"fmt": fmt},
            {"field": "format", "allowed": list(allowed)},
        )


def annual_download(*, principal: Principal, year: int | None, fmt: str) -> FileResponse:
    _format(fmt, ANNUAL_FORMATS)
    report = annual_report_for(principal=principal, year=year)

    def write(out: IO[bytes]) -> str:
        (annual_pdf if fmt == "pdf" else annual_docx)(report, out)
        return f"{title(report)}.{fmt}"

    return written_download(write, content_type=MEDIA[fmt])


def matters_download(*, principal: Principal, fmt: str) -> FileResponse:
    _format(fmt, MATTERS_FORMATS)
    matters_register(principal=principal)  # refuses before a file is opened

    def write(out: IO[bytes]) -> str:
        return matters_export(principal=principal, fmt=fmt, out=out)

    return written_download(write, content_type=MEDIA[fmt])
