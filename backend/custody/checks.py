"""The checks a scan passes before and while ingest judges it: its codes, the caller's
right to name its actor and place, the unit's deadline policy, and the views of people
and carriers the lifecycle table judges."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import OperationalError
from django.utils import timezone

from backend.custody.deadlines import Policy
from backend.custody.lifecycle import Action, CarrierView, PersonView, State, device_may
from backend.custody.models import ScanRefusal
from backend.custody.scans import ScanIn
from backend.errors import ServiceError
from backend.registry.models import Carrier, Person
from backend.registry.principals import Principal
from labels.codes import CodeError, Kind, parse


def policy() -> Policy:
    hours, minutes = (int(x) for x in settings.CUSTOS_CLOSE_OF_BUSINESS.split(":"))
    return Policy(
        zone=ZoneInfo(settings.CUSTOS_TIME_ZONE),
        close_of_business=time(hours, minutes),
        transit=timedelta(hours=settings.CUSTOS_TRANSIT_HOURS),
        repair=timedelta(days=settings.CUSTOS_REPAIR_DAYS),
        destruction=timedelta(days=settings.CUSTOS_DESTRUCTION_DAYS),
        loss_report=timedelta(hours=settings.CUSTOS_LOSS_REPORT_HOURS),
    )


def code_of(raw: str | None, kind: Kind, what: str) -> str | None:
    """The canonical text of a scanned code, None if blank; ``invalid_code``-style errors
    name the field."""
    if raw is None or raw.strip() == "":
        return None
    try:
        return parse(raw, kind=kind).text
    except CodeError as exc:
        raise ServiceError(exc.reason, f"{what}: {exc.message}", {"field": what}) from None


def scan_check(scan: ScanIn, principal: Principal) -> dict[str, str | None]:
    """A scan on its own, before any lookup: its action and codes, and what the caller may
    say. Returns the codes it names (the actor filled in from a person's token, the place
    from a device's)."""
    try:
        Action(scan.action)
    except ValueError:
        raise ServiceError(
            "invalid", f"Unknown action {scan.action!r}.", {"field": "action"}
        ) from None
    codes = {
        "carrier": code_of(scan.carrier, Kind.CARRIER, "carrier"),
        "actor": code_of(scan.actor, Kind.PERSON, "actor"),
        "counterpart": code_of(scan.counterpart, Kind.PERSON, "counterpart"),
        "escort": code_of(scan.escort, Kind.PERSON, "escort"),
        "location": code_of(scan.location, Kind.LOCATION, "location"),
    }
    if codes["carrier"] is None:
        raise ServiceError("invalid", "A scan names its carrier.", {"field": "carrier"})
    # install_storage's device: checked here, locked with the carrier (ingest._lock); a
    # reprinted device label is resolved with the carrier's (the code resolver).
    codes["host"] = code_of(scan.host, Kind.CARRIER, "host")
    if principal.person is not None:
        if codes["actor"] not in (None, principal.person.code):
            raise ServiceError(
                "forbidden", "With a person's token the actor is that person.", {"field": "actor"}
            )
        codes["actor"] = principal.person.code
    elif principal.device is not None:
        own = principal.device.location.code
        if codes["actor"] is None:
            raise ServiceError("invalid", "Scan the actor's badge.", {"field": "actor"})
        if codes["location"] not in (None, own):
            raise ServiceError(
                "forbidden", f"This device records scans at {own} only.", {"field": "location"}
            )
        codes["location"] = own
        # Only the actions its place is for (a desk cannot record ``destroy``):
        # lifecycle/devices.py.
        refused = device_may(
            location_kind=principal.device.location.kind, action=Action(scan.action)
        )
        if refused is not None:
            raise ServiceError(refused.code, refused.message, dict(refused.details))
    else:
        raise ServiceError("forbidden", "Only people and scanner devices record scans.")
    occurred, due = scan.occurred_at, scan.due_at
    if occurred is not None and occurred.tzinfo is None:
        raise ServiceError("invalid", "occurred_at needs a UTC offset.", {"field": "occurred_at"})
    if due is not None and due.tzinfo is None:
        raise ServiceError("invalid", "due_at needs a UTC offset.", {"field": "due_at"})
    if occurred is not None and occurred > timezone.now() + timedelta(minutes=5):
        raise ServiceError(
            "invalid",
            "occurred_at lies in the future; check the desk's clock.",
            {"field": "occurred_at"},
        )
    return codes


def person_view(person: Person, today: date) -> PersonView:
    return PersonView(
        code=person.code,
        active=person.is_active_on(today),
        clearance=person.clearance,
        roles=frozenset(person.roles),
    )


def carrier_view(carrier: Carrier, scope: set[str]) -> CarrierView:
    # The *_code attributes are the lock query's annotations, kept current by the event
    # builder (backend/custody/events.py).
    return CarrierView(
        code=carrier.code,
        status=State(carrier.status),
        level=carrier.level,
        custodian=carrier.custodian_code,  # type: ignore[attr-defined]  # lock annotation
        location=carrier.location_code,  # type: ignore[attr-defined]  # lock annotation
        scope=frozenset(scope),
        destroy_requested_by=carrier.requester_code,  # type: ignore[attr-defined]  # lock annotation
        destroy_approved_by=carrier.approver_code,  # type: ignore[attr-defined]  # lock annotation
        witnesses=tuple(carrier.witnesses),
        host=getattr(carrier, "host_code", None),  # lock annotation
    )


def is_lock_timeout(exc: OperationalError) -> bool:
    return getattr(getattr(exc, "__cause__", None), "sqlstate", None) == "55P03" or (
        "database is locked" in str(exc)
    )


def conflict(message: str) -> ServiceError:
    return ServiceError("conflict", message)


def refusal_row(
    scan: ScanIn, principal: Principal, error: ServiceError, now: datetime
) -> ScanRefusal:
    return ScanRefusal(
        scan_id=scan.id,
        carrier_code=(scan.carrier or "")[:64],
        action=(scan.action or "")[:32],
        actor_code=(scan.actor or "")[:64],
        token_person=principal.person,
        device=principal.device,
        reason=error.code,
        message=error.message,
        received_at=now,
        body={
            k: v
            for k, v in {
                "counterpart": scan.counterpart,
                "location": scan.location,
                "note": scan.note,
            }.items()
            if v
        },
    )
