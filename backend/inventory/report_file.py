"""The stocktake report as a PDF download, for the API and the stocktake page alike."""

from __future__ import annotations

from typing import IO
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import FileResponse
from django.utils import timezone

from backend.downloads import written_download
from backend.inventory import selectors
from backend.registers import render
from backend.registry.principals import Principal


def stocktake_report_pdf(*, principal: Principal, stocktake_id: int) -> FileResponse:
    """Raises ServiceError as ``selectors.stocktake_report`` does; each caller answers it
    in its own way (the API's error shape, the page's error page)."""
    report = selectors.stocktake_report(principal=principal, stocktake_id=stocktake_id)
    generated = timezone.now().astimezone(ZoneInfo(settings.CUSTOS_TIME_ZONE))

    def write(out: IO[bytes]) -> str:
        render.pdf(report, out, generated=generated)
        return f"清查报告-{stocktake_id}.pdf"

    return written_download(write, content_type="application/pdf")
