"""Building the next event of a carrier's chain: one builder for scans and for the events
no scanner sends (registration, a 定密 step, a printed label), so that every event is
hashed alike and ``custos verify`` checks them all the same way."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone

from backend.custody import chain, hooks
from backend.custody.deadlines import Policy, next_due
from backend.custody.lifecycle import Action, Transition
from backend.custody.models import CustodyEvent
from backend.custody.scans import ScanIn
from backend.registry.models import Carrier, Device, Location, Person


def event_build(
    *,
    id: uuid.UUID,
    carrier: Carrier,
    action: str,
    actor: Person,
    occurred_at: datetime,
    recorded_at: datetime,
    payload: dict[str, Any],
    counterpart: Person | None = None,
    escort: Person | None = None,
    location: Location | None = None,
    device: Device | None = None,
    due_at: datetime | None = None,
    late: bool = False,
) -> CustodyEvent:
    """The event after ``carrier``'s head (not saved), linked to it by hash; then the head
    moves to it (in memory: the caller writes the carrier)."""
    seq = carrier.seq + 1
    fields = chain.event_fields(
        id=str(id),
        carrier=carrier.code,
        seq=seq,
        action=action,
        actor=actor.code,
        counterpart=counterpart.code if counterpart else None,
        escort=escort.code if escort else None,
        location=location.code if location else None,
        device=device.name if device else None,
        occurred_at=occurred_at,
        recorded_at=recorded_at,
        due_at=due_at,
        late=late,
        payload=payload,
    )
    event = CustodyEvent(
        id=id,
        carrier=carrier,
        seq=seq,
        action=action,
        actor=actor,
        counterpart=counterpart,
        escort=escort,
        location=location,
        device=device,
        occurred_at=occurred_at,
        recorded_at=recorded_at,
        due_at=due_at,
        late=late,
        payload=payload,
        prev_hash=carrier.head_hash,
        # The setting, not a query: the startup checks hold it to the ledger's record.
        hash=chain.link(carrier.head_hash, fields, settings.CUSTOS_LEDGER_HASH),
    )
    carrier.seq, carrier.head_hash = seq, event.hash
    if carrier.last_occurred_at is None or occurred_at > carrier.last_occurred_at:
        carrier.last_occurred_at = occurred_at
    return event


def stored_fields(event: CustodyEvent, carrier_code: str) -> dict[str, Any]:
    """The canonical fields of a stored event (its people, place and desk loaded), as the
    hash covers them: for recomputing one chain (the timeline page, the tests)."""
    return chain.event_fields(
        id=str(event.id),
        carrier=carrier_code,
        seq=event.seq,
        action=event.action,
        actor=event.actor.code,
        counterpart=event.counterpart.code if event.counterpart else None,
        escort=event.escort.code if event.escort else None,
        location=event.location.code if event.location else None,
        device=event.device.name if event.device else None,
        occurred_at=event.occurred_at,
        recorded_at=event.recorded_at,
        due_at=event.due_at,
        late=event.late,
        payload=event.payload,
    )


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

    Scans go through :func:`backend.custody.ingest.scans_ingest`; everything else that
    belongs in the ledger comes here, so there is one way to extend a chain.
    """
    now = now or timezone.now()
    event = event_build(
        id=uuid.uuid4(),
        carrier=carrier,
        action=action,
        actor=actor,
        counterpart=counterpart,
        location=location,
        occurred_at=now,
        recorded_at=now,
        due_at=due_at,
        payload=payload,
    )
    hooks.events_appended([event])
    event.save()
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


def scan_event(
    *,
    carrier: Carrier,
    scan: ScanIn,
    action: Action,
    actor: Person,
    counterpart: Person | None,
    escort: Person | None,
    location: Location | None,
    device: Device | None,
    decision: Transition,
    occurred: datetime,
    now: datetime,
    rules: Policy,
    extra: dict[str, Any] | None = None,
) -> CustodyEvent:
    """The event a judged scan appends to the locked ``carrier``, whose current state
    (in memory, with the lock query's code annotations) moves as ``decision`` says."""
    ids = {p.code: p.id for p in (actor, counterpart, escort) if p is not None}
    ids[carrier.custodian_code] = carrier.custodian_id  # type: ignore[attr-defined]  # lock annotation
    if carrier.requester_code:  # type: ignore[attr-defined]  # lock annotation
        ids[carrier.requester_code] = carrier.destroy_requested_by_id  # type: ignore[attr-defined,assignment]  # lock annotation; set when its code is
    if carrier.approver_code:  # type: ignore[attr-defined]  # lock annotation
        ids[carrier.approver_code] = carrier.destroy_approved_by_id  # type: ignore[attr-defined,assignment]  # lock annotation; set when its code is
    due = next_due(
        decision.deadline,
        occurred_at=occurred,
        requested=scan.due_at,
        current=carrier.due_at,
        policy=rules,
    )
    payload: dict[str, Any] = dict(extra or {})
    if scan.note:
        payload["note"] = scan.note[:500]
    if decision.mismatch:
        payload["mismatch"] = decision.mismatch
    if scan.inventory is not None:
        payload["inventory"] = scan.inventory
    if scan.carry_out is not None:
        payload["carry_out"] = scan.carry_out
    if scan.meeting is not None:
        payload["meeting"] = scan.meeting
    if scan.on_site:
        payload["on_site"] = True
    if action is Action.DESTROY_WITNESS:
        payload["witnesses"] = len(decision.witnesses)
    event = event_build(
        id=scan.id,
        carrier=carrier,
        action=action.value,
        actor=actor,
        counterpart=counterpart,
        escort=escort,
        location=location,
        device=device,
        occurred_at=occurred,
        recorded_at=now,
        due_at=due,
        late=carrier.last_occurred_at is not None and occurred < carrier.last_occurred_at,
        payload=payload,
    )
    carrier.status = decision.status.value
    carrier.custodian_id, carrier.custodian_code = ids[decision.custodian], decision.custodian  # type: ignore[attr-defined]  # lock annotation
    if location is not None and decision.location == location.code:
        carrier.location_id, carrier.location_code = location.id, location.code  # type: ignore[attr-defined]  # lock annotation
    carrier.due_at = due
    requester, approver = decision.destroy_requested_by, decision.destroy_approved_by
    carrier.destroy_requested_by_id = ids[requester] if requester else None
    carrier.destroy_approved_by_id = ids[approver] if approver else None
    carrier.requester_code, carrier.approver_code = requester, approver  # type: ignore[attr-defined]  # lock annotation
    carrier.witnesses = list(decision.witnesses)
    carrier.updated_at = now
    return event
