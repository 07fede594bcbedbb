"""Labels, badges, plates, sheets and printing over HTTP (CONTRACT.md).

Renders answer the bytes with the format's media type; nothing rendered is cached by the
browser or a proxy (``no-store``), since a label may carry a title only its caller may
know. Rendering is not printing: only the ``…/print`` and ``…/reprint`` endpoints record a
``label_printed`` event.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

import labels
from backend.errors import ServiceError
from backend.printing import selectors, services
from backend.printing.models import BadgePrint, BulkPrint
from backend.registry.principals import principal_of
from backend.schemas import ERRORS, Code, Text, error_responses

router = Router(tags=["labels"])

_PRINT_ERRORS = {**ERRORS, **error_responses(503)}
_BINARY = {
    "responses": {
        "200": {
            "description": "The rendered label",
            "content": {
                media: {"schema": {"type": "string", "format": "binary"}}
                for media in labels.MEDIA_TYPES.values()
            },
        }
    }
}


_SIZES_HELP = (
    "Label stock. Code 128 rolls: 50x30 (the carrier default), 60x40; badge card 85.6x54;"
    " plate 100x50. Small DataMatrix labels for carriers: 20x10 (a USB drive or disk: the"
    " symbol, the code and the marking in at most 20×10 mm), 30x20 (a tag for key rings and"
    " cables), disc40 (a disc-hub ring label, 40 mm across with a 15 mm hole)."
)


class RenderQuery(Schema):
    dpi: int = Field(default=300, description="203, 300 or 600: the printer's own dpi.")
    size: Text | None = Field(
        default=None,
        max_length=16,
        description=_SIZES_HELP,
        examples=["50x30", "20x10", "30x20", "disc40"],
    )


class CarrierRenderQuery(RenderQuery):
    matrix: bool = Field(
        default=False,
        description="Also print a DataMatrix beside the Code 128 of a roll label, for desks"
        " with a 2D imager; it survives a printer driver's resampling where the bars may not.",
    )


def _fmt(fmt: str) -> str:
    if fmt not in labels.MEDIA_TYPES:
        raise ServiceError(
            "invalid",
            f"未知格式 / Unknown format {fmt!r}; use one of {', '.join(labels.FORMATS)}.",
            {"field": "format", "allowed": list(labels.FORMATS)},
        )
    return fmt


def _bytes(body: bytes, fmt: str, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type=labels.MEDIA_TYPES[fmt])
    response["Cache-Control"] = "no-store"
    response["Content-Disposition"] = f'inline; filename="{name}.{fmt}"'
    response["X-Content-Type-Options"] = "nosniff"  # an SVG is not a page to run
    return response


@router.get("/carriers/{code}/label.{fmt}", response=ERRORS, openapi_extra=_BINARY)
def carrier_label(
    request: HttpRequest, code: str, fmt: str, query: Query[CarrierRenderQuery]
) -> HttpResponse:
    body = selectors.carrier_label(
        principal=principal_of(request),
        code=code,
        fmt=_fmt(fmt),
        dpi=query.dpi,
        size=query.size,
        matrix=query.matrix,
    )
    return _bytes(body, fmt, code.strip().upper())


@router.get("/people/{code}/badge.{fmt}", response=ERRORS, openapi_extra=_BINARY)
def person_badge(
    request: HttpRequest, code: str, fmt: str, query: Query[RenderQuery]
) -> HttpResponse:
    body = selectors.person_badge(
        principal=principal_of(request), code=code, fmt=_fmt(fmt), dpi=query.dpi, size=query.size
    )
    return _bytes(body, fmt, code.strip().upper())


@router.get("/locations/{code}/plate.{fmt}", response=ERRORS, openapi_extra=_BINARY)
def location_plate(
    request: HttpRequest, code: str, fmt: str, query: Query[RenderQuery]
) -> HttpResponse:
    body = selectors.location_plate(
        principal=principal_of(request), code=code, fmt=_fmt(fmt), dpi=query.dpi, size=query.size
    )
    return _bytes(body, fmt, code.strip().upper())


class SheetIn(Schema):
    codes: list[Code] = Field(min_length=1, max_length=selectors.MAX_SHEET)
    layout: Text = Field(
        default="a4-3x8",
        max_length=16,
        description="a4-3x8, a4-2x7, a4-2x5 (badges); small DataMatrix labels: a4-20x10"
        " (192 a page), a4-30x20 (78), a4-disc40 (24 disc-hub rings).",
    )
    start: int = Field(default=0, ge=0, le=1000)
    crop_marks: bool = False
    matrix: bool = Field(default=False, description="A DataMatrix beside each Code 128.")


@router.post(
    "/labels/sheet",
    response=ERRORS,
    openapi_extra={
        "responses": {
            "200": {
                "description": "A4 PDF",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def labels_sheet(request: HttpRequest, body: SheetIn) -> HttpResponse:
    pdf = selectors.labels_sheet(
        principal=principal_of(request),
        codes=list(body.codes),
        layout=body.layout,
        start=body.start,
        crop_marks=body.crop_marks,
        matrix=body.matrix,
    )
    return _bytes(pdf, "pdf", "labels")


# --- printing -------------------------------------------------------------------------


class PrintIn(Schema):
    printer: Text = Field(min_length=1, max_length=100)
    copies: int = Field(default=1, ge=1, le=services.MAX_COPIES)
    size: Text | None = Field(default=None, max_length=16)


class ReprintIn(PrintIn):
    reason: Text = Field(default="", max_length=200)


class PrintOut(Schema):
    carrier: str
    label: str
    copies: int
    printer: str
    printed_at: datetime
    reprint: bool
    voided: list[str]
    seq: int


def _print_out(result: services.PrintResult) -> dict[str, Any]:
    return {
        "carrier": result.event.carrier.code,
        "label": result.label.code,
        "copies": result.label.copies,
        "printer": result.label.printer,
        "printed_at": result.label.printed_at,
        "reprint": bool(result.voided),
        "voided": result.voided,
        "seq": result.event.seq,
    }


@router.post("/carriers/{code}/label/print", response={201: PrintOut, **_PRINT_ERRORS})
def label_print(request: HttpRequest, code: str, body: PrintIn) -> Status[dict[str, Any]]:
    result = services.label_print(
        principal=principal_of(request),
        code=code,
        printer=body.printer,
        copies=body.copies,
        size=body.size,
    )
    return Status(201, _print_out(result))


@router.post("/carriers/{code}/label/reprint", response={201: PrintOut, **_PRINT_ERRORS})
def label_reprint(request: HttpRequest, code: str, body: ReprintIn) -> Status[dict[str, Any]]:
    result = services.label_reprint(
        principal=principal_of(request),
        code=code,
        printer=body.printer,
        copies=body.copies,
        size=body.size,
        reason=body.reason,
    )
    return Status(201, _print_out(result))


class BulkIn(Schema):
    codes: list[Code] = Field(min_length=1, max_length=services.MAX_BULK)
    printer: Text = Field(min_length=1, max_length=100)
    copies: int = Field(default=1, ge=1, le=services.MAX_COPIES)


class BulkFailureOut(Schema):
    code: str
    error: str
    message: str


class BulkOut(Schema):
    id: int
    status: Literal["queued", "running", "done", "failed"]
    printer: str
    copies: int
    total: int
    done: int
    failed: list[BulkFailureOut]
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


def _bulk_out(job: BulkPrint) -> dict[str, Any]:
    return {
        "id": job.pk,
        "status": job.status,
        "printer": job.printer,
        "copies": job.copies,
        "total": job.total,
        "done": job.done,
        "failed": job.failed,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
    }


class BadgePrintOut(Schema):
    kind: Literal["badge", "plate"]
    code: str
    copies: int
    printer: str
    printed_at: datetime


def _badge_out(record: BadgePrint) -> dict[str, Any]:
    return {
        "kind": record.kind,
        "code": record.code,
        "copies": record.copies,
        "printer": record.printer,
        "printed_at": record.printed_at,
    }


@router.post("/people/{code}/badge/print", response={201: BadgePrintOut, **_PRINT_ERRORS})
def badge_print(request: HttpRequest, code: str, body: PrintIn) -> Status[dict[str, Any]]:
    record = services.badge_print(
        principal=principal_of(request),
        code=code,
        printer=body.printer,
        copies=body.copies,
        size=body.size,
    )
    return Status(201, _badge_out(record))


@router.post("/locations/{code}/plate/print", response={201: BadgePrintOut, **_PRINT_ERRORS})
def plate_print(request: HttpRequest, code: str, body: PrintIn) -> Status[dict[str, Any]]:
    record = services.plate_print(
        principal=principal_of(request),
        code=code,
        printer=body.printer,
        copies=body.copies,
        size=body.size,
    )
    return Status(201, _badge_out(record))


@router.post("/labels/print", response={202: BulkOut, **ERRORS})
def bulk_print(request: HttpRequest, body: BulkIn) -> Status[dict[str, Any]]:
    job = services.bulk_print_create(
        principal=principal_of(request),
        codes=list(body.codes),
        printer=body.printer,
        copies=body.copies,
    )
    return Status(202, _bulk_out(job))


@router.get("/labels/print/{job_id}", response={200: BulkOut, **ERRORS})
def bulk_print_get(request: HttpRequest, job_id: int) -> dict[str, Any]:
    return _bulk_out(selectors.bulk_get(principal=principal_of(request), id=job_id))
