"""Return campaigns (清退) over HTTP: ``POST /campaigns``, ``GET /campaigns/{id}``,
``POST /campaigns/{id}/close`` and ``GET /campaigns`` — the committee's (docs/campaigns.md)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.responses import Status
from pydantic import AwareDatetime

from backend.campaigns import selectors, services
from backend.campaigns.models import Campaign
from backend.registry.principals import principal_of
from backend.schemas import ERRORS, Code, Text

router = Router(tags=["campaigns"])


class CampaignIn(Schema):
    title: Text = Field(min_length=1, max_length=200)
    deadline: AwareDatetime
    carriers: list[Code] | None = Field(default=None, max_length=services.MAX_LISTED)
    issuing_unit: Text | None = Field(default=None, max_length=16)
    level: Literal["top_secret", "secret", "confidential"] | None = None
    registered_from: date | None = Field(
        default=None, description="Carriers issued (制发) on or after this day."
    )
    registered_to: date | None = Field(
        default=None, description="Carriers issued (制发) on or before this day."
    )


class CampaignOut(Schema):
    id: int
    title: str
    deadline: datetime
    status: str
    opened_at: datetime
    opened_by: str
    closed_at: datetime | None
    criteria: dict[str, Any]
    carriers: int
    holders: int
    returned: int
    percent: float


class HolderOut(Schema):
    holder: str
    name: str
    total: int
    returned: int
    outstanding: list[str]


class ProgressOut(CampaignOut):
    overdue: bool
    by_holder: list[HolderOut]


def _progress(request: HttpRequest, campaign_id: int) -> dict[str, Any]:
    p = selectors.campaign_progress(
        principal=principal_of(request), campaign_id=campaign_id, now=timezone.now()
    )
    c: Campaign = p.campaign
    return {
        "id": c.id,
        "title": c.title,
        "deadline": c.deadline,
        "status": c.status,
        "opened_at": c.opened_at,
        "opened_by": c.opened_by.code,
        "closed_at": c.closed_at,
        "criteria": c.criteria,
        "carriers": p.carriers,
        "holders": len(p.holders),
        "returned": p.returned,
        "percent": p.percent,
        "overdue": p.overdue,
        "by_holder": [
            {
                "holder": h.holder,
                "name": h.name,
                "total": h.total,
                "returned": h.returned,
                "outstanding": h.outstanding,
            }
            for h in p.holders
        ],
    }


@router.post("/campaigns", response={201: ProgressOut, **ERRORS})
def open_campaign(request: HttpRequest, body: CampaignIn) -> Status[dict[str, Any]]:
    campaign = services.campaign_open(
        principal=principal_of(request),
        title=body.title,
        deadline=body.deadline,
        criteria=services.Criteria(
            carriers=body.carriers,
            issuing_unit=body.issuing_unit,
            level=body.level,
            registered_from=body.registered_from,
            registered_to=body.registered_to,
        ),
    )
    return Status(201, _progress(request, campaign.id))


@router.get("/campaigns/{campaign_id}", response={200: ProgressOut, **ERRORS})
def campaign_progress(request: HttpRequest, campaign_id: int) -> dict[str, Any]:
    """Progress per holder: each holder's total, returned, and the codes still out."""
    return _progress(request, campaign_id)


@router.post("/campaigns/{campaign_id}/close", response={200: ProgressOut, **ERRORS})
def close_campaign(request: HttpRequest, campaign_id: int) -> dict[str, Any]:
    services.campaign_close(principal=principal_of(request), campaign_id=campaign_id)
    return _progress(request, campaign_id)


class CampaignRowOut(Schema):
    id: int
    title: str
    deadline: datetime
    status: str
    opened_at: datetime


@router.get("/campaigns", response={200: list[CampaignRowOut], **ERRORS})
def list_campaigns(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "id": c.id,
            "title": c.title,
            "deadline": c.deadline,
            "status": c.status,
            "opened_at": c.opened_at,
        }
        for c in selectors.campaigns_list(principal=principal_of(request))
    ]
