"""Stocktakes over HTTP: ``POST /inventories``, ``POST /inventories/{id}/close``, reminders.

The report (``GET /inventories/{id}/report.pdf``) is a register: backend/registers/api.py."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.responses import Status

from backend.inventory import reminders, services
from backend.registry.principals import principal_of
from backend.registry.selectors import location_by_code
from backend.schemas import ERRORS, Code

router = Router(tags=["inventory"])


class StocktakeIn(Schema):
    location: Code = Field(max_length=64)


class StocktakeOut(Schema):
    id: int
    location: str
    opened_at: datetime
    expected: int


class ReconciliationOut(Schema):
    id: int
    expected: int
    found: list[str]
    missing: list[str]
    unexpected: list[str]
    closed_at: datetime


@router.post("/inventories", response={201: StocktakeOut, **ERRORS})
def open_stocktake(request: HttpRequest, body: StocktakeIn) -> Status[dict[str, Any]]:
    take = services.stocktake_open(
        principal=principal_of(request), location=location_by_code(body.location)
    )
    return Status(
        201,
        {
            "id": take.id,
            "location": take.location.code,
            "opened_at": take.opened_at,
            "expected": len(take.expected),
        },
    )


@router.post("/inventories/{stocktake_id}/close", response={200: ReconciliationOut, **ERRORS})
def close_stocktake(request: HttpRequest, stocktake_id: int) -> dict[str, Any]:
    take = services.stocktake_close(principal=principal_of(request), stocktake_id=stocktake_id)
    return {
        "id": take.id,
        "expected": len(take.expected),
        "found": take.found,
        "missing": take.missing,
        "unexpected": take.unexpected,
        "closed_at": take.closed_at,
    }


class InventoryReminderOut(Schema):
    id: int
    location: str
    location_name: str
    due_since: date
    last_closed_at: datetime | None
    raised_at: datetime


@router.get("/inventory-reminders", response={200: list[InventoryReminderOut], **ERRORS})
def inventory_reminders(request: HttpRequest) -> list[dict[str, Any]]:
    """年度清查提醒: locations without a closed stocktake in the last year."""
    return [
        {
            "id": r.id,
            "location": r.location.code,
            "location_name": r.location.name,
            "due_since": r.due_since,
            "last_closed_at": r.last_closed_at,
            "raised_at": r.raised_at,
        }
        for r in reminders.inventory_reminders_open(principal=principal_of(request))
    ]
