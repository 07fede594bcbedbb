"""Writes to the ledger: opening a chain, ingesting scans, daily checkpoints.

Ingest is set-based: a batch locks all its carriers in one ordered ``SELECT … FOR UPDATE``,
judges every scan in input order against the state as the batch itself changes it, and
writes the events with one bulk insert. The lock order (by primary key) means two batches
touching the same carriers queue rather than deadlock; the chain never forks because a
carrier's next ``seq`` is only ever read under its row lock.
"""

from __future__ import annotations

import dataclasses
import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone

from backend.alerts.services import alert_raise
from backend.core.rows import from_rows
from backend.custody import chain, hotpath
from backend.custody.deadlines import Policy, next_due
from backend.custody.lifecycle import (
    Action,
    CarrierView,
    Move,
    PersonView,
    Refusal,
    State,
    Transition,
    decide,
    device_may,
)
from backend.custody.models import CustodyEvent, ScanRefusal
from backend.errors import ServiceError
from backend.registry.models import Carrier, Location, Person
from backend.registry.principals import Principal
from labels.codes import CodeError, Kind, parse

log = logging.getLogger(__name__)

MAX_BATCH = 1000


@dataclass(frozen=True, slots=True)
class ScanIn:
    id: uuid.UUID
    action: str
    carrier: str
    actor: str | None = None
    counterpart: str | None = None
    escort: str | None = None
    location: str | None = None
    occurred_at: datetime | None = None
    due_at: datetime | None = None
    note: str | None = None
    expected_seq: int | None = None
    inventory: int | None = None


@dataclass(slots=True)
class ScanResult:
    id: uuid.UUID
    status: Literal["recorded", "duplicate", "rejected"]
    error: ServiceError | None = None
    event: CustodyEvent | None = None


@dataclass(slots=True)
class _Item:
    """A scan whose codes are valid and whose people and places are known."""

    index: int
    scan: ScanIn
    action: Action
    actor: Person
    counterpart: Person | None
    escort: Person | None
    location: Location | None
    payload: dict[str, Any] = field(default_factory=dict)


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


def _code(raw: str | None, kind: Kind, what: str) -> str | None:
    if raw is None or raw.strip() == "":
        return None
    try:
        return parse(raw, kind=kind).text
    except CodeError as exc:
        raise ServiceError(exc.reason, f"{what}: {exc.message}", {"field": what}) from None


def _person_view(person: Person, today: Any) -> PersonView:
    return PersonView(
        code=person.code,
        active=person.is_active_on(today),
        clearance=person.clearance,
        roles=frozenset(person.roles),
    )


# --- opening a chain ------------------------------------------------------------------


def ledger_append(
    *,
    carrier: Carrier,
    actor: Person,
    action: str,
    payload: dict[str, Any],
    now: datetime | None = None,
    counterpart: Person | None = None,
    location: Location | None = None,
    due_at: datetime | None = None,
) -> CustodyEvent:
    """Append one event that no scanner sent (registration, a 定密 step, a printed label)
    to ``carrier``'s chain and move its head; the caller holds the carrier's row lock.

    Scans go through :func:`scans_ingest`; everything else that belongs in the ledger comes
    here, so there is one way to extend a chain and ``custos verify`` checks it all alike.
    """
    now = now or timezone.now()
    seq = carrier.seq + 1
    event_id = uuid.uuid4()
    fields = chain.event_fields(
        id=str(event_id),
        carrier=carrier.code,
        seq=seq,
        action=action,
        actor=actor.code,
        counterpart=counterpart.code if counterpart else None,
        escort=None,
        location=location.code if location else None,
        device=None,
        occurred_at=now,
        recorded_at=now,
        due_at=due_at,
        late=False,
        payload=payload,
    )
    event = CustodyEvent(
        id=event_id,
        carrier=carrier,
        seq=seq,
        action=action,
        actor=actor,
        counterpart=counterpart,
        location=location,
        occurred_at=now,
        recorded_at=now,
        due_at=due_at,
        payload=payload,
        prev_hash=carrier.head_hash,
        hash=chain.link(carrier.head_hash, fields),
    )
    event.save()
    carrier.seq, carrier.head_hash = seq, event.hash
    if carrier.last_occurred_at is None or now > carrier.last_occurred_at:
        carrier.last_occurred_at = now
    carrier.save(update_fields=["seq", "head_hash", "last_occurred_at", "updated_at"])
    return event


def ledger_open(*, carrier: Carrier, actor: Person) -> CustodyEvent:
    """Append the ``register`` event (seq 1) of a newly created carrier."""
    return ledger_append(
        carrier=carrier,
        actor=actor,
        action="register",
        payload={"level": carrier.level, "marking": carrier.marking},
        counterpart=carrier.custodian,
        location=carrier.location,
    )


# --- ingest ---------------------------------------------------------------------------


def scans_ingest(*, scans: list[ScanIn], principal: Principal) -> list[ScanResult]:
    """Record a batch of scans; one result per scan, in input order.

    1. Check each scan on its own: codes and check characters, the caller's right to name
       that actor and location. Failures are rejected here, before any lock.
    2. Resolve every person and location the batch names, one query each.
    3. In one transaction: lock the batch's carriers, find ids already recorded, judge
       and append in input order, bulk-insert, update the carrier rows.
    4. If the fast path hits a unique violation (the same id raced in on another
       carrier), redo the batch one scan per transaction so the others still land.
    5. Log every refusal.
    """
    if not 1 <= len(scans) <= MAX_BATCH:
        raise ServiceError(
            "invalid", f"Send between 1 and {MAX_BATCH} scans.", {"count": len(scans)}
        )
    now = timezone.now()
    results: list[ScanResult | None] = [None] * len(scans)
    refusals: list[ScanRefusal] = []

    def reject(index: int, error: ServiceError) -> None:
        scan = scans[index]
        results[index] = ScanResult(id=scan.id, status="rejected", error=error)
        refusals.append(_refusal_row(scan, principal, error, now))

    checked: list[tuple[int, ScanIn, dict[str, str | None]]] = []
    for index, scan in enumerate(scans):
        try:
            checked.append((index, scan, _check(scan, principal)))
        except ServiceError as exc:
            reject(index, exc)

    named = {
        c for _, _, codes in checked for k in ("actor", "counterpart", "escort") if (c := codes[k])
    }
    own = principal.person
    named -= {own.code} if own else set()
    spots = {codes["location"] for _, _, codes in checked if codes["location"]}
    # A reprinted label's code names its carrier; a voided label is refused (DESIGN.md).
    from backend.printing import selectors as printing

    if principal.device is not None:
        own_place = principal.device.location  # read with the token
        spots.discard(own_place.code)
    # Few scans on PostgreSQL: labels are resolved under the locks, their lookup riding
    # with the lock query (_ingest_locked). A big batch resolves them first, in one query:
    # a lock query that also follows 500 label codes cost the server more than it saved.
    fold_labels = hotpath.pipelined() and len(checked) < hotpath.FEW
    if hotpath.pipelined():
        # PostgreSQL: people and places in one round trip (none if the token's person and
        # place are all the batch names).
        reads = [
            hotpath.by_codes_statement(model, wanted)
            for model, wanted in ((Person, named), (Location, spots))
            if wanted
        ]
        answers = hotpath.run_together(reads) if reads else []
        people = {p.code: p for p in (from_rows(Person, answers.pop(0)) if named else [])}
        places = {p.code: p for p in (from_rows(Location, answers.pop(0)) if spots else [])}
    else:
        people, places = hotpath.by_codes(Person, named), hotpath.by_codes(Location, spots)
    if not fold_labels:
        checked = printing.label_scans_resolve(checked=checked, reject=reject)
    if own is not None:
        people[own.code] = own  # already read with the token: one round trip fewer
    if principal.device is not None:
        places[own_place.code] = own_place
    items: list[_Item] = []
    stocktakes = _open_stocktakes({scan.inventory for _, scan, _ in checked if scan.inventory})
    for index, scan, codes in checked:
        missing = [
            codes[k]
            for k in ("actor", "counterpart", "escort")
            if codes[k] and codes[k] not in people
        ] + ([codes["location"]] if codes["location"] and codes["location"] not in places else [])
        if missing:
            reject(
                index,
                ServiceError("unknown_code", f"Unknown code {missing[0]}.", {"code": missing[0]}),
            )
            continue
        if scan.inventory is not None:
            refusal = _stocktake_refusal(scan, codes["location"], stocktakes)
            if refusal is not None:
                reject(index, refusal)
                continue
        items.append(
            _Item(
                index=index,
                scan=scan,
                action=Action(scan.action),
                actor=people[codes["actor"]],  # type: ignore[index]
                counterpart=people.get(codes["counterpart"] or ""),
                escort=people.get(codes["escort"] or ""),
                location=places.get(codes["location"] or ""),
            )
        )

    if items:
        try:
            with transaction.atomic():
                outcomes = _ingest_locked(items, principal, now, fold_labels=fold_labels)
        except IntegrityError:
            log.warning("batch ingest hit a unique violation; retrying scan by scan")
            outcomes = _ingest_one_by_one(items, principal, now, fold_labels=fold_labels)
        except OperationalError as exc:
            if not _is_lock_timeout(exc):
                raise
            outcomes = [
                (item.index, _conflict("Another desk holds this carrier; try again."))
                for item in items
            ]
        for index, outcome in outcomes:
            if isinstance(outcome, ServiceError):
                reject(index, outcome)
            else:
                results[index] = outcome

    if refusals:
        ScanRefusal.objects.bulk_create(refusals)
    return [r for r in results if r is not None]


def _check(scan: ScanIn, principal: Principal) -> dict[str, str | None]:
    try:
        Action(scan.action)
    except ValueError:
        raise ServiceError(
            "invalid", f"Unknown action {scan.action!r}.", {"field": "action"}
        ) from None
    codes = {
        "carrier": _code(scan.carrier, Kind.CARRIER, "carrier"),
        "actor": _code(scan.actor, Kind.PERSON, "actor"),
        "counterpart": _code(scan.counterpart, Kind.PERSON, "counterpart"),
        "escort": _code(scan.escort, Kind.PERSON, "escort"),
        "location": _code(scan.location, Kind.LOCATION, "location"),
    }
    if codes["carrier"] is None:
        raise ServiceError("invalid", "A scan names its carrier.", {"field": "carrier"})
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
        # Only the actions its place is for (a desk cannot record ``destroy``): lifecycle.py.
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


def _open_stocktakes(ids: set[int]) -> dict[int, str]:
    """The open stocktakes among ``ids``, with their location's code (one query, or none)."""
    if not ids:
        return {}
    from backend.inventory.models import Stocktake  # inventory builds on the ledger

    return dict(
        Stocktake.objects.filter(id__in=ids, closed_at__isnull=True).values_list(
            "id", "location__code"
        )
    )


def _stocktake_refusal(
    scan: ScanIn, location: str | None, stocktakes: dict[int, str]
) -> ServiceError | None:
    """A sighting for a stocktake counts only while it is open and at its location."""
    if scan.action != Action.INVENTORY:
        return ServiceError(
            "invalid", "Only inventory scans name a stocktake.", {"field": "inventory"}
        )
    where = stocktakes.get(scan.inventory or 0)
    if where is None:
        return ServiceError(
            "invalid_transition",
            f"Stocktake {scan.inventory} is not open. 该清查未开启或已结束。",
            {"reason": "stocktake_closed", "inventory": scan.inventory},
        )
    if location != where:
        return ServiceError(
            "invalid_transition",
            f"Stocktake {scan.inventory} counts {where}, not {location}. 清查地点不符。",
            {"reason": "stocktake_elsewhere", "inventory": scan.inventory},
        )
    return None


def _is_lock_timeout(exc: OperationalError) -> bool:
    return getattr(getattr(exc, "__cause__", None), "sqlstate", None) == "55P03" or (
        "database is locked" in str(exc)
    )


def _conflict(message: str) -> ServiceError:
    return ServiceError("conflict", message)


def _ingest_one_by_one(
    items: list[_Item], principal: Principal, now: datetime, *, fold_labels: bool
) -> list[tuple[int, ScanResult | ServiceError]]:
    outcomes: list[tuple[int, ScanResult | ServiceError]] = []
    for item in items:
        try:
            with transaction.atomic():
                outcomes.extend(_ingest_locked([item], principal, now, fold_labels=fold_labels))
        except IntegrityError:
            outcomes.append(
                (item.index, _conflict("This scan id is already used for another carrier."))
            )
        except OperationalError as exc:
            if not _is_lock_timeout(exc):
                raise
            outcomes.append((item.index, _conflict("Another desk holds this carrier; try again.")))
    return outcomes


def _ingest_locked(
    items: list[_Item], principal: Principal, now: datetime, *, fold_labels: bool = False
) -> list[tuple[int, ScanResult | ServiceError]]:
    """Lock, judge and append ``items`` in the caller's transaction. ``fold_labels``: their
    carrier codes may still be label codes, resolved here (PostgreSQL only)."""
    from backend.printing import selectors as printing  # printing builds on the ledger

    codes = {item.scan.carrier.strip().upper() for item in items}
    outcomes: list[tuple[int, ScanResult | ServiceError]] = []
    labels = None
    if fold_labels:
        # A reprinted label's code names its carrier; a voided label is refused (DESIGN.md).
        # On PostgreSQL the label lookup rides with the lock query, which also locks the
        # carriers the labels name.
        lookup = printing.label_lookup_statement([(0, None, {"carrier": code}) for code in codes])
        if lookup is not None:
            labels = (lookup, printing.label_carriers_sql(len(codes)))
    # The recorded ids are read after the locks: a concurrent request that recorded one of
    # these ids for the same carrier has committed by now, so its event is visible and we
    # answer duplicate. Only the ids first: duplicates are rare, and the full rows need a
    # six-way join.
    locked, seen, scopes, label_rows = hotpath.lock_and_find(
        codes,
        [item.scan.id for item in items],
        with_scope=any(item.action in _SCOPE_CHECKED for item in items),
        labels=labels,
    )
    if label_rows:
        items = _labels_resolved(items, label_rows, seen, outcomes)
    carriers = {c.code: c for c in locked}
    recorded: dict[uuid.UUID, CustodyEvent] = {}
    if seen:
        recorded = {
            e.id: e
            for e in CustodyEvent.objects.select_related(
                "carrier", "actor", "counterpart", "escort", "location", "device"
            ).filter(id__in=seen)
        }

    today = timezone.localdate()
    rules = policy()
    new_events: list[CustodyEvent] = []
    touched: dict[int, Carrier] = {}
    mismatches: list[tuple[Carrier, CustodyEvent, str]] = []
    for item in items:
        scan = item.scan
        if scan.id in recorded:
            outcomes.append(
                (item.index, ScanResult(id=scan.id, status="duplicate", event=recorded[scan.id]))
            )
            continue
        carrier = carriers.get(scan.carrier.strip().upper())
        if carrier is None:
            outcomes.append(
                (
                    item.index,
                    ServiceError(
                        "unknown_code",
                        f"Unknown carrier {scan.carrier.strip().upper()}.",
                        {"code": scan.carrier},
                    ),
                )
            )
            continue
        if scan.expected_seq is not None and scan.expected_seq != carrier.seq:
            outcomes.append(
                (
                    item.index,
                    _conflict(
                        f"The carrier moved on (seq {carrier.seq}, expected {scan.expected_seq})."
                    ),
                )
            )
            continue
        move = Move(
            action=item.action,
            actor=_person_view(item.actor, today),
            counterpart=_person_view(item.counterpart, today) if item.counterpart else None,
            escort=_person_view(item.escort, today) if item.escort else None,
            location=item.location.code if item.location else None,
        )
        decision = decide(_carrier_view(carrier, scopes.get(carrier.id, set())), move)
        if isinstance(decision, Refusal):
            outcomes.append(
                (item.index, ServiceError(decision.code, decision.message, dict(decision.details)))
            )
            continue
        occurred = scan.occurred_at or now
        if scan.due_at is not None and scan.due_at <= occurred:
            outcomes.append(
                (
                    item.index,
                    ServiceError(
                        "invalid", "due_at must come after the scan.", {"field": "due_at"}
                    ),
                )
            )
            continue
        event = _append(carrier, item, decision, principal, occurred, now, rules)
        new_events.append(event)
        recorded[scan.id] = event
        touched[carrier.id] = carrier
        if decision.mismatch:
            mismatches.append((carrier, event, decision.mismatch))
        outcomes.append((item.index, ScanResult(id=scan.id, status="recorded", event=event)))

    # Cases whose condition these scans ended (returned, received, found…) resolve in this
    # locked transaction: one UPDATE, and none when the lock query saw no open case.
    followed = [c for c in touched.values() if c.has_open_case]  # type: ignore[attr-defined]
    if new_events:
        hotpath.append(new_events, list(touched.values()), last=not mismatches and not followed)
    for carrier, event, reason in mismatches:
        alert_raise(
            kind="custody_mismatch",
            carrier=carrier,
            opened_at=event.occurred_at,
            details={"event": str(event.id), "seq": event.seq, "reason": reason},
        )
    if followed:
        from backend.alerts.services import alerts_follow_up

        alerts_follow_up(carriers=followed, events=new_events)
    return outcomes


def _labels_resolved(
    items: list[_Item],
    label_rows: list[tuple[Any, ...]],
    seen: set[Any],
    outcomes: list[tuple[int, ScanResult | ServiceError]],
) -> list[_Item]:
    """The items with label codes mapped to their carriers; voided labels refused into
    ``outcomes`` (printing's rule). New items: a retry resolves the scanned codes again."""
    from backend.printing import selectors as printing

    def refuse(n: int, error: ServiceError) -> None:
        outcomes.append((items[n].index, error))

    resolved = printing.label_scans_resolve(
        checked=[
            (n, item.scan, {"carrier": item.scan.carrier.strip().upper()})
            for n, item in enumerate(items)
        ],
        reject=refuse,
        found=printing.label_lookup_found(label_rows),
        recorded=seen,
    )
    return [dataclasses.replace(items[n], scan=scan) for n, scan, _ in resolved]


# Actions whose guards look at the knowledge scope (the receiver must be inside it).
_SCOPE_CHECKED = frozenset({Action.CHECKOUT, Action.TRANSFER, Action.RECEIVE})


def _carrier_view(carrier: Carrier, scope: set[str]) -> CarrierView:
    # The *_code attributes are the annotations of _lock_carriers, kept current by _append.
    return CarrierView(
        code=carrier.code,
        status=State(carrier.status),
        level=carrier.level,
        custodian=carrier.custodian_code,  # type: ignore[attr-defined]
        location=carrier.location_code,  # type: ignore[attr-defined]
        scope=frozenset(scope),
        destroy_requested_by=carrier.requester_code,  # type: ignore[attr-defined]
        destroy_approved_by=carrier.approver_code,  # type: ignore[attr-defined]
        witnesses=tuple(carrier.witnesses),
    )


def _append(
    carrier: Carrier,
    item: _Item,
    decision: Transition,
    principal: Principal,
    occurred: datetime,
    now: datetime,
    rules: Policy,
) -> CustodyEvent:
    """Build the next event of ``carrier``'s chain and move the carrier's state (in memory)."""
    scan = item.scan
    ids = {p.code: p.id for p in (item.actor, item.counterpart, item.escort) if p is not None}
    ids[carrier.custodian_code] = carrier.custodian_id  # type: ignore[attr-defined]
    if carrier.requester_code:  # type: ignore[attr-defined]
        ids[carrier.requester_code] = carrier.destroy_requested_by_id  # type: ignore[attr-defined]
    if carrier.approver_code:  # type: ignore[attr-defined]
        ids[carrier.approver_code] = carrier.destroy_approved_by_id  # type: ignore[attr-defined]
    due = next_due(
        decision.deadline,
        occurred_at=occurred,
        requested=scan.due_at,
        current=carrier.due_at,
        policy=rules,
    )
    late = carrier.last_occurred_at is not None and occurred < carrier.last_occurred_at
    payload: dict[str, Any] = {}
    if scan.note:
        payload["note"] = scan.note[:500]
    if decision.mismatch:
        payload["mismatch"] = decision.mismatch
    if scan.inventory is not None:
        payload["inventory"] = scan.inventory
    if item.action is Action.DESTROY_WITNESS:
        payload["witnesses"] = len(decision.witnesses)
    seq = carrier.seq + 1
    device = principal.device
    fields = chain.event_fields(
        id=str(scan.id),
        carrier=carrier.code,
        seq=seq,
        action=item.action.value,
        actor=item.actor.code,
        counterpart=item.counterpart.code if item.counterpart else None,
        escort=item.escort.code if item.escort else None,
        location=item.location.code if item.location else None,
        device=device.name if device else None,
        occurred_at=occurred,
        recorded_at=now,
        due_at=due,
        late=late,
        payload=payload,
    )
    event = CustodyEvent(
        id=scan.id,
        carrier=carrier,
        seq=seq,
        action=item.action.value,
        actor=item.actor,
        counterpart=item.counterpart,
        escort=item.escort,
        location=item.location,
        device=device,
        occurred_at=occurred,
        recorded_at=now,
        due_at=due,
        late=late,
        payload=payload,
        prev_hash=carrier.head_hash,
        hash=chain.link(carrier.head_hash, fields),
    )
    carrier.status = decision.status.value
    carrier.custodian_id, carrier.custodian_code = ids[decision.custodian], decision.custodian  # type: ignore[attr-defined]
    if item.location is not None and decision.location == item.location.code:
        carrier.location_id, carrier.location_code = item.location.id, item.location.code  # type: ignore[attr-defined]
    carrier.due_at = due
    requester, approver = decision.destroy_requested_by, decision.destroy_approved_by
    carrier.destroy_requested_by_id = ids[requester] if requester else None
    carrier.destroy_approved_by_id = ids[approver] if approver else None
    carrier.requester_code, carrier.approver_code = requester, approver  # type: ignore[attr-defined]
    carrier.witnesses = list(decision.witnesses)
    carrier.seq, carrier.head_hash = seq, event.hash
    if carrier.last_occurred_at is None or occurred > carrier.last_occurred_at:
        carrier.last_occurred_at = occurred
    carrier.updated_at = now
    return event


def _refusal_row(
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


def ledger_check_and_alert() -> dict[str, Any]:
    """Verify the whole ledger and open a ``ledger_broken`` case for each broken carrier."""
    from backend.custody.verify import ledger_verify

    report = ledger_verify()
    now = timezone.now()
    by_code = {
        c.code: c for c in Carrier.objects.filter(code__in=[b.carrier for b in report.broken])
    }
    for b in report.broken:
        alert_raise(
            kind="ledger_broken",
            carrier=by_code.get(b.carrier),
            opened_at=now,
            details={"seq": b.seq, "reason": b.reason},
        )
    return {
        "ok": report.ok,
        "carriers": report.carriers,
        "events": report.events,
        "broken": len(report.broken),
    }
