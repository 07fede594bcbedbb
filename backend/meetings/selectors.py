"""Reads of meetings: one meeting, its copies as the ledger tells them, and who holds what.

Issue and collection are ledger events (``checkout`` / ``return`` carrying the meeting's
id), so "who still holds what" is read from the ledger, never kept twice. Two queries for
a meeting whatever its size: its issues, and the returns of those carriers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from backend.custody.models import CustodyEvent
from backend.errors import ServiceError
from backend.meetings.models import Attendee, Meeting
from backend.registry.models import Person
from backend.registry.policy import may_read_carriers
from backend.registry.principals import Principal


@dataclass(frozen=True, slots=True)
class Copy:
    """One copy issued in a meeting: to whom, when, and when (if yet) it came back."""

    carrier_id: int
    carrier: str
    copy_no: int | None
    copies_total: int | None
    level: str
    title: str
    holder: str
    holder_name: str
    issued_at: datetime
    issued_by: str
    returned_at: datetime | None
    returned_by: str

    @property
    def returned(self) -> bool:
        return self.returned_at is not None


@dataclass(slots=True)
class Holder:
    """An attendee and the copies issued to them."""

    person: str
    name: str
    signed_in_at: datetime | None
    copies: list[Copy] = field(default_factory=list)

    @property
    def issued(self) -> int:
        return len(self.copies)

    @property
    def returned(self) -> int:
        return sum(1 for c in self.copies if c.returned)

    @property
    def holding(self) -> list[Copy]:
        return [c for c in self.copies if not c.returned]


def meeting_get(*, principal: Principal, meeting_id: int) -> Meeting:
    if not may_read_carriers(principal):
        raise ServiceError("forbidden", _("Your roles do not include reading meetings."))
    meeting = (
        Meeting.objects.select_related("location", "created_by", "venue_swept_by")
        .filter(id=meeting_id)
        .first()
    )
    if meeting is None:
        raise ServiceError(
            "not_found", _("There is no meeting %(id)s.") % {"id": meeting_id}, {"id": meeting_id}
        )
    return meeting


def _issues(meeting: Meeting) -> QuerySet[CustodyEvent]:
    # ``has_key`` matches the partial index on the ledger (migration 0002): without it
    # every read of a meeting would scan the whole events table.
    return CustodyEvent.objects.filter(
        action="checkout", payload__has_key="meeting", payload__meeting=meeting.id
    )


def meeting_copies(meeting: Meeting) -> list[Copy]:
    """Every copy issued in ``meeting`` in the order issued, each with its return (the
    first ``return`` of that carrier after the issue, wherever it was scanned)."""
    issues = list(
        _issues(meeting)
        .order_by("recorded_at", "seq")
        .values(
            "carrier_id", "carrier__code", "carrier__copy_no", "carrier__copies_total",
            "carrier__level", "carrier__title", "seq", "counterpart__code",
            "counterpart__name", "occurred_at", "actor__name",
        )
    )  # fmt: skip
    returns: dict[int, list[dict[str, Any]]] = {}
    for r in (
        CustodyEvent.objects.filter(
            carrier_id__in={i["carrier_id"] for i in issues}, action="return"
        )
        .order_by("seq")
        .values("carrier_id", "seq", "occurred_at", "actor__name")
    ):
        returns.setdefault(r["carrier_id"], []).append(r)
    copies = []
    for i in issues:
        back = next(
            (r for r in returns.get(i["carrier_id"], []) if r["seq"] > i["seq"]),
            None,
        )
        copies.append(
            Copy(
                carrier_id=i["carrier_id"],
                carrier=i["carrier__code"],
                copy_no=i["carrier__copy_no"],
                copies_total=i["carrier__copies_total"],
                level=i["carrier__level"],
                title=i["carrier__title"],
                holder=i["counterpart__code"] or "",
                holder_name=i["counterpart__name"] or "",
                issued_at=i["occurred_at"],
                issued_by=i["actor__name"],
                returned_at=back["occurred_at"] if back else None,
                returned_by=str(back["actor__name"]) if back else "",
            )
        )
    return copies


def issued_to(meeting: Meeting, person: Person) -> int:
    """How many copies ``person`` was issued in ``meeting`` (the desk's "2 of 3")."""
    return _issues(meeting).filter(counterpart=person).count()


def meeting_holders(meeting: Meeting, copies: list[Copy] | None = None) -> list[Holder]:
    """Every attendee in list order with the copies issued to them."""
    holders = {
        a.person.code: Holder(person=a.person.code, name=a.person.name, signed_in_at=a.signed_in_at)
        for a in Attendee.objects.filter(meeting=meeting).select_related("person").order_by("id")
    }
    for copy in meeting_copies(meeting) if copies is None else copies:
        holder = holders.get(copy.holder)
        if holder is not None:
            holder.copies.append(copy)
    return list(holders.values())


def meetings_list(*, principal: Principal, limit: int = 30) -> list[Meeting]:
    """Open meetings first, then the latest closed ones (the desk's meeting list)."""
    if not may_read_carriers(principal):
        raise ServiceError("forbidden", _("Your roles do not include reading meetings."))
    rows = Meeting.objects.select_related("location")
    return [
        *rows.filter(status="open").order_by("starts_at"),
        *rows.filter(status="closed").order_by("-closed_at")[:limit],
    ]
