"""会议: a classified meeting, its approved attendee list and their sign-in.

The copies themselves are carriers and their issue and collection are ledger events
(``checkout`` / ``return`` scans carrying ``"meeting": id``): the ledger is the one record
of who holds what, so nothing here repeats it. Closing keeps what the close found
(``missing``) the way a stocktake keeps its reconciliation.
"""

from __future__ import annotations

from django.db import models

from backend.registry.levels import Level
from backend.registry.models import Location, Person


class MeetingStatus(models.TextChoices):
    OPEN = "open", "进行中"
    CLOSED = "closed", "已结束"


class Meeting(models.Model):
    title = models.CharField(max_length=200)
    level = models.CharField(max_length=16, choices=Level.choices)
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    # How many documents each attendee receives: the desk's "3 of 3 issued".
    copies_each = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(
        max_length=8, choices=MeetingStatus.choices, default=MeetingStatus.OPEN
    )
    created_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    closed_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    # What the close found: issued / returned counts and [{carrier, holder, copy_no}].
    issued = models.PositiveIntegerField(default=0)
    returned = models.PositiveIntegerField(default=0)
    missing = models.JSONField(default=list, blank=True)
    # The sweep of the venue once everyone has left (会场清场): what it found, who made it
    # and when; recorded once, at the close or after it.
    venue_note = models.CharField(max_length=300, blank=True, default="")
    venue_swept_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    venue_swept_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="meeting_ends_after_it_starts",
            ),
            models.CheckConstraint(
                condition=models.Q(status="open", closed_at__isnull=True)
                | models.Q(status="closed", closed_at__isnull=False),
                name="meeting_closed_has_a_time",
            ),
        ]

    def __str__(self) -> str:
        return f"meeting {self.id}"


class Attendee(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="attendees")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    # The badge scan at the door (签到); the first copy issued signs in too.
    signed_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "person"], name="one_attendee_per_person")
        ]

    def __str__(self) -> str:
        return f"attendee {self.person_id} of {self.meeting_id}"
