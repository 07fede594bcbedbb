"""Opening and closing return campaigns (清退).

The committee calls back a set of carriers — by issuing unit, by level, by issue dates, or
an explicit list — with a deadline. Each carrier checked out to a person (``in_use``) at
the opening becomes a row naming that person as its holder; the holders hand them back
with ordinary ``return`` scans at the desk, which mark the rows
(:mod:`backend.campaigns.returns`, inside the ingest). A campaign closes by itself when the
last carrier is back, or when the committee closes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.campaigns.models import Campaign, CampaignCarrier, CampaignStatus
from backend.campaigns.notices import holders_notify
from backend.errors import ServiceError
from backend.registry.models import Carrier, Status
from backend.registry.principals import Principal, require_role
from backend.registry.selectors import code_or_error
from labels.codes import Kind

#: The carriers a campaign can call back: out with a person, so that a ``return`` scan
#: brings them in. Carriers in a safe are in the unit's hands already.
HELD = (Status.IN_USE,)
MAX_LISTED = 5000


@dataclass(frozen=True, slots=True)
class Criteria:
    """Which carriers a campaign calls back; every given part must hold (AND)."""

    carriers: list[str] | None = None
    issuing_unit: str | None = None
    level: str | None = None
    registered_from: date | None = None
    registered_to: date | None = None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in ("carriers", "issuing_unit", "level"):
            if (value := getattr(self, name)) is not None:
                out[name] = value
        for name in ("registered_from", "registered_to"):
            if (day := getattr(self, name)) is not None:
                out[name] = day.isoformat()
        return out


def _chosen(criteria: Criteria) -> list[Carrier]:
    """The carriers ``criteria`` names, locked in id order (ingest's lock order), so a
    return committing at this instant is either seen as done or waits for the rows."""
    if not criteria.as_json():
        raise ServiceError(
            "invalid",
            _("Name the carriers: a list, an issuing unit, a level or issue dates."),
            {"field": "carriers"},
        )
    query = Carrier.objects.all()
    if criteria.carriers is not None:
        codes = [code_or_error(raw, Kind.CARRIER, "carriers") for raw in criteria.carriers]
        known = set(Carrier.objects.filter(code__in=codes).values_list("code", flat=True))
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise ServiceError(
                "unknown_code",
                _("Unknown carrier %(code)s.") % {"code": unknown[0]},
                {"code": unknown[0], "carriers": unknown},
            )
        not_held = list(
            Carrier.objects.filter(code__in=codes)
            .exclude(status__in=HELD)
            .order_by("code")
            .values_list("code", flat=True)
        )
        if not_held:
            raise ServiceError(
                "invalid_transition",
                _("%(n)s carrier(s) are not checked out to anyone: nothing to call back.")
                % {"n": len(not_held)},
                {"reason": "not_held", "carriers": not_held},
            )
        query = query.filter(code__in=codes)
    if criteria.issuing_unit is not None:
        query = query.filter(unit=criteria.issuing_unit.strip().upper())
    if criteria.level is not None:
        query = query.filter(level=criteria.level)
    if criteria.registered_from is not None:
        query = query.filter(issued_on__gte=criteria.registered_from)
    if criteria.registered_to is not None:
        query = query.filter(issued_on__lte=criteria.registered_to)
    chosen = list(
        query.filter(status__in=HELD)
        .select_for_update(of=("self",))
        .order_by("id")
        .only("id", "code", "custodian_id")[: MAX_LISTED + 1]
    )
    if not chosen:
        raise ServiceError(
            "invalid",
            _("No carrier checked out to anyone matches: nothing to call back."),
            {"field": "carriers", "criteria": criteria.as_json()},
        )
    if len(chosen) > MAX_LISTED:
        raise ServiceError(
            "invalid",
            _("A campaign calls back at most %(n)s carriers; narrow the choice.")
            % {"n": MAX_LISTED},
            {"field": "carriers", "max": MAX_LISTED},
        )
    return chosen


@transaction.atomic
def campaign_open(
    *, principal: Principal, title: str, deadline: datetime, criteria: Criteria
) -> Campaign:
    """Open a campaign over the carriers ``criteria`` names that are out with a person.

    1. Only the committee opens one; the deadline lies ahead.
    2. Lock the chosen carriers (id order) and list each with its holder (custodian).
    3. Write the holders' notices in the same transaction (the outbox), so a committed
       campaign is always announced.
    """
    require_role(principal, "committee")
    opener = principal.person
    if opener is None:  # a role is a person's: a device never gets this far
        raise ServiceError("forbidden", _("A person opens a campaign."), {})
    now = timezone.now()
    if not title.strip():
        raise ServiceError("invalid", _("Give the campaign a title."), {"field": "title"})
    if deadline <= now:
        raise ServiceError(
            "invalid", _("The deadline must lie in the future."), {"field": "deadline"}
        )
    chosen = _chosen(criteria)
    campaign = Campaign.objects.create(
        title=title.strip(),
        deadline=deadline,
        opened_by=opener,
        opened_at=now,
        criteria=criteria.as_json(),
    )
    CampaignCarrier.objects.bulk_create(
        [
            CampaignCarrier(campaign=campaign, carrier_id=c.id, holder_id=c.custodian_id)
            for c in chosen
        ],
        batch_size=1000,
    )
    holders_notify(campaign=campaign, now=now)
    return campaign


@transaction.atomic
def campaign_close(*, principal: Principal, campaign_id: int) -> Campaign:
    """The committee ends a campaign. Rows still out stay listed as not returned (their
    overdue cases stay open until the carrier comes back); the campaign no longer holds
    its holders back from leaving."""
    require_role(principal, "committee")
    campaign = Campaign.objects.select_for_update().filter(id=campaign_id).first()
    if campaign is None:
        raise ServiceError("not_found", _("There is no campaign %(id)s.") % {"id": campaign_id}, {})
    if campaign.status == CampaignStatus.CLOSED:
        raise ServiceError(
            "invalid_transition",
            _("This campaign is closed already."),
            {"status": campaign.status},
        )
    campaign.status = CampaignStatus.CLOSED
    campaign.closed_at = timezone.now()
    campaign.closed_by = principal.person
    campaign.save(update_fields=["status", "closed_at", "closed_by"])
    return campaign
