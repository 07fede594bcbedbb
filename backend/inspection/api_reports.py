"""``GET /reports/annual`` (JSON, ``.pdf``, ``.docx``) and ``GET /reports/matters.xlsx|.pdf``
(the 国家秘密事项一览表): the reports of the inspection app, each written by one function
of ``inspection.annual`` / ``annual_pdf`` / ``annual_docx`` / ``matters``."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, HttpRequest
from ninja import Query, Router, Schema

from backend.inspection.annual import annual_json, annual_report_for
from backend.inspection.report_files import MEDIA, annual_download, matters_download
from backend.registry.principals import principal_of
from backend.schemas import error_responses

router = Router(tags=["reports"])

_ERRORS = error_responses(401, 403, 422)


def _binary(what: str, *formats: str) -> dict[str, Any]:
    content: dict[str, dict[str, Any]] = {MEDIA[f]: {} for f in formats}
    return {"responses": {"200": {"description": what, "content": content}}}


class YearIn(Schema):
    year: int | None = None  # the unit's calendar year; this year if left out


class Counts(Schema):
    registered: int
    copied: int
    checked_out: int
    returned: int
    dispatched: int
    received: int
    destroyed: int
    lost: int
    declassified: int


class ByLevel(Schema):
    top_secret: Counts
    secret: Counts
    confidential: Counts


class FindingsOut(Schema):
    open: int
    closed: int
    overdue: int


class AnnualOut(Schema):
    """CONTRACT.md's keys first; the rest of the report (docs/annual-report.md) after."""

    year: int
    by_level: ByLevel
    stocktakes: int
    overdue_cases: int
    findings: FindingsOut
    by_form: dict[str, Counts]
    classification: dict[str, int | bool]
    stocktakes_with_missing: int
    overdue_unresolved: int
    destructions: dict[str, int]
    incidents: dict[str, Any]
    self_inspection: dict[str, float | None]
    monthly_movement: list[dict[str, int]]
    overdue_trend: list[dict[str, int]]


@router.get("/reports/annual", response={200: AnnualOut, **_ERRORS})
def annual(request: HttpRequest, query: Query[YearIn]) -> dict[str, Any]:
    return annual_json(annual_report_for(principal=principal_of(request), year=query.year))


@router.get(
    "/reports/annual.{fmt}",
    response=_ERRORS,
    openapi_extra=_binary("The annual report as a document", "pdf", "docx"),
)
def annual_document(request: HttpRequest, fmt: str, query: Query[YearIn]) -> FileResponse:
    return annual_download(principal=principal_of(request), year=query.year, fmt=fmt)


@router.get(
    "/reports/matters.{fmt}",
    response=_ERRORS,
    openapi_extra=_binary("国家秘密事项一览表", "xlsx", "pdf"),
)
def matters(request: HttpRequest, fmt: str) -> FileResponse:
    return matters_download(principal=principal_of(request), fmt=fmt)
