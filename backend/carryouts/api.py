"""Carry-outs (外出携带) over HTTP: ``POST /carry-outs``, ``POST /carry-outs/{id}/decision``,
``GET /carry-outs`` and ``GET /carry-outs/{id}`` (docs/carry-outs.md). The exit and return
are scans (``carry_out`` / ``carry_in`` with ``"carry_out": id``, ``POST /scans``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.responses import Status

from backend.carryouts import selectors, services
from backend.carryouts.models import CarryOut
from backend.registry.principals import principal_of
from backend.schemas import ERRORS, Code, Text

router = Router(tags=["carry-outs"])


class CarryOutIn(Schema):
    carriers: list[Code] = Field(min_length=1, max_length=200)
    purpose: Text = Field(min_length=1, max_length=300)
    destination: Text = Field(min_length=1, max_length=200)
    leaves_on: date
    returns_on: date
    people: list[Code] = Field(min_length=1, max_length=20)


class DecisionIn(Schema):
    decision: Literal["approve", "reject"]
    opinion: Text = Field(default="", max_length=500)


class CarriedOut(Schema):
    carrier: str
    # The device a storage medium goes out and comes back in (null for anything else).
    with_host: str | None
    # On the request because it is installed in a named device, not named itself.
    implied: bool
    out_at: datetime | None
    in_at: datetime | None


class CarryOutOut(Schema):
    id: int
    status: str
    requester: str
    purpose: str
    destination: str
    leaves_on: date
    returns_on: date
    carriers: list[str]
    people: list[str]
    requested_at: datetime
    decided_by: str | None
    opinion: str
    decided_at: datetime | None
    items: list[CarriedOut]


def carry_out_out(request: CarryOut) -> dict[str, Any]:
    """The answer: codes only, never a title (need-to-know, as the scans)."""
    items = sorted(request.items.all(), key=lambda i: i.id)
    return {
        "id": request.id,
        "status": request.status,
        "requester": request.requester.code,
        "purpose": request.purpose,
        "destination": request.destination,
        "leaves_on": request.leaves_on,
        "returns_on": request.returns_on,
        "carriers": [i.carrier.code for i in items if not i.implied],
        "people": sorted(p.code for p in request.people.all()),
        "requested_at": request.requested_at,
        "decided_by": request.decided_by.code if request.decided_by else None,
        "opinion": request.opinion,
        "decided_at": request.decided_at,
        "items": [
            {
                "carrier": i.carrier.code,
                "with_host": i.with_host.code if i.with_host else None,
                "implied": i.implied,
                "out_at": i.out_at,
                "in_at": i.in_at,
            }
            for i in items
        ],
    }


@router.post("/carry-outs", response={201: CarryOutOut, **ERRORS})
def request_carry_out(request: HttpRequest, body: CarryOutIn) -> Status[dict[str, Any]]:
    principal = principal_of(request)
    made = services.carry_out_request(principal=principal, **body.dict())
    return Status(
        201, carry_out_out(selectors.carry_out_get(principal=principal, carry_out_id=made.id))
    )


@router.post("/carry-outs/{carry_out_id}/decision", response={200: CarryOutOut, **ERRORS})
def decide_carry_out(request: HttpRequest, carry_out_id: int, body: DecisionIn) -> dict[str, Any]:
    principal = principal_of(request)
    services.carry_out_decide(
        principal=principal, carry_out_id=carry_out_id, decision=body.decision, opinion=body.opinion
    )
    return carry_out_out(selectors.carry_out_get(principal=principal, carry_out_id=carry_out_id))


@router.get("/carry-outs", response={200: list[CarryOutOut], **ERRORS})
def list_carry_outs(request: HttpRequest, status: str | None = None) -> list[dict[str, Any]]:
    return [
        carry_out_out(r)
        for r in selectors.carry_out_list(principal=principal_of(request), status=status)
    ]


@router.get("/carry-outs/{carry_out_id}", response={200: CarryOutOut, **ERRORS})
def get_carry_out(request: HttpRequest, carry_out_id: int) -> dict[str, Any]:
    return carry_out_out(
        selectors.carry_out_get(principal=principal_of(request), carry_out_id=carry_out_id)
    )
