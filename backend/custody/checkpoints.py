"""The daily checkpoint: fold the chain heads that moved since the last one."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from backend.custody import algorithm, chain
from backend.custody.models import Checkpoint, CheckpointHead, CustodyEvent
from backend.registry.models import Carrier


@transaction.atomic
def checkpoint_create(*, day: date | None = None) -> Checkpoint:
    """Write the checkpoint for ``day`` (today by default); idempotent per day."""
    day = day or timezone.localdate()
    existing = Checkpoint.objects.filter(day=day).first()
    if existing is not None:
        return existing
    previous = Checkpoint.objects.order_by("-day").first()
    moved = Carrier.objects.filter(seq__gt=0)
    if previous is not None:
        moved = moved.filter(updated_at__gte=previous.created_at)
    heads = list(moved.order_by("code").values_list("id", "code", "seq", "head_hash"))
    fold = chain.DIGESTS[algorithm.chain_hash()](
        (previous.digest if previous else chain.GENESIS).encode()
    )
    for _, code, seq, head in heads:
        fold.update(f"{code}:{seq}:{head}\n".encode())
    checkpoint = Checkpoint(
        day=day,
        created_at=timezone.now(),
        carriers=Carrier.objects.count(),
        events=CustodyEvent.objects.count(),
        prev_digest=previous.digest if previous else chain.GENESIS,
        digest=fold.hexdigest(),
    )
    checkpoint.save()
    CheckpointHead.objects.bulk_create(
        CheckpointHead(checkpoint=checkpoint, carrier_id=cid, seq=seq, hash=head)
        for cid, _, seq, head in heads
    )
    return checkpoint
