"""Inspections, findings and the self-inspection over HTTP (docs/inspection.md)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.responses import Status
from pydantic import AwareDatetime

from backend.errors import ServiceError
from backend.inspection import checklist, findings, scoring
from backend.inspection.evidence import Figure
from backend.inspection.links import row_href
from backend.inspection.models import Finding, Item
from backend.registry.principals import principal_of, require_role
from backend.registry.selectors import person_by_code
from backend.schemas import ERRORS, Code, Text

router = Router(tags=["inspection"])


class InspectionIn(Schema):
    kind: Literal["self", "superior"]
    held_on: date
    by: Text = Field(min_length=1, max_length=200)


class InspectionOut(Schema):
    id: int
    kind: str
    held_on: date
    by: str


class FindingIn(Schema):
    title: Text = Field(min_length=1, max_length=500)
    responsible: Code = Field(max_length=64)
    deadline: AwareDatetime
    inspection: int | None = Field(default=None, ge=1, lt=2**62)


class FindingCloseIn(Schema):
    evidence: Text = Field(default="", max_length=10000)


class FindingOut(Schema):
    id: int
    status: str
    title: str
    responsible: str
    deadline: datetime
    inspection: int | None
    recorded_at: datetime
    reminded_at: datetime | None
    alert: int | None
    evidence: str
    closed_at: datetime | None
    closed_by: str | None


def finding_out(finding: Finding) -> dict[str, Any]:
    return {
        "id": finding.id,
        "status": finding.status,
        "title": finding.title,
        "responsible": finding.responsible.code,
        "deadline": finding.deadline,
        "inspection": finding.inspection_id,
        "recorded_at": finding.recorded_at,
        "reminded_at": finding.reminded_at,
        "alert": finding.alert_id,
        "evidence": finding.evidence,
        "closed_at": finding.closed_at,
        "closed_by": finding.closed_by.code if finding.closed_by else None,
    }


def _reload(finding_id: int) -> Finding:
    return Finding.objects.select_related("responsible", "closed_by").get(id=finding_id)


@router.post("/inspections", response={201: InspectionOut, **ERRORS})
def record_inspection(request: HttpRequest, body: InspectionIn) -> Status[dict[str, Any]]:
    done = findings.inspection_record(
        principal=principal_of(request), kind=body.kind, held_on=body.held_on, by=body.by
    )
    return Status(201, {"id": done.id, "kind": done.kind, "held_on": done.held_on, "by": done.by})


@router.post("/findings", response={201: FindingOut, **ERRORS})
def record_finding(request: HttpRequest, body: FindingIn) -> Status[dict[str, Any]]:
    principal = principal_of(request)
    findings.committee_check(principal)
    finding = findings.finding_record(
        principal=principal,
        title=body.title,
        responsible=person_by_code(body.responsible, "responsible"),
        deadline=body.deadline,
        inspection_id=body.inspection,
    )
    return Status(201, finding_out(_reload(finding.id)))


@router.get("/findings", response={200: list[FindingOut], **ERRORS})
def list_findings(request: HttpRequest, status: str | None = None) -> list[dict[str, Any]]:
    require_role(principal_of(request), "committee")
    return [
        finding_out(f) for f in findings.finding_list(status=status).select_related("closed_by")
    ]


@router.post("/findings/{finding_id}/close", response={200: FindingOut, **ERRORS})
def close_finding(request: HttpRequest, finding_id: int, body: FindingCloseIn) -> dict[str, Any]:
    findings.id_check(finding_id)
    finding = findings.finding_close(
        principal=principal_of(request), finding_id=finding_id, evidence=body.evidence
    )
    return finding_out(_reload(finding.id))


# --- the self-inspection ------------------------------------------------------------------


class RowOut(Schema):
    kind: str
    id: int
    code: str
    href: str | None


class FigureOut(Schema):
    key: str
    value: int | bool | None
    rows: list[RowOut]


class AnswerOut(Schema):
    value: str
    note: str
    attachment: str | None
    answered_by: str
    answered_at: datetime


class ChecklistItemOut(Schema):
    id: int
    heading: str
    text: str
    evidence_text: str
    evidence: str
    comparison: str
    target: int
    of_evidence: str
    weight: Decimal


class ItemOut(ChecklistItemOut):
    """A checklist item as one year answers it."""

    figure: FigureOut | None
    of_figure: FigureOut | None
    answer: AnswerOut | None
    meets: bool | None
    score: Decimal


class SelfInspectionOut(Schema):
    year: int
    score: float | None
    findings: dict[str, int]
    items: list[ItemOut]


class SelfInspectionIn(Schema):
    year: int = Field(ge=2000, le=9999)


class AttachmentIn(Schema):
    name: Text = Field(min_length=1, max_length=200)
    content_type: Text = Field(default="application/octet-stream", max_length=100)
    content_base64: str = Field(max_length=14_000_000)


class AnswerIn(Schema):
    value: Literal["yes", "partial", "no"]
    note: Text = Field(default="", max_length=5000)
    score: Decimal | None = Field(default=None, ge=0, max_digits=6, decimal_places=2)
    attachment: AttachmentIn | None = None


class ChecklistItemIn(Schema):
    heading: Text = Field(min_length=1, max_length=100)
    text: Text = Field(min_length=1, max_length=500)
    evidence_text: Text = Field(default="", max_length=500)
    evidence: Text = Field(default="manual", max_length=64)
    comparison: Literal["at_least", "at_most", "all_of"] = "at_least"
    target: int = Field(default=0, ge=-(10**9), le=10**9)
    of_evidence: Text = Field(default="", max_length=64)
    weight: Decimal = Field(ge=0, max_digits=6, decimal_places=2)
    position: int | None = Field(default=None, ge=0, le=10**6)


class ChecklistItemEdit(Schema):
    heading: Text | None = Field(default=None, min_length=1, max_length=100)
    text: Text | None = Field(default=None, min_length=1, max_length=500)
    evidence_text: Text | None = Field(default=None, max_length=500)
    evidence: Text | None = Field(default=None, max_length=64)
    comparison: Literal["at_least", "at_most", "all_of"] | None = None
    target: int | None = Field(default=None, ge=-(10**9), le=10**9)
    of_evidence: Text | None = Field(default=None, max_length=64)
    weight: Decimal | None = Field(default=None, ge=0, max_digits=6, decimal_places=2)
    position: int | None = Field(default=None, ge=0, le=10**6)
    retired: bool | None = None


def _figure_out(figure: Figure | None) -> dict[str, Any] | None:
    if figure is None:
        return None
    return {
        "key": figure.key,
        "value": figure.value,
        "rows": [
            {
                "kind": r.kind,
                "id": r.id,
                "code": r.code,
                "href": row_href(r),
            }
            for r in figure.rows
        ],
    }


def item_fields(item: Item) -> dict[str, Any]:
    return {
        "id": item.id,
        "heading": item.heading,
        "text": item.text,
        "evidence_text": item.evidence_text,
        "evidence": item.evidence,
        "comparison": item.comparison,
        "target": item.target,
        "of_evidence": item.of_evidence,
        "weight": item.weight,
    }


def self_inspection_out(year: int) -> dict[str, Any]:
    filled = scoring.checklist_filled(year=year)
    if filled is None:
        raise ServiceError(
            "not_found",
            _("No self-inspection was started for %(y)s.") % {"y": year},
            {"year": year},
        )
    return {
        "year": year,
        "score": filled.score,
        "findings": findings.findings_summary(year),
        "items": [
            {
                **item_fields(f.item),
                "figure": _figure_out(f.figure),
                "of_figure": _figure_out(f.of_figure),
                "answer": {
                    "value": f.answer.value,
                    "note": f.answer.note,
                    "attachment": f.answer.attachment.name if f.answer.attachment else None,
                    "answered_by": f.answer.answered_by.code,
                    "answered_at": f.answer.answered_at,
                }
                if f.answer
                else None,
                "meets": f.meets,
                "score": f.score,
            }
            for f in filled.items
        ],
    }


@router.post("/self-inspections", response={201: SelfInspectionOut, **ERRORS})
def start_self_inspection(request: HttpRequest, body: SelfInspectionIn) -> Status[dict[str, Any]]:
    checklist.self_inspection_start(principal=principal_of(request), year=body.year)
    return Status(201, self_inspection_out(body.year))


@router.get("/self-inspections/{year}", response={200: SelfInspectionOut, **ERRORS})
def get_self_inspection(request: HttpRequest, year: int) -> dict[str, Any]:
    require_role(principal_of(request), "committee")
    return self_inspection_out(year)


@router.put("/self-inspections/{year}/items/{item_id}", response={200: SelfInspectionOut, **ERRORS})
def answer_item(request: HttpRequest, year: int, item_id: int, body: AnswerIn) -> dict[str, Any]:
    principal = principal_of(request)
    require_role(principal, "committee")
    assert principal.person is not None  # noqa: S101 - the committee role is a person's
    attachment = None
    if body.attachment is not None:
        attachment = checklist.attachment_store(
            person=principal.person,
            name=body.attachment.name,
            content_type=body.attachment.content_type,
            data=checklist.attachment_decode(body.attachment.content_base64),
        )
    checklist.answer_give(
        principal=principal,
        year=year,
        item_id=item_id,
        value=body.value,
        note=body.note,
        score=body.score,
        attachment=attachment,
    )
    return self_inspection_out(year)


class ChecklistOut(Schema):
    name: str
    items: list[ChecklistItemOut]


@router.get("/checklist", response={200: ChecklistOut, **ERRORS})
def get_checklist(request: HttpRequest) -> dict[str, Any]:
    require_role(principal_of(request), "committee")
    current = checklist.checklist_current()
    items = current.items.filter(retired=False)
    return {"name": current.name, "items": [item_fields(i) for i in items]}


@router.post("/checklist/items", response={201: ChecklistItemOut, **ERRORS})
def add_item(request: HttpRequest, body: ChecklistItemIn) -> Status[dict[str, Any]]:
    item = checklist.item_add(principal=principal_of(request), **body.dict())
    return Status(201, item_fields(item))


@router.put("/checklist/items/{item_id}", response={200: ChecklistItemOut, **ERRORS})
def edit_item(request: HttpRequest, item_id: int, body: ChecklistItemEdit) -> dict[str, Any]:
    item = checklist.item_edit(
        principal=principal_of(request), item_id=item_id, **body.dict(exclude_unset=True)
    )
    return item_fields(item)
