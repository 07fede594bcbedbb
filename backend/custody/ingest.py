"""Recording scans: the business of ``POST /scans``.

Ingest is set-based: a batch locks all its carriers at once, judges every scan in input
order against the state as the batch itself changes it, and writes the events together.
The lock order (by primary key) means two batches touching the same carriers queue rather
than deadlock; the chain never forks because a carrier's next ``seq`` is only ever read
under its row lock. How the reads and writes reach the database is the store's business
(:mod:`backend.custody.store`); what other apps do about the new events, theirs
(:mod:`backend.custody.hooks`).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone

from backend.custody import hooks
from backend.custody.checks import (
    carrier_view,
    conflict,
    is_lock_timeout,
    person_view,
    policy,
    refusal_row,
    scan_check,
)
from backend.custody.events import scan_event
from backend.custody.lifecycle import Action, Move, Refusal, decide
from backend.custody.media import media_state, medium_removed
from backend.custody.models import CustodyEvent, ScanRefusal
from backend.custody.scans import MAX_BATCH, ScanIn, ScanResult
from backend.custody.store import LedgerStore, Locked, Names, ledger_store, recorded_events
from backend.errors import ServiceError
from backend.registry.models import Carrier, Location, Person
from backend.registry.principals import Principal

log = logging.getLogger(__name__)

Outcomes = list[tuple[int, ScanResult | ServiceError]]

# Actions whose guards look at the knowledge scope (the receiver must be inside it).
_SCOPE_CHECKED = frozenset({Action.CHECKOUT, Action.TRANSFER, Action.RECEIVE})
_BUSY = "Another desk holds this carrier; try again."
# Actions whose guards look at storage media installed in a device (custody/media.py).
_MEDIA_CHECKED = frozenset({Action.REPAIR_OUT, Action.REMOVE_STORAGE})


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


def scans_ingest(*, scans: list[ScanIn], principal: Principal) -> list[ScanResult]:
    """Record a batch of scans; one result per scan, in input order.

    1. Check each scan on its own: codes and check characters, the caller's right to name
       that actor and location. Failures are rejected here, before any lock.
    2. Resolve every person and location the batch names, and the scanned label codes
       (or, for a few scans on PostgreSQL, with the locks, in their round trip); the
       apps' scan checks.
    3. In one transaction: lock the batch's carriers, find ids already recorded, judge
       and append in input order, write the events and the carriers' new state.
    4. If the writes hit a unique violation (the same id raced in on another carrier),
       redo the batch one scan per transaction so the others still land.
    5. Log every refusal.
    """
    if not 1 <= len(scans) <= MAX_BATCH:
        raise ServiceError(
            "invalid", f"Send between 1 and {MAX_BATCH} scans.", {"count": len(scans)}
        )
    now = timezone.now()
    store = ledger_store()
    results: list[ScanResult | None] = [None] * len(scans)
    refusals: list[ScanRefusal] = []

    def reject(index: int, error: ServiceError) -> None:
        scan = scans[index]
        results[index] = ScanResult(id=scan.id, status="rejected", error=error)
        refusals.append(refusal_row(scan, principal, error, now))

    checked: hooks.Checked = []
    for index, scan in enumerate(scans):
        try:
            checked.append((index, scan, scan_check(scan, principal)))
        except ServiceError as exc:
            reject(index, exc)

    # Few scans (PostgreSQL): the people and places they name are read in the lock's round
    # trip, inside the transaction, instead of one round trip before it.
    fold = store.folds_labels(len(checked))
    items = [] if fold else _known(store, checked, principal, reject)
    if items or (fold and checked):
        try:
            with transaction.atomic():
                locked = None
                if fold:
                    named = _names(checked, principal)
                    locked = _lock(store, [scan for _, scan, _ in checked], fold, named)
                    found = (locked.people, locked.places)
                    items = _known(store, checked, principal, reject, found)
                outcomes = _ingest_locked(store, items, principal, now, fold, locked)
        except IntegrityError:
            log.warning("batch ingest hit a unique violation; retrying scan by scan")
            outcomes = _ingest_one_by_one(store, items, principal, now, fold)
        except OperationalError as exc:
            if not is_lock_timeout(exc):
                raise
            waiting = [index for index, _, _ in checked if results[index] is None]
            outcomes = [(index, conflict(_BUSY)) for index in waiting]
        for index, outcome in outcomes:
            if isinstance(outcome, ServiceError):
                reject(index, outcome)
            else:
                results[index] = outcome

    if refusals:
        ScanRefusal.objects.bulk_create(refusals)
    return [r for r in results if r is not None]


def _names(checked: hooks.Checked, principal: Principal) -> Names:
    """The badge and location codes the scans name, less those read with the token."""
    named = {
        c for _, _, codes in checked for k in ("actor", "counterpart", "escort") if (c := codes[k])
    }
    own = principal.person
    named -= {own.code} if own else set()
    spots = {codes["location"] for _, _, codes in checked if codes["location"]}
    if principal.device is not None:
        spots.discard(principal.device.location.code)
    return named, spots


def _known(
    store: LedgerStore,
    checked: hooks.Checked,
    principal: Principal,
    reject: Callable[[int, ServiceError], None],
    found: tuple[dict[str, Person], dict[str, Location]] | None = None,
) -> list[_Item]:
    """The checked scans whose people and places exist and that the apps' checks pass.
    ``found``: the people and places :func:`_names` names, when already read."""
    own = principal.person
    own_place = principal.device.location if principal.device is not None else None
    people, places = (
        found if found is not None else store.people_and_places(*_names(checked, principal))
    )
    if own is not None:
        people[own.code] = own  # already read with the token: one round trip fewer
    if own_place is not None:
        places[own_place.code] = own_place
    if not store.folds_labels(len(checked)):
        checked = hooks.code_resolver().resolve(checked=checked, reject=reject)
    known: hooks.Checked = []
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
        known.append((index, scan, codes))
    refused = hooks.scans_checked(known)
    for index, error in refused.items():
        reject(index, error)
    items: list[_Item] = []
    for index, scan, codes in known:
        if index in refused:
            continue
        items.append(
            _Item(
                index=index,
                scan=scan,
                action=Action(scan.action),
                actor=people[codes["actor"] or ""],
                counterpart=people.get(codes["counterpart"] or ""),
                escort=people.get(codes["escort"] or ""),
                location=places.get(codes["location"] or ""),
            )
        )
    return items


def _ingest_one_by_one(
    store: LedgerStore, items: list[_Item], principal: Principal, now: datetime, fold: bool
) -> Outcomes:
    outcomes: Outcomes = []
    for item in items:
        try:
            with transaction.atomic():
                outcomes.extend(_ingest_locked(store, [item], principal, now, fold))
        except IntegrityError:
            outcomes.append(
                (item.index, conflict("This scan id is already used for another carrier."))
            )
        except OperationalError as exc:
            if not is_lock_timeout(exc):
                raise
            outcomes.append((item.index, conflict(_BUSY)))
    return outcomes


def _ingest_locked(
    store: LedgerStore,
    items: list[_Item],
    principal: Principal,
    now: datetime,
    fold_labels: bool = False,
    locked: Locked | None = None,
) -> Outcomes:
    """Lock, judge and append ``items`` in the caller's transaction. ``fold_labels``: their
    carrier codes may still be label codes, resolved here with the lock. ``locked``: what
    the caller's lock already read (it locked every carrier the items scan)."""
    outcomes: Outcomes = []
    if not items:
        return outcomes
    if locked is None:
        locked = _lock(store, [item.scan for item in items], fold_labels)
    if locked.label_rows:
        items = _labels_resolved(items, locked, outcomes)
    carriers = {c.code: c for c in locked.carriers}
    # The recorded ids were read after the locks: a concurrent request that recorded one
    # of these ids for the same carrier has committed by now, so we answer duplicate.
    recorded = recorded_events(locked.seen) if locked.seen else {}

    today = timezone.localdate()
    rules = policy()
    new_events: list[CustodyEvent] = []
    touched: dict[int, Carrier] = {}
    media = (
        media_state(carriers.values())
        if any(item.action in _MEDIA_CHECKED for item in items)
        else None
    )
    for item in items:
        scan = item.scan
        if scan.id in recorded:
            outcomes.append(
                (item.index, ScanResult(id=scan.id, status="duplicate", event=recorded[scan.id]))
            )
            continue
        code = scan.carrier.strip().upper()
        carrier = carriers.get(code)
        if carrier is None:
            error = ServiceError("unknown_code", f"Unknown carrier {code}.", {"code": scan.carrier})
            outcomes.append((item.index, error))
            continue
        if scan.expected_seq is not None and scan.expected_seq != carrier.seq:
            message = f"The carrier moved on (seq {carrier.seq}, expected {scan.expected_seq})."
            outcomes.append((item.index, conflict(message)))
            continue
        move = Move(
            action=item.action,
            actor=person_view(item.actor, today),
            counterpart=person_view(item.counterpart, today) if item.counterpart else None,
            escort=person_view(item.escort, today) if item.escort else None,
            location=item.location.code if item.location else None,
            on_site=scan.on_site,
        )
        view = carrier_view(carrier, locked.scopes.get(carrier.id, set()))
        if media is not None:
            view = dataclasses.replace(view, storage_inside=media.of(carrier.code)[1])
        decision = decide(view, move)
        if isinstance(decision, Refusal):
            error = ServiceError(decision.code, decision.message, dict(decision.details))
            outcomes.append((item.index, error))
            continue
        occurred = scan.occurred_at or now
        if scan.due_at is not None and scan.due_at <= occurred:
            error = ServiceError("invalid", "due_at must come after the scan.", {"field": "due_at"})
            outcomes.append((item.index, error))
            continue
        event = scan_event(
            carrier=carrier,
            scan=scan,
            action=item.action,
            actor=item.actor,
            counterpart=item.counterpart,
            escort=item.escort,
            location=item.location,
            device=principal.device,
            decision=decision,
            occurred=occurred,
            now=now,
            rules=rules,
            extra={"host": view.host} if item.action is Action.REMOVE_STORAGE else None,
        )
        if item.action is Action.REMOVE_STORAGE and media is not None:
            medium_removed(carrier=carrier)
            media.removed(carrier.code)
            carrier.host_code = None  # type: ignore[attr-defined]  # lock annotation
        new_events.append(event)
        recorded[scan.id] = event
        touched[carrier.id] = carrier
        outcomes.append((item.index, ScanResult(id=scan.id, status="recorded", event=event)))

    if new_events:
        # The apps above custody act in this locked transaction, before the writes, so
        # that the COMMIT can travel with them (hooks.py).
        hooks.events_appended(new_events)
        ended = [c for c in touched.values() if c.has_open_case]  # type: ignore[attr-defined]  # lock annotation
        if ended:
            hooks.conditions_ended(ended, new_events)
        store.write(new_events, list(touched.values()))
    return outcomes


def _lock(
    store: LedgerStore, scans: list[ScanIn], fold_labels: bool, names: Names | None = None
) -> Locked:
    codes = {scan.carrier.strip().upper() for scan in scans}
    labels = None
    if fold_labels:
        # The label lookup rides with the lock query, which also locks the carriers the
        # labels name.
        resolver = hooks.code_resolver()
        lookup = resolver.lookup_statement([(0, None, {"carrier": code}) for code in codes])
        if lookup is not None:
            labels = (lookup, resolver.carriers_sql(len(codes)))
    return store.lock(
        codes,
        [scan.id for scan in scans],
        with_scope=any(Action(scan.action) in _SCOPE_CHECKED for scan in scans),
        labels=labels,
        names=names,
    )


def _labels_resolved(items: list[_Item], locked: Locked, outcomes: Outcomes) -> list[_Item]:
    """The items with label codes mapped to their carriers; refused labels go into
    ``outcomes``. New items: a retry resolves the scanned codes again."""

    def refuse(n: int, error: ServiceError) -> None:
        outcomes.append((items[n].index, error))

    resolver = hooks.code_resolver()
    resolved = resolver.resolve(
        checked=[
            (n, item.scan, {"carrier": item.scan.carrier.strip().upper()})
            for n, item in enumerate(items)
        ],
        reject=refuse,
        found=resolver.found(locked.label_rows),
        recorded=locked.seen,
    )
    return [dataclasses.replace(items[n], scan=scan) for n, scan, _ in resolved]
