"""``GET /registers/{name}.xlsx|.pdf`` — the registers, streamed from a temporary file."""

from __future__ import annotations

import tempfile
from datetime import date
from typing import Any

from django.http import FileResponse, HttpRequest
from ninja import Field, Query, Router, Schema

from backend.api.auth import principal_of
from backend.api.errors import ErrorOut
from backend.errors import ServiceError
from backend.registers import services
from backend.registers.selectors import Filters

router = Router(tags=["registers"])

_ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
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
    # On disk, not in memory: a 100,000-row register is tens of megabytes.
    out = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes (and so deletes) it
    try:
        title = services.register_export(
            principal=principal_of(request),
            name=name,
            fmt=fmt,
            filters=Filters(
                start=filters.start, end=filters.end, level=filters.level, status=filters.status
            ),
            out=out,
        )
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return FileResponse(out, content_type=MEDIA[fmt], as_attachment=True, filename=f"{title}.{fmt}")
