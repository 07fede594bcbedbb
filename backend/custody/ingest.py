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
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

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
from backend.custody.deadlines import Policy
from backend.custody.events import scan_event
from backend.custody.lifecycle import (
    FOLLOWED,
    Action,
    CarrierView,
    HostView,
    Move,
    Refusal,
    Transition,
    decide,
    follows,
)
from backend.custody.media import MediaState, media_state, medium_installed, medium_removed
from backend.custody.models import CustodyEvent, ScanRefusal
from backend.custody.scans import MAX_BATCH, ScanIn, ScanResult
from backend.custody.store import LedgerStore, Locked, Names, ledger_store, recorded_events
from backend.errors import ServiceError
from backend.hooks import level_raised, send_required
from backend.registry.models import Carrier, Location, Person
from backend.registry.principals import Principal
from backend.registry.states import State
from labels.codes import Kind, parse

log = logging.getLogger(__name__)

Outcomes = list[tuple[int, ScanResult | ServiceError]]

# Actions whose guards look at the knowledge scope (the receiver must be inside it).
_SCOPE_CHECKED = frozenset({Action.CHECKOUT, Action.TRANSFER, Action.RECEIVE})
_BUSY = "Another desk holds this carrier; try again."
# Actions whose guards look at storage media installed in a device, or that the media
# installed in a device make with it: their batches lock those media too (custody/media.py).
_MEDIA_CHECKED = FOLLOWED | {
    Action.DESTROY_REQUEST,
    Action.REMOVE_STORAGE,
    Action.INSTALL_STORAGE,
}


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
    known = [k for k in known if k[0] not in refused]
    dues = hooks.scans_due(known) if known else {}
    items: list[_Item] = []
    for index, scan, codes in known:
        if index in dues:
            scan = dataclasses.replace(scan, due_at=dues[index])
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
        media_state(carriers.values(), kinds=any(i.action is Action.INSTALL_STORAGE for i in items))
        if locked.with_media
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
        host = None
        if item.action is Action.INSTALL_STORAGE and scan.host:
            host = carriers.get(_host_code(scan))
            if host is None:
                error = ServiceError(
                    "unknown_code", f"Unknown carrier {scan.host}.", {"code": scan.host}
                )
                outcomes.append((item.index, error))
                continue
        move = Move(
            action=item.action,
            actor=person_view(item.actor, today),
            counterpart=person_view(item.counterpart, today) if item.counterpart else None,
            escort=person_view(item.escort, today) if item.escort else None,
            location=item.location.code if item.location else None,
            on_site=scan.on_site,
            host=_host_view(host, media) if host is not None and media is not None else None,
        )
        view = carrier_view(carrier, locked.scopes.get(carrier.id, set()))
        if media is not None:
            view = dataclasses.replace(
                view, storage_inside=media.of(carrier.code)[1], is_storage=media.is_storage(code)
            )
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
        followers = _followers(carrier, view, move, media, carriers, locked.scopes)
        if isinstance(followers, ServiceError):
            outcomes.append((item.index, followers))
            continue

        at = (occurred, now, rules)
        event = _event(
            item,
            principal,
            carrier,
            scan,
            decision,
            at,
            _storage_payload(item.action, view, decision),
        )
        if media is not None:
            _storage_moved(item, carrier, host, decision, media)
        # The installed media go with their device: the same action on each one's chain,
        # with an id derived from the scan's, so a resent batch derives the same ones.
        appended = [event] + [
            _event(
                item,
                principal,
                medium,
                dataclasses.replace(scan, id=uuid.uuid5(scan.id, medium.code), carrier=medium.code),
                follow,
                at,
                {"with_host": carrier.code},
            )
            for medium, follow in followers
        ]
        for e in appended:
            new_events.append(e)
            recorded[e.id] = e
            touched[e.carrier.id] = e.carrier
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


def _event(
    item: _Item,
    principal: Principal,
    carrier: Carrier,
    scan: ScanIn,
    decision: Transition,
    at: tuple[datetime, datetime, Policy],
    extra: dict[str, Any] | None,
) -> CustodyEvent:
    """The event ``item``'s scan appends to ``carrier`` (the scanned one, or a medium
    going along with it); ``at``: when it occurred, now, and the deadline policy."""
    occurred, now, rules = at
    return scan_event(
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
        extra=extra,
    )


def _host_code(scan: ScanIn) -> str:
    # Checked by scan_check before any lock: it parses.
    return parse(scan.host or "", kind=Kind.CARRIER).text


def _host_view(host: Carrier, media: MediaState) -> HostView:
    return HostView(
        code=host.code,
        level=host.level,
        status=State(host.status),
        takes_storage=media.takes_storage(host.code),
    )


def _followers(
    carrier: Carrier,
    view: CarrierView,
    move: Move,
    media: MediaState | None,
    carriers: dict[str, Carrier],
    scopes: dict[int, set[str]],
) -> list[tuple[Carrier, Transition]] | ServiceError:
    """The media installed in ``carrier`` that go along with this move, each with its own
    row's verdict (its level and scope judge the receiver, as if it were handed over
    alone); a refusal of any refuses the device's scan, naming the medium."""
    if media is None or move.action not in FOLLOWED or not view.storage_inside:
        return []
    out: list[tuple[Carrier, Transition]] = []
    for code in view.storage_inside:
        medium = carriers[code]
        own = dataclasses.replace(carrier_view(medium, scopes.get(medium.id, set())), host=None)
        if not follows(own, move.action):
            continue
        verdict = decide(own, move)
        if isinstance(verdict, Refusal):
            details = {**verdict.details, "carrier": code, "with_host": carrier.code}
            return ServiceError(verdict.code, f"{code}: {verdict.message}", details)
        out.append((medium, verdict))
    return out


def _storage_payload(
    action: Action, view: CarrierView, decision: Transition
) -> dict[str, str] | None:
    """What a storage scan's event names: the device, and a level the medium rose to."""
    if action is Action.REMOVE_STORAGE:
        return {"host": view.host or ""}
    if action is Action.INSTALL_STORAGE:
        raised = {"level": decision.level, "old_level": view.level} if decision.level else {}
        return {"host": decision.host or "", **raised}
    return None


def _storage_moved(
    item: _Item, carrier: Carrier, host: Carrier | None, decision: Transition, media: MediaState
) -> None:
    """Write what a recorded remove_storage or install_storage changed in the medium's
    record, and keep the batch's view of it current."""
    if item.action is Action.REMOVE_STORAGE:
        medium_removed(carrier=carrier)
        media.removed(carrier.code)
        carrier.host_code = None  # type: ignore[attr-defined]  # lock annotation
    elif item.action is Action.INSTALL_STORAGE and host is not None:
        medium_installed(carrier=carrier, host=host, level=decision.level)
        media.installed(carrier.code, host.code)
        carrier.host_code = host.code  # type: ignore[attr-defined]  # lock annotation
        if decision.level is not None:
            # The label at the old marking is reprinted at the new one (printing's hook).
            send_required(level_raised, carrier=carrier, actor=item.actor)


def _with_media(scans: list[ScanIn]) -> bool:
    """Whether the batch moves or fits a device, so its installed media are locked too."""
    return any(Action(scan.action) in _MEDIA_CHECKED for scan in scans)


def _lock(
    store: LedgerStore, scans: list[ScanIn], fold_labels: bool, names: Names | None = None
) -> Locked:
    codes = {scan.carrier.strip().upper() for scan in scans}
    # The devices storage goes into are locked with it, in the same order.
    codes |= {
        _host_code(scan) for scan in scans if scan.action == Action.INSTALL_STORAGE and scan.host
    }
    labels = None
    if fold_labels:
        # The label lookup rides with the lock query, which also locks the carriers the
        # labels name.
        resolver = hooks.code_resolver()
        lookup = resolver.lookup_statement([(0, None, {"carrier": code}) for code in codes])
        if lookup is not None:
            labels = (lookup, resolver.carriers_sql(len(codes)))
    with_media = _with_media(scans)
    locked = store.lock(
        codes,
        [scan.id for scan in scans],
        with_scope=any(Action(scan.action) in _SCOPE_CHECKED for scan in scans),
        labels=labels,
        with_media=with_media,
        names=names,
    )
    locked.with_media = with_media
    return locked


def _labels_resolved(items: list[_Item], locked: Locked, outcomes: Outcomes) -> list[_Item]:
    """The items with label codes mapped to their carriers; refused labels go into
    ``outcomes``. New items: a retry resolves the scanned codes again."""

    def refuse(n: int, error: ServiceError) -> None:
        outcomes.append((items[n].index, error))

    resolver = hooks.code_resolver()
    resolved = resolver.resolve(
        checked=[
            (
                n,
                item.scan,
                {
                    "carrier": item.scan.carrier.strip().upper(),
                    "host": _host_code(item.scan) if item.scan.host else None,
                },
            )
            for n, item in enumerate(items)
        ],
        reject=refuse,
        found=resolver.found(locked.label_rows),
        recorded=locked.seen,
    )
    return [dataclasses.replace(items[n], scan=scan) for n, scan, _ in resolved]
