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


class InventoryReminder(models.Model):
    """年度清查提醒: a location without a closed stocktake in the last year.

    A record rather than an ``Alert``: the alert kinds are CONTRACT.md's and each names a
    carrier, while this concerns a whole location. The daily reminder pass opens one per
    due location (one open at a time, by constraint) and closes it when a stocktake of the
    location is closed; the dashboard and ``GET /inventory-reminders`` list the open ones.
    """

    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    # The day the location fell due: a year after its last closed stocktake, or after it
    # was created if it never had one.
    due_since = models.DateField()
    last_closed_at = models.DateTimeField(null=True, blank=True)
    raised_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        Stocktake, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["location"],
                condition=models.Q(resolved_at__isnull=True),
                name="one_open_inventory_reminder_per_location",
            )
        ]

    def __str__(self) -> str:
        return f"inventory reminder {self.location_id} due {self.due_since}"
