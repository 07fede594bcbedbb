"""``GET /registers/{name}.xlsx|.pdf`` — the registers, streamed from a temporary file."""

from __future__ import annotations

from datetime import date
from typing import IO

from django.http import FileResponse, HttpRequest
from ninja import Field, Query, Router, Schema

from backend.downloads import written_download
from backend.errors import ServiceError
from backend.registers import services, stocktake
from backend.registers.selectors import Filters
from backend.registry.principals import principal_of
from backend.schemas import ERRORS, error_responses

router = Router(tags=["registers"])

_ERRORS = error_responses(401, 403, 404, 422)
_BINARY = {
    "responses": {
        "200": {
            "description": "The register",
            "content": {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {},
                "application/pdf": {},
            },
        }
    }
}
MEDIA = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


class RegisterFilters(Schema):
    start: date | None = Field(default=None, alias="from")
    end: date | None = Field(default=None, alias="to")
    level: str | None = Field(default=None, max_length=32)
    status: str | None = Field(default=None, max_length=32)


@router.get("/registers/{name}.{fmt}", response=_ERRORS, openapi_extra=_BINARY)
def register(
    request: HttpRequest, name: str, fmt: str, filters: Query[RegisterFilters]
) -> FileResponse:
    if fmt not in MEDIA:
        raise ServiceError("unknown_code", f"No register format {fmt!r}.", {"allowed": list(MEDIA)})
    principal = principal_of(request)
    chosen = Filters(
        start=filters.start, end=filters.end, level=filters.level, status=filters.status
    )

    def write(out: IO[bytes]) -> str:
        title = services.register_export(
            principal=principal, name=name, fmt=fmt, filters=chosen, out=out
        )
        return f"{title}.{fmt}"

    return written_download(write, content_type=MEDIA[fmt])


# A stocktake's report is rendered as a register (backend/registers/stocktake.py); the
# endpoint keeps its inventory path and tag.
@router.get("/inventories/{stocktake_id}/report.pdf", response=ERRORS, tags=["inventory"])
def stocktake_report(request: HttpRequest, stocktake_id: int) -> FileResponse:
    return stocktake.stocktake_report_pdf(
        principal=principal_of(request), stocktake_id=stocktake_id
    )
