"""Reading campaigns: progress per holder, for the API and the desk page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.db.models import Count
from django.utils.translation import gettext as _

from backend.campaigns.models import Campaign, CampaignCarrier
from backend.errors import ServiceError
from backend.registry.principals import Principal, require_role


@dataclass(frozen=True, slots=True)
class HolderProgress:
    holder: str
    name: str
    total: int
    returned: int
    outstanding: list[str]  # carrier codes still out


@dataclass(frozen=True, slots=True)
class Progress:
    campaign: Campaign
    carriers: int
    returned: int
    holders: list[HolderProgress]
    overdue: bool

    @property
    def percent(self) -> float:
        return round(100.0 * self.returned / self.carriers, 1) if self.carriers else 100.0


def campaign_get(*, principal: Principal, campaign_id: int) -> Campaign:
    require_role(principal, "committee")
    campaign = Campaign.objects.select_related("opened_by").filter(id=campaign_id).first()
    if campaign is None:
        raise ServiceError("not_found", _("There is no campaign %(id)s.") % {"id": campaign_id}, {})
    return campaign


def campaign_progress(*, principal: Principal, campaign_id: int, now: datetime) -> Progress:
    """How far ``campaign_id`` has come, per holder (three queries, whatever its size)."""
    campaign = campaign_get(principal=principal, campaign_id=campaign_id)
    counts = (
        CampaignCarrier.objects.filter(campaign=campaign)
        .values("holder__code", "holder__name")
        .annotate(total=Count("id"), returned=Count("returned_at"))
        .order_by("holder__code")
    )
    out: dict[str, list[str]] = {}
    for holder, code in (
        CampaignCarrier.objects.filter(campaign=campaign, returned_at__isnull=True)
        .order_by("carrier__code")
        .values_list("holder__code", "carrier__code")
    ):
        out.setdefault(holder, []).append(code)
    holders = [
        HolderProgress(
            holder=row["holder__code"],
            name=row["holder__name"],
            total=row["total"],
            returned=row["returned"],
            outstanding=out.get(row["holder__code"], []),
        )
        for row in counts
    ]
    total = sum(h.total for h in holders)
    returned = sum(h.returned for h in holders)
    return Progress(
        campaign=campaign,
        carriers=total,
        returned=returned,
        holders=holders,
        overdue=campaign.status == "open" and campaign.deadline <= now and returned < total,
    )


def campaigns_list(*, principal: Principal, limit: int = 100) -> list[Campaign]:
    require_role(principal, "committee")
    return list(Campaign.objects.select_related("opened_by").order_by("-opened_at")[:limit])


@dataclass(frozen=True, slots=True)
class ReturnNote:
    """For the desk's banner: a return just scanned counts toward this holder's campaign."""

    campaign: int
    title: str
    holder: str
    returned: int
    total: int


def returns_noted(*, event_ids: list[UUID]) -> list[ReturnNote]:
    """The campaigns these return events counted for, with the holder's new count (two
    queries; none of the desk's other scans pay for it)."""
    if not event_ids:
        return []
    pairs = set(
        CampaignCarrier.objects.filter(return_event__in=event_ids).values_list(
            "campaign_id", "holder_id"
        )
    )
    if not pairs:
        return []
    counts = (
        CampaignCarrier.objects.filter(
            campaign_id__in={c for c, _ in pairs}, holder_id__in={h for _, h in pairs}
        )
        .values("campaign_id", "campaign__title", "holder_id", "holder__name")
        .annotate(total=Count("id"), returned=Count("returned_at"))
        .order_by("campaign_id", "holder__name")
    )
    return [
        ReturnNote(
            campaign=row["campaign_id"],
            title=row["campaign__title"],
            holder=row["holder__name"],
            returned=row["returned"],
            total=row["total"],
        )
        for row in counts
        if (row["campaign_id"], row["holder_id"]) in pairs
    ]
