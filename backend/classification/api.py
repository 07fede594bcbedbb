"""The 定密 procedure over HTTP: decisions, proposals, history, copies, compilations."""

from __future__ import annotations

from datetime import date, datetime
from typing import IO, Any, Literal

from django.http import FileResponse, HttpRequest
from ninja import Field, Router, Schema
from ninja.responses import Status

from backend.classification import copies, intake, loss, personnel, selectors, services
from backend.classification.models import Case, CopyRequest
from backend.downloads import written_download
from backend.registry import selectors as registry_selectors
from backend.registry.api import carrier_out
from backend.registry.api import router as registry_router
from backend.registry.marking import Period
from backend.registry.media_services import MediumSpec
from backend.registry.principals import Principal, principal_of
from backend.schemas import ERRORS, CarrierIn, CarrierOut, Code, MediumIn, PeriodIn, Text

router = Router(tags=["classification"])


# POST /carriers starts the 定密 procedure, so its handler lives here, where the service it
# calls lives; it joins the registry's router because ninja answers one path from one
# router (GET /carriers, the list, is the registry's).
@registry_router.post("/carriers", response={201: CarrierOut, **ERRORS})
def create_carrier(request: HttpRequest, body: CarrierIn) -> Status[dict[str, Any]]:
    principal = principal_of(request)
    p = body.period
    period = (
        Period(years=p.years, months=p.months, days=p.days, until=p.until, condition=p.condition)
        if p
        else Period()
    )
    carrier = intake.carrier_register(
        principal=principal,
        title=body.title,
        form=body.form,
        level=body.level,
        period=period,
        basis=body.basis,
        custodian=registry_selectors.person_by_code(body.custodian, "custodian"),
        location=registry_selectors.location_by_code(body.location),
        copy_no=body.copy_no,
        copies_total=body.copies_total,
        scope=[registry_selectors.person_by_code(c, "scope") for c in body.scope or []],
        parent=registry_selectors.carrier_get(principal=principal, code=body.parent)
        if body.parent
        else None,
        medium=_medium(principal, body.medium),
    )
    fresh = registry_selectors.carrier_get(principal=principal, code=carrier.code)
    return Status(201, carrier_out(fresh, principal))


def _medium(principal: Principal, m: MediumIn | None) -> MediumSpec | None:
    if m is None:
        return None
    host = registry_selectors.carrier_get(principal=principal, code=m.host) if m.host else None
    return MediumSpec(
        kind=m.kind,
        serial=m.serial,
        maker=m.maker,
        model=m.model,
        capacity=m.capacity,
        host=host,
    )


class DecisionIn(Schema):
    decision: Literal["review", "approve", "amend", "reject", "refer"]
    opinion: Text = Field(max_length=2000)
    level: Literal["top_secret", "secret", "confidential"] | None = None
    period: PeriodIn | None = None
    basis: Text | None = Field(default=None, max_length=300)
    scope: list[Code] | None = Field(default=None, max_length=500)
    # For a referred carrier: the superior authority whose decision is being recorded.
    superior: Text = Field(default="", max_length=200)


class ProposalIn(Schema):
    kind: Literal["initial", "change", "declassify"]
    reason: Text = Field(max_length=2000)
    level: Literal["top_secret", "secret", "confidential"] | None = None
    period: PeriodIn | None = None
    basis: Text | None = Field(default=None, max_length=300)
    scope: list[Code] | None = Field(default=None, max_length=500)


class StepOut(Schema):
    step: str
    actor: str | None
    at: datetime
    opinion: str
    values: dict[str, Any]


class CaseOut(Schema):
    id: int
    carrier: str
    kind: str
    state: str
    level: str
    proposed_by: str
    proposed_at: datetime
    reviewed_by: str | None
    decided_by: str | None
    decided_at: datetime | None
    superior: str
    old_marking: str
    new_marking: str
    steps: list[StepOut]


class ConsentIn(Schema):
    by: Text = Field(min_length=1, max_length=200)
    on: date
    note: Text = Field(default="", max_length=2000)


class CopyRequestIn(Schema):
    kind: Literal["copy", "extract"] = "copy"
    count: int = Field(default=1, ge=1, le=100)
    custodian: Code = Field(max_length=64)
    location: Code = Field(max_length=64)
    reason: Text = Field(max_length=2000)
    form: Literal["paper", "magnetic", "optical", "electronic", "device"] | None = None
    title: Text = Field(default="", max_length=300)
    consent: ConsentIn | None = None


class CopyDecisionIn(Schema):
    decision: Literal["approve", "reject"]
    opinion: Text = Field(max_length=2000)


class CopyRequestOut(Schema):
    id: int
    original: str
    kind: str
    count: int
    state: str
    requested_by: str
    decided_by: str | None
    consent_by: str
    consent_on: date | None
    copies: list[str]


class CompilationIn(Schema):
    parts: list[Code] = Field(min_length=1, max_length=500)
    title: Text = Field(min_length=1, max_length=300)
    form: Literal["paper", "magnetic", "optical", "electronic", "device"]
    basis: Text = Field(default="", max_length=300)
    custodian: Code = Field(max_length=64)
    location: Code = Field(max_length=64)


def _period(p: PeriodIn | None) -> Period | None:
    if p is None:
        return None
    return Period(years=p.years, months=p.months, days=p.days, until=p.until, condition=p.condition)


def _changes(body: DecisionIn | ProposalIn) -> services.Changes:
    return services.Changes(
        level=body.level, period=_period(body.period), basis=body.basis, scope=body.scope
    )


def case_out(case: Case) -> dict[str, Any]:
    return {
        "id": case.id,
        "carrier": case.carrier.code,
        "kind": case.kind,
        "state": case.state,
        "level": case.level,
        "proposed_by": case.proposed_by.code,
        "proposed_at": case.proposed_at,
        "reviewed_by": case.reviewed_by.code if case.reviewed_by else None,
        "decided_by": case.decided_by.code if case.decided_by else None,
        "decided_at": case.decided_at,
        "superior": case.superior,
        "old_marking": case.old_marking,
        "new_marking": case.new_marking,
        "steps": [
            {
                "step": s.step,
                "actor": s.actor.code if s.actor else None,
                "at": s.at,
                "opinion": s.opinion,
                "values": s.values,
            }
            for s in case.steps.all()
        ],
    }


def copy_request_out(request: CopyRequest, made: list[str]) -> dict[str, Any]:
    return {
        "id": request.id,
        "original": request.original.code,
        "kind": request.kind,
        "count": request.count,
        "state": request.state,
        "requested_by": request.requested_by.code,
        "decided_by": request.decided_by.code if request.decided_by else None,
        "consent_by": request.consent_by,
        "consent_on": request.consent_on,
        "copies": made,
    }


@router.post("/carriers/{code}/decision", response={200: CarrierOut, **ERRORS})
def decide(request: HttpRequest, code: str, body: DecisionIn) -> dict[str, Any]:
    principal = principal_of(request)
    carrier = services.classification_decide(
        principal=principal,
        code=code,
        decision=body.decision,
        opinion=body.opinion,
        changes=_changes(body),
        superior=body.superior,
    )
    return carrier_out(
        registry_selectors.carrier_get(principal=principal, code=carrier.code), principal
    )


@router.post("/carriers/{code}/proposals", response={201: CaseOut, **ERRORS})
def propose(request: HttpRequest, code: str, body: ProposalIn) -> Status[dict[str, Any]]:
    principal = principal_of(request)
    case = services.classification_propose(
        principal=principal, code=code, kind=body.kind, changes=_changes(body), reason=body.reason
    )
    return Status(201, case_out(selectors.case_get(case_id=case.id)))


@router.get("/carriers/{code}/classification", response={200: list[CaseOut], **ERRORS})
def history(request: HttpRequest, code: str) -> list[dict[str, Any]]:
    cases = selectors.carrier_cases(principal=principal_of(request), code=code)
    return [case_out(c) for c in cases]


@router.post("/carriers/{code}/copies", response={201: CopyRequestOut, **ERRORS})
def ask_copies(request: HttpRequest, code: str, body: CopyRequestIn) -> Status[dict[str, Any]]:
    principal = principal_of(request)
    req = copies.copy_request(
        principal=principal,
        code=code,
        kind=body.kind,
        count=body.count,
        custodian=registry_selectors.person_by_code(body.custodian, "custodian"),
        location=registry_selectors.location_by_code(body.location),
        reason=body.reason,
        form=body.form,
        title=body.title,
        consent=copies.Consent(by=body.consent.by, on=body.consent.on, note=body.consent.note)
        if body.consent
        else None,
    )
    return Status(201, copy_request_out(req, []))


@router.post("/copy-requests/{request_id}/decision", response={200: CopyRequestOut, **ERRORS})
def decide_copies(request: HttpRequest, request_id: int, body: CopyDecisionIn) -> dict[str, Any]:
    req, made = copies.copy_decide(
        principal=principal_of(request),
        request_id=request_id,
        decision=body.decision,
        opinion=body.opinion,
    )
    return copy_request_out(req, [c.code for c in made])


@router.post("/compilations", response={201: CarrierOut, **ERRORS})
def compile_(request: HttpRequest, body: CompilationIn) -> Status[dict[str, Any]]:
    principal = principal_of(request)
    carrier = copies.compilation_propose(
        principal=principal,
        parts=body.parts,
        title=body.title,
        form=body.form,
        basis=body.basis,
        custodian=registry_selectors.person_by_code(body.custodian, "custodian"),
        location=registry_selectors.location_by_code(body.location),
    )
    fresh = registry_selectors.carrier_get(principal=principal, code=carrier.code)
    return Status(201, carrier_out(fresh, principal))


# --- 涉密人员: grades, undertakings, departure ----------------------------------------


class UndertakingIn(Schema):
    kind: Literal["on_post", "on_leaving"]
    signed_on: date
    text: Text = Field(default="", max_length=4000)


class UndertakingOut(Schema):
    id: int
    person: str
    kind: str
    signed_on: date
    recorded_by: str
    recorded_at: datetime


class GradeIn(Schema):
    grade: Literal["core", "important", "general", ""]


class DepartureIn(Schema):
    departs_on: date
    decontrol_months: int | None = Field(default=None, ge=0, le=120)


class LeaveIn(Schema):
    decontrol_months: int | None = Field(default=None, ge=0, le=120)


class PersonFileOut(Schema):
    code: str
    name: str
    clearance: str
    grade: str
    active: bool
    departs_on: date | None
    decontrol_months: int | None
    decontrol_ends_on: date | None
    holding: list[str]
    undertakings: list[UndertakingOut]


def undertaking_out(u: Any) -> dict[str, Any]:
    return {
        "id": u.id,
        "person": u.person.code,
        "kind": u.kind,
        "signed_on": u.signed_on,
        "recorded_by": u.recorded_by.code,
        "recorded_at": u.recorded_at,
    }


def _file(principal: Any, code: str) -> dict[str, Any]:
    record = personnel.person_record(principal=principal, code=code)
    p = record.person
    return {
        "code": p.code,
        "name": p.name,
        "clearance": p.clearance,
        "grade": p.grade,
        "active": p.active,
        "departs_on": p.departs_on,
        "decontrol_months": p.decontrol_months,
        "decontrol_ends_on": record.decontrol_ends_on,
        "holding": record.holding,
        "undertakings": [undertaking_out(u) for u in record.undertakings],
    }


@router.get("/people/{code}/file", response={200: PersonFileOut, **ERRORS})
def person_file(request: HttpRequest, code: str) -> dict[str, Any]:
    return _file(principal_of(request), code)


@router.post("/people/{code}/undertakings", response={201: UndertakingOut, **ERRORS})
def sign_undertaking(
    request: HttpRequest, code: str, body: UndertakingIn
) -> Status[dict[str, Any]]:
    u = personnel.undertaking_record(
        principal=principal_of(request),
        code=code,
        kind=body.kind,
        signed_on=body.signed_on,
        text=body.text,
    )
    return Status(201, undertaking_out(u))


@router.post("/people/{code}/grade", response={200: PersonFileOut, **ERRORS})
def set_grade(request: HttpRequest, code: str, body: GradeIn) -> dict[str, Any]:
    principal = principal_of(request)
    person = personnel.person_grade_set(principal=principal, code=code, grade=body.grade)
    return _file(principal, person.code)


@router.post("/people/{code}/departure", response={200: PersonFileOut, **ERRORS})
def plan_departure(request: HttpRequest, code: str, body: DepartureIn) -> dict[str, Any]:
    principal = principal_of(request)
    person = personnel.person_departure_plan(
        principal=principal,
        code=code,
        departs_on=body.departs_on,
        decontrol_months=body.decontrol_months,
    )
    return _file(principal, person.code)


@router.post("/people/{code}/leave", response={200: PersonFileOut, **ERRORS})
def leave(request: HttpRequest, code: str, body: LeaveIn) -> dict[str, Any]:
    principal = principal_of(request)
    person = personnel.person_leave(
        principal=principal, code=code, decontrol_months=body.decontrol_months
    )
    return _file(principal, person.code)


# --- 遗失报告 --------------------------------------------------------------------------


class LossReportIn(Schema):
    quantity: int = Field(default=1, ge=1, le=10000)
    discovered_how: Text = Field(min_length=1, max_length=4000)
    responsible: Text = Field(min_length=1, max_length=200)
    occurred_at: datetime
    place: Text = Field(min_length=1, max_length=200)
    circumstances: Text = Field(min_length=1, max_length=4000)
    possible_harm: Text = Field(min_length=1, max_length=4000)
    remedies: Text = Field(min_length=1, max_length=4000)


class LossReportOut(Schema):
    id: int
    carrier: str
    level: str
    form: str
    quantity: int
    reported_by: str
    reported_at: datetime
    deadline: datetime | None
    on_time: bool
    pdf: str


@router.post("/carriers/{code}/loss-report", response={201: LossReportOut, **ERRORS})
def file_loss_report(request: HttpRequest, code: str, body: LossReportIn) -> Status[dict[str, Any]]:
    report = loss.loss_report_file(
        principal=principal_of(request),
        code=code,
        facts=loss.LossFacts(
            quantity=body.quantity,
            discovered_how=body.discovered_how,
            responsible=body.responsible,
            occurred_at=body.occurred_at,
            place=body.place,
            circumstances=body.circumstances,
            possible_harm=body.possible_harm,
            remedies=body.remedies,
        ),
    )
    deadline = loss.report_deadline(report)
    return Status(
        201,
        {
            "id": report.id,
            "carrier": report.carrier.code,
            "level": report.carrier.level,
            "form": report.carrier.form,
            "quantity": report.quantity,
            "reported_by": report.reported_by.code,
            "reported_at": report.reported_at,
            "deadline": deadline,
            "on_time": deadline is None or report.reported_at <= deadline,
            "pdf": f"/api/v1/loss-reports/{report.id}/report.pdf",
        },
    )


@router.get(
    "/loss-reports/{report_id}/report.pdf",
    response=ERRORS,
    openapi_extra={
        "responses": {
            "200": {"description": "The written report", "content": {"application/pdf": {}}}
        }
    },
)
def loss_report_pdf(request: HttpRequest, report_id: int) -> FileResponse:
    principal = principal_of(request)
    report = loss.loss_report_get(principal=principal, report_id=report_id)

    def write(out: IO[bytes]) -> str:
        loss.loss_report_pdf(principal=principal, report=report, out=out)
        return f"遗失报告-{report.carrier.code}-{report.id}.pdf"

    return written_download(write, content_type="application/pdf")
