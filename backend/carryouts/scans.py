"""The carry-out's rule for the exit and return scans. Custody asks it before locking any
carrier (hooks ``scan_check`` and ``scan_due``) and tells it what was recorded (hook
``event_appended``), all subscribed in :class:`backend.carryouts.apps.CarryOutsConfig`.

- ``carry_out`` needs an approved request naming the carrier, scanned on one of its days;
  else ``not_approved`` (CONTRACT.md). It is due back at the end of ``returns_on``.
- ``carry_in`` names the request the carrier went out on.
- A device's storage media go out and come back with it (custody.lifecycle.FOLLOWED): the
  request shows them (filed with it, services.py), and a device holding a medium its
  request does not show is refused (``not_on_request`` naming the medium).
- The recorded scans stamp the request's rows, the media's among them; when every carrier
  that went out is back the request is ``returned``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.carryouts.models import CarryOut, CarryOutCarrier, CarryOutStatus
from backend.carryouts.rules import end_of_day, within_dates
from backend.custody.lifecycle import Action, is_allowed
from backend.custody.models import CustodyEvent
from backend.errors import ServiceError
from backend.printing.selectors import carrier_code_for_label
from backend.registry.media import Medium
from backend.registry.states import State

# (index in the batch, the scan, its checked codes) as custody passes them.
Checked = list[tuple[int, Any, dict[str, str | None]]]

_ACTIONS = frozenset({Action.CARRY_OUT, Action.CARRY_IN})
# The request states an exit scan may use: approved, out with some carriers already, or
# closed because its dates passed with nothing recorded out (services.carry_outs_lapse):
# an offline desk's scan made within the dates may arrive after that, and it must record.
# The dates themselves are checked against the scan's own time either way.
_USABLE = frozenset({CarryOutStatus.APPROVED, CarryOutStatus.OUT, CarryOutStatus.CLOSED})


def _naming(checked: Checked) -> Checked:
    return [c for c in checked if c[1].action in _ACTIONS or c[1].carry_out is not None]


def _requests(naming: Checked) -> dict[int, tuple[CarryOut, dict[str, CarryOutCarrier]]]:
    ids = {scan.carry_out for _, scan, _ in naming if scan.carry_out is not None}
    if not ids:
        return {}
    found: dict[int, tuple[CarryOut, dict[str, CarryOutCarrier]]] = {
        r.id: (r, {}) for r in CarryOut.objects.filter(id__in=ids)
    }
    for item in CarryOutCarrier.objects.filter(carry_out_id__in=ids).select_related("carrier"):
        found[item.carry_out_id][1][item.carrier.code] = item
    return found


def _named(code: str, items: dict[str, CarryOutCarrier]) -> str:
    """The request's name for a scanned code: itself, or the carrier a reprinted label
    stands for. Ingest may resolve label codes only under its lock (PostgreSQL folds the
    lookup into the lock query), after this check, so the check resolves the few codes
    that are not already on the request itself; a voided label raises ``voided_label``."""
    return code if code in items else carrier_code_for_label(code)


def _not_approved(message: str, **details: Any) -> ServiceError:
    return ServiceError("not_approved", message, details)


def _exit_refusal(
    scan: Any,
    carrier: str,
    entry: tuple[CarryOut, dict[str, CarryOutCarrier]] | None,
    zone: ZoneInfo,
) -> ServiceError | str:
    """Why a ``carry_out`` is refused, or the code its request names the carrier by."""
    if entry is None:
        return _not_approved(
            _("Carrying out needs an approved carry-out request."), reason="no_request"
        )
    request, items = entry
    if request.status not in _USABLE:
        return _not_approved(
            _("Carry-out request %(id)s is not approved (%(status)s).")
            % {"id": request.id, "status": request.get_status_display()},
            reason="not_approved",
            carry_out=request.id,
            status=request.status,
        )
    try:
        carrier = _named(carrier, items)
    except ServiceError as exc:
        return exc
    if carrier not in items:
        return _not_approved(
            _("Carry-out request %(id)s does not name %(code)s.")
            % {"id": request.id, "code": carrier},
            reason="not_on_request",
            carry_out=request.id,
        )
    moment = scan.occurred_at or timezone.now()
    if not within_dates(moment, zone, leaves_on=request.leaves_on, returns_on=request.returns_on):
        return _not_approved(
            _("Carry-out request %(id)s allows %(start)s to %(end)s only.")
            % {"id": request.id, "start": request.leaves_on, "end": request.returns_on},
            reason="outside_dates",
            carry_out=request.id,
        )
    return carrier


def carry_out_refusal(
    scan: Any,
    carrier: str,
    found: dict[int, tuple[CarryOut, dict[str, CarryOutCarrier]]],
    zone: ZoneInfo,
) -> ServiceError | None:
    """Why one scan naming a carry-out (or needing one) is refused, or None."""
    if scan.action not in _ACTIONS:
        return ServiceError(
            "invalid",
            _("Only carry_out and carry_in scans name a carry-out."),
            {"field": "carry_out"},
        )
    entry = found.get(scan.carry_out) if scan.carry_out is not None else None
    if scan.action == Action.CARRY_OUT:
        exit_ = _exit_refusal(scan, carrier, entry, zone)
        return exit_ if isinstance(exit_, ServiceError) else None
    if entry is None:
        return ServiceError(
            "invalid",
            _("A carry_in names the carry-out request the carrier went out on."),
            {"field": "carry_out"},
        )
    try:
        carrier = _named(carrier, entry[1])
    except ServiceError as exc:
        return exc
    if carrier not in entry[1]:
        return ServiceError(
            "invalid_transition",
            _("Carry-out request %(id)s does not name %(code)s.")
            % {"id": entry[0].id, "code": carrier},
            {"reason": "not_on_request", "carry_out": entry[0].id},
        )
    return None


def _media_off_the_request(
    exits: dict[int, tuple[str, CarryOut, dict[str, CarryOutCarrier]]],
) -> dict[int, ServiceError]:
    """The exits of devices holding a storage medium their request does not show (installed
    after it was filed): refused, naming the medium, since it would leave with the device
    (custody.lifecycle.FOLLOWED) unapproved. One query for the batch's exits."""
    if not exits:
        return {}
    inside: dict[str, list[str]] = {}
    rows = Medium.objects.filter(host__code__in={code for code, _, _ in exits.values()})
    for medium, host, status in rows.values_list("carrier__code", "host__code", "carrier__status"):
        if is_allowed(State(status), Action.CARRY_OUT):  # one lost on its own stays
            inside.setdefault(host, []).append(medium)
    refused: dict[int, ServiceError] = {}
    for index, (code, request, items) in exits.items():
        missing = sorted(m for m in inside.get(code, ()) if m not in items)
        if missing:
            refused[index] = _not_approved(
                _("Carry-out request %(id)s does not show %(code)s, installed in %(host)s.")
                % {"id": request.id, "code": missing[0], "host": code},
                reason="not_on_request",
                carry_out=request.id,
                carrier=missing[0],
                with_host=code,
            )
    return refused


def carry_out_scans_check(checked: Checked) -> dict[int, ServiceError]:
    """The refusals, by batch index (two queries for the batch, none when no scan is a
    carry-out's; one more when a scan carries a carrier out, for the media inside it)."""
    naming = _naming(checked)
    if not naming:
        return {}
    found = _requests(naming)
    zone = ZoneInfo(settings.CUSTOS_TIME_ZONE)
    refused: dict[int, ServiceError] = {}
    exits: dict[int, tuple[str, CarryOut, dict[str, CarryOutCarrier]]] = {}
    for index, scan, codes in naming:
        carrier = codes["carrier"] or ""
        if scan.action == Action.CARRY_OUT and scan.carry_out is not None:
            entry = found.get(scan.carry_out)
            exit_ = _exit_refusal(scan, carrier, entry, zone)
            if isinstance(exit_, ServiceError):
                refused[index] = exit_
            elif entry is not None:
                exits[index] = (exit_, *entry)
            continue
        error = carry_out_refusal(scan, carrier, found, zone)
        if error is not None:
            refused[index] = error
    refused.update(_media_off_the_request(exits))
    return refused


def carry_out_scans_due(checked: Checked) -> dict[int, datetime]:
    """Each exit scan is due back at the end of its request's last day."""
    ids = {s.carry_out for _, s, _ in checked if s.action == Action.CARRY_OUT and s.carry_out}
    if not ids:
        return {}
    returns_on = dict(CarryOut.objects.filter(id__in=ids).values_list("id", "returns_on"))
    zone = ZoneInfo(settings.CUSTOS_TIME_ZONE)
    return {
        index: end_of_day(returns_on[scan.carry_out], zone)
        for index, scan, _ in checked
        if scan.action == Action.CARRY_OUT and scan.carry_out in returns_on
    }


def carry_out_events_follow(events: Sequence[CustodyEvent]) -> None:
    """Stamp each recorded exit and return on its request's row; a request with every
    carrier that went out back in is ``returned`` (in the appending transaction)."""
    moves = [e for e in events if e.action in _ACTIONS and e.payload.get("carry_out")]
    if not moves:
        return
    touched: set[int] = set()
    scanned = {e.carrier.code: e.carrier_id for e in moves}
    for event in moves:
        request_id = int(event.payload["carry_out"])
        stamp = {"out_at" if event.action == Action.CARRY_OUT else "in_at": event.occurred_at}
        if event.action == Action.CARRY_OUT:
            stamp["in_at"] = None  # type: ignore[assignment]  # out again: not back yet
        stamped = CarryOutCarrier.objects.filter(
            carry_out_id=request_id, carrier_id=event.carrier_id
        ).update(**stamp)
        host = event.payload.get("with_host")
        if not stamped and host in scanned and event.action == Action.CARRY_OUT:
            # Installed between the exit's check and its lock (the check runs before it): the
            # medium left with its device all the same, so its request records it and
            # counts it back in.
            CarryOutCarrier.objects.create(
                carry_out_id=request_id,
                carrier_id=event.carrier_id,
                with_host_id=scanned[host],
                implied=True,
                out_at=event.occurred_at,
            )
        touched.add(request_id)
    for request_id in touched:
        items = CarryOutCarrier.objects.filter(carry_out_id=request_id)
        still_out = items.filter(out_at__isnull=False, in_at__isnull=True).exists()
        status = CarryOutStatus.OUT if still_out else CarryOutStatus.RETURNED
        CarryOut.objects.filter(id=request_id).filter(
            Q(status__in=_USABLE) | Q(status=CarryOutStatus.RETURNED)
        ).update(status=status)
