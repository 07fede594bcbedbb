"""People, locations and carriers over HTTP."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from backend.errors import ServiceError
from backend.registry import selectors, services
from backend.registry.models import Carrier
from backend.registry.policy import may_know
from backend.registry.principals import Principal, principal_of, require_role
from backend.schemas import (
    ERRORS,
    CarrierListOut,
    CarrierOut,
    LocationIn,
    LocationOut,
    PersonIn,
    PersonOut,
    Text,
)

router = Router(tags=["registry"])


def carrier_out(carrier: Carrier, principal: Principal) -> dict[str, Any]:
    """A carrier as the caller may see it: title, basis and scope need-to-know only."""
    scope = [p.code for p in carrier.scope.all()]
    knows = may_know(principal, level=carrier.level, scope_codes=scope)
    period = carrier.period
    return {
        "code": carrier.code,
        "title": carrier.title if knows else None,
        "form": carrier.form,
        "level": carrier.level,
        "marking": carrier.marking,
        "period": {
            "years": period.years,
            "months": period.months,
            "days": period.days,
            "until": period.until,
            "condition": period.condition,
        },
        "basis": carrier.basis if knows else None,
        "scope": sorted(scope) if knows else None,
        "status": carrier.status,
        "custodian": carrier.custodian.code,
        "location": carrier.location.code,
        "due_at": carrier.due_at,
        "overdue": carrier.is_overdue(),
        "seq": carrier.seq,
        "head_hash": carrier.head_hash,
        "copy_no": carrier.copy_no,
        "copies_total": carrier.copies_total,
        "parent": carrier.parent.code if carrier.parent else None,
        "unit": carrier.unit,
        "issued_on": carrier.issued_on,
        "created_at": carrier.created_at,
        "medium": medium_out(carrier),
    }


def medium_out(carrier: Carrier) -> dict[str, Any] | None:
    medium = getattr(carrier, "medium", None)  # the reverse one-to-one: absent for paper
    if medium is None:
        return None
    return {
        "kind": medium.kind,
        "serial": medium.serial,
        "maker": medium.maker,
        "model": medium.model,
        "capacity": medium.capacity,
        "high_water": medium.high_water,
        "host": medium.host.code if medium.host else None,
    }


def _require_admin(principal: Principal) -> None:
    require_role(principal, "admin", message="Only an administrator manages people and locations.")


@router.post("/people", response={201: PersonOut, **ERRORS})
def create_person(request: HttpRequest, body: PersonIn) -> Status[dict[str, Any]]:
    _require_admin(principal_of(request))
    person = services.person_create(
        name=body.name,
        clearance=body.clearance,
        roles=list(body.roles),
        departs_on=body.departs_on,
        decontrol_months=body.decontrol_months,
        authority=body.authority or "",
    )
    return Status(
        201,
        {
            "code": person.code,
            "name": person.name,
            "clearance": person.clearance,
            "roles": person.roles,
            "authority": person.authority or None,
        },
    )


@router.post("/locations", response={201: LocationOut, **ERRORS})
def create_location(request: HttpRequest, body: LocationIn) -> Status[dict[str, Any]]:
    _require_admin(principal_of(request))
    location = services.location_create(name=body.name, kind=body.kind)
    return Status(201, {"code": location.code, "name": location.name, "kind": location.kind})


class CarrierFilters(Schema):
    status: Text | None = None
    level: Text | None = None
    custodian: Text | None = None
    location: Text | None = None
    q: Text | None = Field(default=None, max_length=200)
    limit: int = 50
    offset: int = 0


@router.get("/carriers", response={200: CarrierListOut, **ERRORS})
def list_carriers(request: HttpRequest, filters: Query[CarrierFilters]) -> dict[str, Any]:
    principal = principal_of(request)
    if not 1 <= filters.limit <= 500 or not 0 <= filters.offset <= 10_000_000:
        raise ServiceError("invalid", "limit is 1–500 and offset at least 0.", {"field": "limit"})
    items, count = selectors.carrier_list(
        principal=principal,
        status=filters.status,
        level=filters.level,
        custodian=filters.custodian,
        location=filters.location,
        q=filters.q,
        limit=filters.limit,
        offset=filters.offset,
    )
    return {"items": [carrier_out(c, principal) for c in items], "count": count}


@router.get("/carriers/{code}", response={200: CarrierOut, **ERRORS})
def get_carrier(request: HttpRequest, code: str) -> dict[str, Any]:
    principal = principal_of(request)
    return carrier_out(selectors.carrier_get(principal=principal, code=code), principal)
