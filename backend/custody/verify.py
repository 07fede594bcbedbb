"""Recomputing the ledger: every chain, every carrier head, every checkpoint head.

Streams the events table once in (carrier, seq) order, so memory stays flat however
large the ledger grows.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from backend.custody import chain
from backend.custody.models import CheckpointHead, CustodyEvent
from backend.registry.models import Carrier


@dataclass(frozen=True, slots=True)
class Break:
    carrier: str
    seq: int
    reason: str


@dataclass(slots=True)
class Report:
    carriers: int = 0
    events: int = 0
    broken: list[Break] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.broken


_COLUMNS = (
    "carrier_id",
    "id",
    "seq",
    "action",
    "actor__code",
    "counterpart__code",
    "escort__code",
    "location__code",
    "device__name",
    "occurred_at",
    "recorded_at",
    "due_at",
    "late",
    "payload",
    "prev_hash",
    "hash",
)


def ledger_verify(*, carrier_ids: Collection[int] | None = None) -> Report:
    """Check every chain (or only these carriers'); name the first broken link of each
    broken carrier."""
    report = Report()
    carriers = Carrier.objects.only("id", "code", "seq", "head_hash")
    events = CustodyEvent.objects.all()
    kept_heads = CheckpointHead.objects.all()
    if carrier_ids is not None:
        carriers = carriers.filter(id__in=carrier_ids)
        events = events.filter(carrier_id__in=carrier_ids)
        kept_heads = kept_heads.filter(carrier_id__in=carrier_ids)
    heads = {c.id: c for c in carriers}
    report.carriers = len(heads)
    seen: dict[int, tuple[int, str]] = {}
    broken: set[int] = set()

    def fail(carrier_id: int, seq: int, reason: str) -> None:
        if carrier_id not in broken:
            broken.add(carrier_id)
            report.broken.append(Break(heads[carrier_id].code, seq, reason))

    rows = events.order_by("carrier_id", "seq").values_list(*_COLUMNS)
    for row in rows.iterator(chunk_size=5000):
        report.events += 1
        carrier_id, event_id, seq, action = row[0], row[1], row[2], row[3]
        (actor, counterpart, escort, location, device) = row[4:9]
        occurred_at, recorded_at, due_at, late, payload, prev_hash, stored_hash = row[9:]
        if carrier_id in broken:
            continue
        if carrier_id not in heads:
            # Its carrier row was deleted behind the application's back (the foreign key
            # switched off): name the events' orphaned chain rather than fail.
            broken.add(carrier_id)
            report.broken.append(Break(f"#{carrier_id}", seq, "the carrier row is gone"))
            continue
        last_seq, last_hash = seen.get(carrier_id, (0, chain.GENESIS))
        if seq != last_seq + 1:
            fail(carrier_id, last_seq + 1, f"event seq {last_seq + 1} is missing")
            continue
        if prev_hash != last_hash:
            fail(carrier_id, seq, "prev_hash does not match the event before it")
            continue
        fields = chain.event_fields(
            id=str(event_id),
            carrier=heads[carrier_id].code,
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
        )
        if chain.link(prev_hash, fields) != stored_hash:
            fail(carrier_id, seq, "the event's content does not match its hash")
            continue
        seen[carrier_id] = (seq, stored_hash)

    for carrier_id, carrier in heads.items():
        if carrier_id in broken:
            continue
        last_seq, last_hash = seen.get(carrier_id, (0, chain.GENESIS))
        if carrier.seq != last_seq or carrier.head_hash != last_hash:
            fail(
                carrier_id,
                last_seq + 1,
                f"the chain ends at seq {last_seq}; its head says {carrier.seq}",
            )

    for carrier_id, seq, stored_hash in kept_heads.values_list("carrier_id", "seq", "hash"):
        if carrier_id in broken or carrier_id not in heads:
            continue
        last_seq, _ = seen.get(carrier_id, (0, chain.GENESIS))
        exists = (
            last_seq >= seq
            and CustodyEvent.objects.filter(
                carrier_id=carrier_id, seq=seq, hash=stored_hash
            ).exists()
        )
        if not exists:
            fail(carrier_id, seq, "an event recorded in a checkpoint is gone or changed")
    report.broken.sort(key=lambda b: (b.carrier, b.seq))
    return report
