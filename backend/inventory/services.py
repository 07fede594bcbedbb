"""Opening and closing stocktakes (清查) and reconciling them against the ledger.

A stocktake snapshots the carriers the ledger places at a location; ``inventory`` scans
carrying the stocktake's id are the sightings; closing reconciles the two: missing
carriers raise ``inventory_missing``, carriers found that the ledger places elsewhere
raise ``custody_mismatch`` (the ingest raises it already for a sighting away from the
ledger's location; ``alert_raise`` returns the open case rather than a second one).
"""

from __future__ import annotations

import uuid

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backend.custody.services import ScanIn, ScanResult, scans_ingest
from backend.errors import ServiceError
from backend.hooks import condition_raised, send_required
from backend.inventory.models import Stocktake
from backend.inventory.reminders import inventory_reminder_resolve
from backend.inventory.selectors import stocktake_sightings
from backend.registry.models import Carrier, Location, Status
from backend.registry.principals import Principal, require_role

# Where a carrier sits when the ledger says it is at its location (not out with a person,
# in transit or at repair, and not gone).
AT_LOCATION = (Status.REGISTERED, Status.IN_STORAGE, Status.REFERRED, Status.PENDING_DESTRUCTION)
ROLES = ("clerk", "committee")


_ROLES_MESSAGE = gettext_lazy("Only a clerk or the committee runs a stocktake.")


@transaction.atomic
def stocktake_open(*, principal: Principal, location: Location) -> Stocktake:
    require_role(principal, *ROLES, message=_ROLES_MESSAGE)
    assert principal.person is not None  # noqa: S101 - require_role implies a person
    if Stocktake.objects.filter(location=location, closed_at__isnull=True).exists():
        raise ServiceError(
            "conflict",
            _("A stocktake of this location is open already."),
            {"location": location.code},
        )
    expected = sorted(
        Carrier.objects.filter(location=location, status__in=AT_LOCATION).values_list(
            "code", flat=True
        )
    )
    return Stocktake.objects.create(
        location=location, opened_by=principal.person, opened_at=timezone.now(), expected=expected
    )


@transaction.atomic
def stocktake_close(*, principal: Principal, stocktake_id: int) -> Stocktake:
    """Close and reconcile.

    1. Lock the stocktake; a closed one is refused (the result is final).
    2. Found: every carrier with an ``inventory`` event naming this stocktake, recorded
       before now. Scans naming it after the close are not counted.
    3. Missing = expected − found, each an ``inventory_missing`` case; unexpected = found −
       expected, each a ``custody_mismatch`` case.
    """
    require_role(principal, *ROLES, message=_ROLES_MESSAGE)
    take = Stocktake.objects.select_for_update().filter(id=stocktake_id).first()
    if take is None:
        raise ServiceError("not_found", _("There is no stocktake %(id)s.") % {"id": stocktake_id})
    if take.closed_at is not None:
        raise ServiceError(
            "invalid_transition",
            _("This stocktake is closed already."),
            {"closed_at": take.closed_at.isoformat()},
        )
    now = timezone.now()
    found = stocktake_sightings(take, until=now)
    expected = set(take.expected)
    take.found = sorted(found)
    take.missing = sorted(expected - found)
    take.unexpected = sorted(found - expected)
    take.closed_by, take.closed_at = principal.person, now
    take.save()
    # The location's annual stocktake is done: its reminder (if one is open) is answered.
    inventory_reminder_resolve(stocktake=take)
    carriers = {c.code: c for c in Carrier.objects.filter(code__in=take.missing + take.unexpected)}
    # The cases go to the committee through the alerts app (backend/hooks.py).
    for code in take.missing:
        send_required(
            condition_raised,
            kind="inventory_missing",
            carrier=carriers[code],
            opened_at=now,
            details={"stocktake": take.id, "location": take.location.code},
        )
    for code in take.unexpected:
        send_required(
            condition_raised,
            kind="custody_mismatch",
            carrier=carriers[code],
            opened_at=now,
            details={
                "stocktake": take.id,
                "reason": f"Found in the stocktake of {take.location.code}, not expected there.",
            },
        )
    return take


def stocktake_scan(
    *, principal: Principal, stocktake_id: int, code: str, scan_id: uuid.UUID
) -> ScanResult:
    """One sighting in stocktake ``stocktake_id`` (the stocktake page's scanner input).

    The page's scan is what the API's would be — an ``inventory`` scan at the stocktake's
    location naming the stocktake — through the ledger's own ingest, so every check (a
    closed stocktake, a destroyed carrier, the role) and every alert is the API's. The
    page chooses ``scan_id`` when the code is scanned: a resent scan is a ``duplicate``.
    """
    take = Stocktake.objects.select_related("location").filter(id=stocktake_id).first()
    if take is None:
        raise ServiceError("not_found", _("There is no stocktake %(id)s.") % {"id": stocktake_id})
    (result,) = scans_ingest(
        principal=principal,
        scans=[
            ScanIn(
                id=scan_id,
                action="inventory",
                carrier=code,
                location=take.location.code,
                inventory=take.id,
            )
        ],
    )
    return result
