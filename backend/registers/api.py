"""``GET /registers/{name}.xlsx|.pdf`` — the registers, streamed from a temporary file."""

from __future__ import annotations

from datetime import date
from typing import IO
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import FileResponse, HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from backend.downloads import written_download
from backend.errors import ServiceError
from backend.registers import batches, carryouts, meetings, render, services, stocktake
from backend.registers.models import DestructionBatch
from backend.registers.selectors import Filters
from backend.registry.principals import principal_of
from backend.registry.selectors import location_by_code
from backend.schemas import ERRORS, Code, Text, error_responses

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


# A carry-out's approval form (携带外出审批表) is rendered as a register too
# (backend/registers/carryouts.py); the endpoint keeps the carry-outs' path and tag.
@router.get("/carry-outs/{carry_out_id}/form.pdf", response=ERRORS, tags=["carry-outs"])
def carry_out_form(request: HttpRequest, carry_out_id: int) -> FileResponse:
    return carryouts.carry_out_form_pdf(principal=principal_of(request), carry_out_id=carry_out_id)


# A meeting's record is rendered as a register too (backend/registers/meetings.py).
@router.get("/meetings/{meeting_id}/record.pdf", response=ERRORS, tags=["meetings"])
def meeting_record(request: HttpRequest, meeting_id: int) -> FileResponse:
    return meetings.meeting_record_pdf(principal=principal_of(request), meeting_id=meeting_id)


# --- scrapping media in batches (backend/registers/batches.py) -------------------------


class BatchIn(Schema):
    body: Text = Field(min_length=1, max_length=200, description="The destruction body.")
    location: Code = Field(max_length=64, description="The to-destroy holding place.")


class BatchCarriersIn(Schema):
    carriers: list[Code] = Field(min_length=1, max_length=1000)


class BatchCloseIn(Schema):
    receipt: Text = Field(min_length=1, max_length=200, description="The body's receipt.")
    witnesses: list[Code] = Field(max_length=20, description="The witnesses' badge codes.")


class BatchOut(Schema):
    id: int
    body: str
    location: str
    carriers: list[str]
    status: str
    receipt: str
    witnesses: list[str]


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.CUSTOS_TIME_ZONE)


def batch_out(batch: DestructionBatch) -> dict[str, object]:
    return {
        "id": batch.pk,
        "body": batch.body,
        "location": batch.location.code,
        "carriers": sorted(batch.carriers.values_list("code", flat=True)),
        "status": "closed" if batch.closed_at else "open",
        "receipt": batch.receipt,
        "witnesses": batch.witnesses,
    }


@router.post("/destruction-batches", response={201: BatchOut, **ERRORS}, tags=["destruction"])
def open_batch(request: HttpRequest, body: BatchIn) -> Status[dict[str, object]]:
    batch = batches.batch_open(
        principal=principal_of(request), body=body.body, location=location_by_code(body.location)
    )
    return Status(201, batch_out(batch))


@router.post(
    "/destruction-batches/{batch_id}/carriers",
    response={200: BatchOut, **ERRORS},
    tags=["destruction"],
)
def add_to_batch(request: HttpRequest, batch_id: int, body: BatchCarriersIn) -> dict[str, object]:
    batch = batches.batch_add(
        principal=principal_of(request), batch_id=batch_id, codes=list(body.carriers)
    )
    return batch_out(batch)


@router.post(
    "/destruction-batches/{batch_id}/close",
    response={200: BatchOut, **ERRORS},
    tags=["destruction"],
)
def close_batch(request: HttpRequest, batch_id: int, body: BatchCloseIn) -> dict[str, object]:
    batch = batches.batch_close(
        principal=principal_of(request),
        batch_id=batch_id,
        receipt=body.receipt,
        witnesses=list(body.witnesses),
    )
    return batch_out(batch)


@router.get(
    "/destruction-batches/{batch_id}/manifest.{fmt}",
    response=_ERRORS,
    openapi_extra=_BINARY,
    tags=["destruction"],
)
def batch_manifest(request: HttpRequest, batch_id: int, fmt: str) -> FileResponse:
    if fmt not in MEDIA:
        raise ServiceError("unknown_code", f"No manifest format {fmt!r}.", {"allowed": list(MEDIA)})
    manifest = batches.batch_manifest(principal=principal_of(request), batch_id=batch_id)
    writer = render.xlsx if fmt == "xlsx" else render.signed_pdf

    def write(out: IO[bytes]) -> str:
        writer(manifest, out, generated=timezone.now().astimezone(_zone()))
        return f"{manifest.title}.{fmt}"

    return written_download(write, content_type=MEDIA[fmt])
