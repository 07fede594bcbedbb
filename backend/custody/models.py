"""The ledger: append-only custody events, the refusal log and the daily checkpoints.

Append-only is enforced twice: here (``save`` of an existing row, ``delete`` and queryset
``update``/``delete`` raise) and on PostgreSQL by a trigger (migration 0002), which also
stops anyone with plain SQL access short of disabling the trigger — and then ``custos
verify`` finds the change through the hash chain.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.db import models

from backend.registry.models import Carrier, Device, Location, Person


class AppendOnlyError(Exception):
    pass


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError(f"{self.model.__name__} rows are append-only: no UPDATE.")

    def delete(self) -> NoReturn:
        raise AppendOnlyError(f"{self.model.__name__} rows are append-only: no DELETE.")


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} rows are append-only: no UPDATE.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError(f"{type(self).__name__} rows are append-only: no DELETE.")


class CustodyEvent(AppendOnlyModel):
    # The scanner-chosen event id is the primary key: re-sending it can never record twice.
    id = models.UUIDField(primary_key=True)
    carrier = models.ForeignKey(Carrier, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField()
    action = models.CharField(max_length=24)
    actor = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    counterpart = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    escort = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    location = models.ForeignKey(Location, null=True, blank=True, on_delete=models.PROTECT)
    device = models.ForeignKey(Device, null=True, blank=True, on_delete=models.PROTECT)
    occurred_at = models.DateTimeField()
    recorded_at = models.DateTimeField()
    due_at = models.DateTimeField(null=True, blank=True)
    late = models.BooleanField(default=False)
    payload = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        db_table = "custody_event"
        constraints = [
            models.UniqueConstraint(fields=["carrier", "seq"], name="event_carrier_seq_unique"),
            models.CheckConstraint(condition=models.Q(seq__gte=1), name="event_seq_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.carrier_id}#{self.seq} {self.action}"


class ScanRefusal(AppendOnlyModel):
    """A scan the ledger refused, kept as evidence: who tried what, where, and why not."""

    scan_id = models.UUIDField(null=True, blank=True, db_index=True)
    carrier_code = models.CharField(max_length=64, blank=True, default="")
    action = models.CharField(max_length=32, blank=True, default="")
    actor_code = models.CharField(max_length=64, blank=True, default="")
    token_person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    device = models.ForeignKey(Device, null=True, blank=True, on_delete=models.PROTECT)
    reason = models.CharField(max_length=32)
    message = models.TextField()
    received_at = models.DateTimeField()
    body = models.JSONField(default=dict)

    class Meta:
        db_table = "custody_refusal"

    def __str__(self) -> str:
        return f"refused {self.action} {self.carrier_code}: {self.reason}"


class Checkpoint(AppendOnlyModel):
    """A daily fold of the chain heads that moved since the checkpoint before it.

    Each checkpoint's digest covers the previous digest, so checkpoints chain too; verify
    checks that every recorded head still exists with its hash, so deleting a carrier's
    whole tail (and fixing up its head columns) is still found.
    """

    day = models.DateField(unique=True)
    created_at = models.DateTimeField()
    carriers = models.PositiveIntegerField()
    events = models.PositiveBigIntegerField()
    prev_digest = models.CharField(max_length=64)
    digest = models.CharField(max_length=64)

    class Meta:
        db_table = "custody_checkpoint"

    def __str__(self) -> str:
        return f"checkpoint {self.day}"


class CheckpointHead(AppendOnlyModel):
    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.PROTECT, related_name="heads")
    carrier = models.ForeignKey(Carrier, on_delete=models.PROTECT, related_name="+")
    seq = models.PositiveIntegerField()
    hash = models.CharField(max_length=64)

    class Meta:
        db_table = "custody_checkpoint_head"
        constraints = [
            models.UniqueConstraint(fields=["checkpoint", "carrier"], name="head_once_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.carrier_id}#{self.seq}"


class SignedCheckpoint(AppendOnlyModel):
    """A signed statement of the whole ledger: the Merkle root over every carrier's head.

    The row is a copy for the application; the statement's authority comes from its
    signature and from the copies published outside the database (backend/custody/
    statements.py). ``hash`` is the digest the root and the unit's chains use, fixed
    when the first checkpoint is made.
    """

    unit = models.CharField(max_length=16)
    at = models.DateTimeField()
    carriers = models.PositiveIntegerField()
    events = models.PositiveBigIntegerField()
    hash = models.CharField(max_length=8)
    root = models.CharField(max_length=64)
    prev = models.CharField(max_length=64)
    key = models.CharField(max_length=16)
    signature = models.CharField(max_length=100)

    class Meta:
        db_table = "custody_signed_checkpoint"

    def __str__(self) -> str:
        return f"signed checkpoint {self.pk} {self.root[:16]}"


class SignedHead(AppendOnlyModel):
    """A carrier head a signed checkpoint covers, kept only where it moved since the one
    before: the heads of checkpoint N are, per code, the latest row at or before N.

    Names the carrier by code, not by a foreign key: the heads must outlive an erased
    carrier to name it.
    """

    checkpoint = models.ForeignKey(
        SignedCheckpoint, on_delete=models.PROTECT, related_name="heads", db_index=False
    )
    code = models.CharField(max_length=24)
    seq = models.PositiveIntegerField()
    hash = models.CharField(max_length=64)

    class Meta:
        db_table = "custody_signed_head"
        indexes = [
            # Rebuilding checkpoint N's heads reads (code, checkpoint) in this order.
            models.Index(fields=["code", "checkpoint"], name="signed_head_code_cp"),
        ]

    def __str__(self) -> str:
        return f"{self.code}#{self.seq}"


class Ledger(AppendOnlyModel):
    """The ledger's own settings, fixed when it is created: one row (id 1).

    ``hash`` is the digest of every chain and signed checkpoint, ``sha256`` or ``sm3``
    (国密), written by migration 0004 from ``CUSTOS_LEDGER_HASH`` — ``sha256`` for a ledger
    that already held events then. Read with raw SQL (backend/custody/algorithm.py), so the
    startup checks can compare it with the setting before the models load.
    """

    hash = models.CharField(max_length=8)
    created_at = models.DateTimeField()

    class Meta:
        db_table = "custody_ledger"
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="ledger_one_row")]

    def __str__(self) -> str:
        return f"ledger {self.hash}"
