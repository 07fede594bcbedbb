"""清查: a stocktake of one location — what the ledger expected there, and what was found."""

from __future__ import annotations

from django.db import models

from backend.registry.models import Location, Person


class Stocktake(models.Model):
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="stocktakes")
    opened_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField()
    # The carriers the ledger had at the location when the stocktake opened (codes): the
    # reconciliation compares against this snapshot, not against a moving target.
    expected = models.JSONField(default=list)
    closed_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    found = models.JSONField(default=list, blank=True)
    missing = models.JSONField(default=list, blank=True)
    unexpected = models.JSONField(default=list, blank=True)

    class Meta:
        indexes = [models.Index(fields=["location", "closed_at"], name="stocktake_location_idx")]

    def __str__(self) -> str:
        return f"stocktake {self.id} at {self.location_id}"
