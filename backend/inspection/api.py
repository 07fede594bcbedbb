"""Inspections, findings and the self-inspection over HTTP (docs/inspection.md)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.responses import Status
from pydantic import AwareDatetime

from backend.inspection import findings
from backend.inspection.models import Finding
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
