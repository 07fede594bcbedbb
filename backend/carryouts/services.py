"""Requesting and deciding a carry-out (外出携带).

A request names the carriers, purpose, destination, dates and the people carrying them
(a device's installed storage media go with it: the request shows them, implied);
an approver who is not the requester approves or rejects it. The exit and return scans
that use an approved request are checked in scans.py (custody's ``scan_check`` hook).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backend.carryouts.models import CarryOut, CarryOutCarrier, CarryOutStatus
from backend.carryouts.rules import Bearer, highest_level, needs_two_people, uncleared
from backend.custody.lifecycle import Action
from backend.custody.services import ScanIn, ScanResult, scans_ingest
from backend.errors import ServiceError
from backend.printing.selectors import carrier_code_for_label
from backend.registry.media import Medium
from backend.registry.models import Carrier, Person
from backend.registry.principals import Principal, require_role
from backend.registry.selectors import code_or_error, person_by_code
from labels.codes import Kind

DECISIONS = {"approve": CarryOutStatus.APPROVED, "reject": CarryOutStatus.REJECTED}
# A carrier in one of these states cannot leave the unit at all; a request for it is
# refused at once rather than at the exit scan.
_GONE = frozenset({"destroyed", "lost", "draft", "referred"})
_APPROVER_MESSAGE = gettext_lazy("Only an approver decides a carry-out request.")


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.CUSTOS_TIME_ZONE)


def _bearer(person: Person, today: date) -> Bearer:
    return Bearer(person.code, person.is_active_on(today), person.clearance)


def _carriers(codes: list[str]) -> list[Carrier]:
    wanted = list(dict.fromkeys(code_or_error(c, Kind.CARRIER, "carriers") for c in codes))
    found = {c.code: c for c in Carrier.objects.filter(code__in=wanted).prefetch_related("scope")}
    missing = [c for c in wanted if c not in found]
    if missing:
        raise ServiceError(
            "unknown_code",
            _("No carrier has the code %(code)s.") % {"code": missing[0]},
            {"code": missing[0]},
        )
    gone = [c for c in wanted if found[c].status in _GONE]
    if gone:
        raise ServiceError(
            "invalid_transition",
            _("Carrier %(code)s cannot be carried out: it is %(status)s.")
            % {"code": gone[0], "status": found[gone[0]].get_status_display()},
            {"code": gone[0], "status": found[gone[0]].status},
        )
    return [found[c] for c in wanted]


@dataclass(frozen=True, slots=True)
class _Line:
    """One carrier on a request: named, or implied by the device it is installed in."""

    carrier: Carrier
    with_host: Carrier | None = None
    implied: bool = False


def _with_media(found: list[Carrier]) -> list[_Line]:
    """What leaves with the named carriers: each, followed by the storage media installed in
    it — they go out and come back with their device (custody.lifecycle.FOLLOWED), so the
    request covers them without naming them, and shows them (携带外出审批表 lists
    everything that leaves). A named medium installed in a device the request does not name
    is refused: it leaves only with its device (docs/media.md). One query."""
    named = {c.id: c for c in found}
    media = (
        Medium.objects.filter(Q(host_id__in=named) | Q(carrier_id__in=named, host__isnull=False))
        .exclude(carrier__status__in=_GONE)  # lost or destroyed on its own: it stays
        .select_related("carrier", "host")
        .prefetch_related("carrier__scope")
        .order_by("carrier_id")
    )
    inside: dict[int, list[Carrier]] = {}
    for medium in media:
        host = medium.host
        assert host is not None  # noqa: S101 - filtered: installed, or in a named device
        if host.id not in named:
            raise ServiceError(
                "invalid_transition",
                _("%(code)s is installed in %(host)s and leaves only with it: name the device.")
                % {"code": medium.carrier.code, "host": host.code},
                {"reason": "installed", "code": medium.carrier.code, "host": host.code},
            )
        inside.setdefault(host.id, []).append(medium.carrier)
    hosted = {m.id for media_in in inside.values() for m in media_in}
    lines: list[_Line] = []
    for carrier in found:
        if carrier.id in hosted:
            continue  # listed under its device
        lines.append(_Line(carrier))
        lines.extend(
            _Line(m, with_host=carrier, implied=m.id not in named)
            for m in inside.get(carrier.id, ())
        )
    return lines


def _cleared(people: list[Person], carriers: list[Carrier], today: date) -> None:
    level = highest_level(c.level for c in carriers)
    short = uncleared([_bearer(p, today) for p in people], level)
    if short:
        raise ServiceError(
            "clearance_insufficient",
            _("%(person)s is not cleared to carry these carriers.") % {"person": short[0]},
            {"person": short[0], "level": level},
        )
    for carrier in carriers:
        scope = {p.code for p in carrier.scope.all()}
        outside = [p.code for p in people if scope and p.code not in scope]
        if outside:
            raise ServiceError(
                "outside_scope",
                _("%(person)s is outside the knowledge scope of %(code)s.")
                % {"person": outside[0], "code": carrier.code},
                {"person": outside[0], "carrier": carrier.code},
            )


@transaction.atomic
def carry_out_request(
    *,
    principal: Principal,
    carriers: list[str],
    purpose: str,
    destination: str,
    leaves_on: date,
    returns_on: date,
    people: list[str],
) -> CarryOut:
    """File a request.

    1. The carriers: the named ones and the storage media installed in them, which go
       along (``_with_media``).
    2. The requester is a person cleared for every one of them (CONTRACT.md: any person
       cleared for the carriers); so is every person carrying them, inside any scope.
    3. The dates are in order and not over yet.
    4. 绝密 among them: two distinct people at least (Reg Art. 29).
    """
    requester = principal.person
    if requester is None:
        raise ServiceError("forbidden", _("A carry-out is requested by a person, not a device."))
    if not carriers or not people:
        raise ServiceError(
            "invalid", _("Name the carriers and the people carrying them."), {"field": "carriers"}
        )
    if not purpose.strip() or not destination.strip():
        raise ServiceError(
            "invalid", _("State the purpose and the destination."), {"field": "purpose"}
        )
    today = timezone.now().astimezone(_zone()).date()
    if returns_on < leaves_on or returns_on < today:
        raise ServiceError(
            "invalid",
            _("The return date must not come before the leaving date or today."),
            {"field": "returns_on"},
        )
    lines = _with_media(_carriers(carriers))
    found = [line.carrier for line in lines]
    bearers = list(dict.fromkeys(person_by_code(p, "people") for p in people))
    _cleared([requester], found, today)
    _cleared(bearers, found, today)
    if needs_two_people(c.level for c in found) and len(bearers) < 2:
        raise ServiceError(
            "invalid",
            _("A top-secret carrier is carried out by two people or more."),
            {"reason": "two_people_required", "field": "people"},
        )
    request = CarryOut.objects.create(
        requester=requester,
        purpose=purpose.strip(),
        destination=destination.strip(),
        leaves_on=leaves_on,
        returns_on=returns_on,
        requested_at=timezone.now(),
    )
    CarryOutCarrier.objects.bulk_create(
        [
            CarryOutCarrier(
                carry_out=request,
                carrier=line.carrier,
                with_host=line.with_host,
                implied=line.implied,
            )
            for line in lines
        ]
    )
    request.people.set(bearers)
    return request


@transaction.atomic
def carry_out_decide(
    *, principal: Principal, carry_out_id: int, decision: str, opinion: str
) -> CarryOut:
    """An approver who is not the requester approves or rejects a pending request."""
    require_role(principal, "approver", message=_APPROVER_MESSAGE)
    approver = principal.person
    assert approver is not None  # noqa: S101 - require_role implies a person
    request = CarryOut.objects.select_for_update().filter(id=carry_out_id).first()
    if request is None:
        raise ServiceError(
            "not_found", _("There is no carry-out request %(id)s.") % {"id": carry_out_id}
        )
    status = DECISIONS.get(decision)
    if status is None:
        raise ServiceError("invalid", _("Decide approve or reject."), {"field": "decision"})
    if request.requester_id == approver.id:
        raise ServiceError(
            "forbidden",
            _("The requester cannot decide their own carry-out request."),
            {"reason": "approver_is_requester"},
        )
    if request.status != CarryOutStatus.REQUESTED:
        raise ServiceError(
            "invalid_transition",
            _("This request is decided already."),
            {"status": request.status},
        )
    if status == CarryOutStatus.APPROVED:
        items = CarryOutCarrier.objects.filter(carry_out=request).select_related("carrier")
        carriers = [item.carrier for item in items]
        today = timezone.now().astimezone(_zone()).date()
        _cleared_to_decide(approver, carriers, today)
    request.status = status
    request.decided_by = approver
    request.opinion = opinion.strip()[:500]
    request.decided_at = timezone.now()
    request.save(update_fields=["status", "decided_by", "opinion", "decided_at"])
    return request


def _cleared_to_decide(approver: Person, carriers: list[Carrier], today: date) -> None:
    level = highest_level(c.level for c in carriers)
    if uncleared([_bearer(approver, today)], level):
        raise ServiceError(
            "clearance_insufficient",
            _("%(person)s is not cleared to approve carrying these carriers out.")
            % {"person": approver.code},
            {"person": approver.code, "level": level},
        )


def carry_out_desk_scan(
    *, principal: Principal, carry_out_id: int, code: str, scan_id: uuid.UUID
) -> ScanResult:
    """One carrier scanned at the exit-and-return desk of a request: a carrier of the
    request that is out comes back in (``carry_in``); any other goes out (``carry_out``,
    which the scan check refuses unless the request allows it). One scan through ingest,
    as ``POST /scans`` records it."""
    text = code.strip().upper()
    try:
        named = carrier_code_for_label(text)  # a reprinted label names its carrier
    except ServiceError:
        named = text  # a voided label: ingest refuses it with its own words
    out = CarryOutCarrier.objects.filter(
        carry_out_id=carry_out_id,
        carrier__code=named,
        out_at__isnull=False,
        in_at__isnull=True,
    ).exists()
    scan = ScanIn(
        id=scan_id,
        action=Action.CARRY_IN if out else Action.CARRY_OUT,
        carrier=text,
        carry_out=carry_out_id,
    )
    (result,) = scans_ingest(scans=[scan], principal=principal)
    return result


def carry_outs_lapse(*, now: datetime) -> int:
    """Mark ``closed`` the approved requests whose last day has passed with nothing carried
    out, so the register shows them ended, not still approved; how many. A scan made within
    their dates that arrives late (an offline desk's spool) still records (scans._USABLE),
    and the request is then ``out`` like any other."""
    today = timezone.localtime(now, _zone()).date()
    return CarryOut.objects.filter(status=CarryOutStatus.APPROVED, returns_on__lt=today).update(
        status=CarryOutStatus.CLOSED
    )


def sweep_due(sender: Any, *, now: datetime, **_: Any) -> int:
    """Receiver of the kernel's ``sweep_due``: lapsed requests are closed; no case opens."""
    carry_outs_lapse(now=now)
    return 0
