"""清退: a return campaign — the carriers the committee calls back, and who holds each."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from backend.alerts.models import OutboxRow
from backend.registry.models import Carrier, Person


class CampaignStatus(models.TextChoices):
    OPEN = "open", "进行中"
    CLOSED = "closed", "已结束"


class Campaign(models.Model):
    title = models.CharField(max_length=200)
    deadline = models.DateTimeField()
    opened_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField()
    status = models.CharField(
        max_length=16, choices=CampaignStatus.choices, default=CampaignStatus.OPEN
    )
    # How the carriers were chosen (issuing unit, level, issue dates, or an explicit list),
    # as the committee gave it: the record of why these carriers and not others.
    criteria = models.JSONField(default=dict, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # When the sweep opened the overdue cases for this campaign: the claim that makes two
    # sweeps open them once (a conditional update on this column).
    overdue_raised_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=CampaignStatus.values), name="campaign_status_known"
            ),
        ]
        indexes = [
            # The sweep's query: ``WHERE status = 'open' AND overdue_raised_at IS NULL AND
            # deadline <= now``; partial, so its size follows the campaigns not yet overdue.
            models.Index(
                fields=["deadline"],
                name="campaign_overdue_idx",
                condition=Q(status="open", overdue_raised_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"campaign {self.id} {self.title}"


class CampaignCarrier(models.Model):
    """One carrier a campaign calls back, the person who held it at the opening, and the
    return that brought it back (the event's seq and id: the ledger keeps the event)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="rows")
    carrier = models.ForeignKey(Carrier, on_delete=models.PROTECT, related_name="+")
    holder = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    returned_at = models.DateTimeField(null=True, blank=True)
    return_seq = models.PositiveIntegerField(null=True, blank=True)
    return_event = models.UUIDField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "carrier"], name="one_campaign_row_per_carrier"
            ),
            models.CheckConstraint(
                condition=Q(returned_at__isnull=True) | Q(return_seq__isnull=False),
                name="campaign_return_has_seq",
            ),
        ]
        indexes = [
            # The ingest lock query's test (``EXISTS … WHERE carrier_id = c.id AND
            # returned_at IS NULL``) and the departure check: only what is still out.
            models.Index(
                fields=["carrier"],
                name="campaign_row_out_idx",
                condition=Q(returned_at__isnull=True),
            ),
            models.Index(
                fields=["holder"],
                name="campaign_row_holder_out_idx",
                condition=Q(returned_at__isnull=True),
            ),
            models.Index(fields=["campaign", "holder"], name="campaign_row_holder_idx"),
        ]

    def __str__(self) -> str:
        return f"campaign {self.campaign_id} carrier {self.carrier_id}"


class CampaignNotice(OutboxRow):
    """The notice to one holder that a campaign calls back what they hold: an outbox row,
    written with the campaign, sent by a worker and retried until the mail server takes it.
    ``target``: the holder's own address when their account has one, else the committee's
    addresses (the secrecy office hands the notice on)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="notices")
    holder = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    target = models.CharField(max_length=1000)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "holder"], name="one_campaign_notice_per_holder"
            ),
        ]
        indexes = [
            # The sender's query: ``WHERE status = 'pending' AND next_attempt_at <= now``.
            models.Index(
                fields=["next_attempt_at"],
                name="campaign_notice_due_idx",
                condition=Q(status="pending"),
            )
        ]

    def __str__(self) -> str:
        return f"notice campaign {self.campaign_id} holder {self.holder_id} ({self.status})"
